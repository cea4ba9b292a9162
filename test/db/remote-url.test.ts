import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';

/**
 * No libSQL server can run here, so this checks our thin part of the remote path: an http://
 * DATABASE_URL goes to that server over HTTP with DATABASE_AUTH_TOKEN as a bearer token, and no
 * embedded-only PRAGMA is sent. The protocol itself is the client's contract.
 */
describe('createDb with a libSQL server URL', () => {
  it('speaks HTTP to the server with the auth token and sends no embedded-only PRAGMAs', async () => {
    const seen: { url: string; authorization: string | undefined; body: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
        res.writeHead(503).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const database = await createDb({ url: `http://127.0.0.1:${port}`, authToken: 'secret-token' });
      expect(seen).toHaveLength(0);
      await expect(database.client.execute('SELECT 1')).rejects.toThrow();
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((request) => request.authorization === 'Bearer secret-token')).toBe(true);
      expect(seen.some((request) => request.url.includes('pipeline'))).toBe(true);
      expect(seen.some((request) => request.body.includes('PRAGMA'))).toBe(false);
      database.close();
    } finally {
      server.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.ts';
import { demoResponse } from './script.ts';

/** Serves the scripted demo responses on loopback, with their latency actually waited out. */
export async function startDemoTarget(port: number, clock: Clock): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    const response = demoResponse(path, clock.now().getTime());
    setTimeout(() => {
      res.writeHead(response.status, { 'Content-Type': 'text/plain' });
      res.end(response.body);
    }, Math.round(response.latencyMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

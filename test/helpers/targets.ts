import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface Target {
  port: number;
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

const closer = (server: Server | ReturnType<typeof createTcpServer>) => () =>
  new Promise<void>((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });

/** A real HTTP server on 127.0.0.1 answering with `handler`. */
export async function startHttpTarget(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target> {
  const server = createServer(handler);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, close: closer(server) };
}

/** An HTTP server that answers each request with the next status of `script` (then repeats the last). */
export async function startScriptedTarget(script: readonly number[]): Promise<Target & { hits: () => number }> {
  let hits = 0;
  const target = await startHttpTarget((_req, res) => {
    const status = script[Math.min(hits, script.length - 1)] ?? 200;
    hits += 1;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status < 400 ? 'ok' : 'failing');
  });
  return { ...target, hits: () => hits };
}

/** A self-signed certificate for `localhost` / 127.0.0.1 that expires at `notAfter`. */
export async function selfSignedCert(notAfter: Date, notBefore = new Date(Date.now() - 86_400_000)) {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

/** An HTTPS server with the given certificate, answering 200 "secure ok". */
export async function startHttpsTarget(tls: { key: string; cert: string }): Promise<Target> {
  const server = createHttpsServer(tls, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('secure ok');
  });
  const port = await listen(server);
  return { port, url: `https://127.0.0.1:${port}`, close: closer(server) };
}

/** A port that was just free and is now closed (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and does nothing. */
export async function startTcpTarget(): Promise<Target> {
  const server = createTcpServer((socket) => socket.end());
  const port = await listen(server);
  return { port, url: `tcp://127.0.0.1:${port}`, close: closer(server) };
}

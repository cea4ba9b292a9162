import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (for processes that cannot be told to use port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Signals the whole process group (tsx and the node it runs). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Environment for `api/server.ts` on its own folder: `headroom.config.yaml` and the embedded
 * database in `dir`, the built-in prober off, listening on `port`.
 */
export function serverEnv(
  dir: string,
  port: number,
  extra: Record<string, string> = {},
): Record<string, string> & { DATABASE_URL: string; HEADROOM_CONFIG: string } {
  return {
    HEADROOM_CONFIG: join(dir, 'headroom.config.yaml'),
    DATABASE_URL: `file:${join(dir, 'headroom.db')}`,
    HEADROOM_DATA_DIR: dir,
    HEADROOM_PROBER: 'off',
    PORT: String(port),
    ...extra,
  };
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches, rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a TypeScript entry point with the project's tsx (Node 24), capturing its output. */
export function startTsx(script: string, args: string[], env: Record<string, string>): RunningProcess {
  // Its own process group: tsx runs node as a child, and a SIGKILL must reach that child too.
  const child = spawn('node_modules/.bin/tsx', [script, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          const match = text.match(pattern);
          if (match) return resolve(match);
          if (child.exitCode !== null) return reject(new Error(`process exited (${child.exitCode}) before ${pattern}:\n${text}`));
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${pattern}:\n${text}`));
          setTimeout(check, 50);
        };
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) signalGroup(child, signal);
      return exited;
    },
  };
}

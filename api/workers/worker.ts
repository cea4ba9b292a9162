import type { AppDeps } from '../deps.ts';

/** A background loop started with the server and stopped, awaited, on shutdown. */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}

export type WorkerFactory = (deps: AppDeps) => Worker | Promise<Worker>;

/**
 * Runs `tick` every `intervalMs` without ever overlapping itself; errors are logged and the
 * loop goes on. The usual shape of a worker.
 */
export function intervalWorker(name: string, deps: AppDeps, intervalMs: number, tick: () => Promise<void>): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const loop = async () => {
    if (stopped) return;
    running = tick().catch((error: unknown) => deps.logger.error({ err: error, worker: name }, 'worker tick failed'));
    await running;
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  timer = setTimeout(() => void loop(), 0);
  return {
    name,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

import type { Socket } from 'node:net';
import { elapsedSince, errorText, type ProbeOutcome } from './types.ts';

/**
 * Opens a socket and settles once: `judge` decides the outcome when `readyEvent` fires; an
 * error or `timeoutMs` passing first is a failure. The socket is always closed; nothing is sent.
 */
export function probeSocket<S extends Socket>(
  open: () => S,
  readyEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
  judge: (socket: S, latencyMs: number) => ProbeOutcome,
): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = open();
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, latencyMs: elapsedSince(started), error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    socket.once('error', (error) => finish({ ok: false, latencyMs: elapsedSince(started), error: errorText(error) }));
    socket.once(readyEvent, () => finish(judge(socket, elapsedSince(started))));
  });
}

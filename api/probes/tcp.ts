import { connect } from 'node:net';
import type { TcpSettings } from './settings.ts';
import { elapsedSince, errorText, type ProbeOutcome } from './types.ts';

/** A TCP probe: the port accepts a connection within the timeout; nothing is sent. */
export function probeTcp(settings: TcpSettings, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: settings.host, port: settings.port });
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ ok: false, latencyMs: elapsedSince(started), error: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ ok: true, latencyMs: elapsedSince(started) }));
    socket.once('error', (error) => finish({ ok: false, latencyMs: elapsedSince(started), error: errorText(error) }));
  });
}

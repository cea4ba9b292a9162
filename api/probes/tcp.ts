import { connect } from 'node:net';
import type { TcpSettings } from './settings.ts';
import { probeSocket } from './socket.ts';
import type { ProbeOutcome } from './types.ts';

/** A TCP probe: the port accepts a connection within the timeout; nothing is sent. */
export function probeTcp(settings: TcpSettings, timeoutMs: number): Promise<ProbeOutcome> {
  return probeSocket(() => connect({ host: settings.host, port: settings.port }), 'connect', timeoutMs, (_socket, latencyMs) => ({
    ok: true,
    latencyMs,
  }));
}

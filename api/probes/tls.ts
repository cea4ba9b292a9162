import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { TlsSettings } from './settings.ts';
import { probeSocket } from './socket.ts';
import type { ProbeOutcome } from './types.ts';

/**
 * A TLS probe for non-HTTP services: handshake, then the certificate's chain (unless
 * `insecure`), hostname and remaining validity (at least `minValidity` from `now`). The
 * connection is closed right after the handshake; nothing is sent.
 */
export function probeTls(settings: TlsSettings, timeoutMs: number, now: Date): Promise<ProbeOutcome> {
  const servername = settings.servername ?? (isIP(settings.host) ? undefined : settings.host);
  // Verification is done by hand in `judge` so that a failing certificate's expiry is still recorded.
  const open = () => connect({ host: settings.host, port: settings.port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
  return probeSocket(open, 'secureConnect', timeoutMs, (socket, latencyMs): ProbeOutcome => {
    const certificate: PeerCertificate = socket.getPeerCertificate();
    if (!certificate.valid_to) return { ok: false, latencyMs, error: 'the server sent no certificate' };
    const tlsExpiresAt = new Date(certificate.valid_to);
    const fail = (error: string): ProbeOutcome => ({ ok: false, latencyMs, error, tlsExpiresAt });
    if (!settings.insecure && !socket.authorized) return fail(`certificate not trusted: ${String(socket.authorizationError)}`);
    const identityError = checkServerIdentity(settings.servername ?? settings.host, certificate);
    if (identityError) return fail(`hostname mismatch: ${identityError.message}`);
    const remainingMs = tlsExpiresAt.getTime() - now.getTime();
    if (remainingMs <= 0) return fail(`certificate expired at ${tlsExpiresAt.toISOString()}`);
    if (remainingMs < settings.minValidity) {
      return fail(`certificate expires in ${(remainingMs / 86_400_000).toFixed(1)} days, at ${tlsExpiresAt.toISOString()}`);
    }
    return { ok: true, latencyMs, tlsExpiresAt };
  });
}

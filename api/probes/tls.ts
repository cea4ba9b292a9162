import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import type { TlsSettings } from './settings.ts';
import { elapsedSince, errorText, type ProbeOutcome } from './types.ts';

/**
 * A TLS probe for non-HTTP services: handshake, then the certificate's chain (unless
 * `insecure`), hostname and remaining validity (at least `minValidity` from `now`). The
 * connection is closed right after the handshake; nothing is sent.
 */
export function probeTls(settings: TlsSettings, timeoutMs: number, now: Date): Promise<ProbeOutcome> {
  const started = performance.now();
  const servername = settings.servername ?? (isIP(settings.host) ? undefined : settings.host);
  return new Promise((resolve) => {
    // Verification is done by hand below so that a failing certificate's expiry is still recorded.
    const socket = connect({ host: settings.host, port: settings.port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ ok: false, latencyMs: elapsedSince(started), error: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('error', (error) => finish({ ok: false, latencyMs: elapsedSince(started), error: errorText(error) }));
    socket.once('secureConnect', () => {
      const latencyMs = elapsedSince(started);
      const certificate: PeerCertificate = socket.getPeerCertificate();
      if (!certificate.valid_to) {
        finish({ ok: false, latencyMs, error: 'the server sent no certificate' });
        return;
      }
      const tlsExpiresAt = new Date(certificate.valid_to);
      const fail = (error: string) => finish({ ok: false, latencyMs, error, tlsExpiresAt });
      if (!settings.insecure && !socket.authorized) {
        fail(`certificate not trusted: ${String(socket.authorizationError)}`);
        return;
      }
      const identityError = checkServerIdentity(settings.servername ?? settings.host, certificate);
      if (identityError) {
        fail(`hostname mismatch: ${identityError.message}`);
        return;
      }
      const remainingMs = tlsExpiresAt.getTime() - now.getTime();
      if (remainingMs <= 0) {
        fail(`certificate expired at ${tlsExpiresAt.toISOString()}`);
        return;
      }
      if (remainingMs < settings.minValidity) {
        fail(`certificate expires in ${(remainingMs / 86_400_000).toFixed(1)} days, at ${tlsExpiresAt.toISOString()}`);
        return;
      }
      finish({ ok: true, latencyMs, tlsExpiresAt });
    });
  });
}

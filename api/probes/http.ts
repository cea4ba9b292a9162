import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { HttpSettings } from './settings.ts';
import { elapsedSince, errorText, type ProbeOutcome } from './types.ts';

/** Enough of a body to find a keyword; bigger bodies are cut here, not buffered whole. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Hop {
  response: IncomingMessage;
  tlsExpiresAt: Date | undefined;
}

/**
 * An HTTP(S) probe: one fresh connection per hop (no keep-alive, so connect time and the
 * certificate are measured every time), redirects followed by hand up to `maxRedirects`,
 * expected status codes, an optional keyword or regex in the body, all within `timeoutMs`.
 * Certificates are verified unless `insecure`; the expiry is recorded either way.
 */
export async function probeHttp(settings: HttpSettings, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  let tlsExpiresAt: Date | undefined;
  try {
    let url = new URL(settings.url);
    let method = settings.method.toUpperCase();
    let body = settings.body;
    for (let redirects = 0; ; redirects += 1) {
      const hop = await send(url, method, settings, body, abort.signal);
      tlsExpiresAt = hop.tlsExpiresAt ?? tlsExpiresAt;
      const status = hop.response.statusCode ?? 0;
      const location = hop.response.headers.location;
      if (settings.followRedirects && status >= 300 && status < 400 && location) {
        hop.response.resume();
        if (redirects >= settings.maxRedirects) {
          return { ok: false, latencyMs: elapsedSince(started), statusCode: status, error: `more than ${settings.maxRedirects} redirects`, tlsExpiresAt };
        }
        url = new URL(location, url);
        // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const wantsBody = settings.keyword !== undefined || settings.regex !== undefined;
      const text = wantsBody ? await readBody(hop.response) : await drain(hop.response);
      const latencyMs = elapsedSince(started);
      if (!settings.expectStatus.includes(status)) {
        return { ok: false, latencyMs, statusCode: status, error: `unexpected status ${status}`, tlsExpiresAt };
      }
      if (settings.keyword !== undefined && !text.includes(settings.keyword)) {
        return { ok: false, latencyMs, statusCode: status, error: `keyword "${settings.keyword}" not found`, tlsExpiresAt };
      }
      if (settings.regex !== undefined && !new RegExp(settings.regex).test(text)) {
        return { ok: false, latencyMs, statusCode: status, error: `body does not match /${settings.regex}/`, tlsExpiresAt };
      }
      return { ok: true, latencyMs, statusCode: status, tlsExpiresAt };
    }
  } catch (error) {
    const reason = abort.signal.aborted ? errorText(abort.signal.reason) : errorText(error);
    return { ok: false, latencyMs: elapsedSince(started), error: reason, tlsExpiresAt };
  } finally {
    clearTimeout(timer);
  }
}

function send(url: URL, method: string, settings: HttpSettings, body: string | undefined, signal: AbortSignal): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const options = {
      method,
      headers: { 'user-agent': 'Headroom-Probe/1', ...settings.headers },
      signal,
      agent: false as const,
      ...(secure ? { rejectUnauthorized: !settings.insecure } : {}),
    };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (response) => {
      let tlsExpiresAt: Date | undefined;
      if (secure) {
        const certificate = (response.socket as TLSSocket).getPeerCertificate();
        if (certificate.valid_to) tlsExpiresAt = new Date(certificate.valid_to);
      }
      resolve({ response, tlsExpiresAt });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size >= MAX_BODY_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    // An aborted response may close without 'end' or 'error'; never leave the probe hanging.
    response.on('close', () => {
      if (!response.complete) reject(new Error('connection closed before the body ended'));
    });
  });
}

function drain(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    response.on('end', () => resolve(''));
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('connection closed before the body ended'));
    });
    response.resume();
  });
}

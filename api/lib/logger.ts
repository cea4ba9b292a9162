import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Secrets by shape, for text we do not control (driver error messages with query parameters,
 * request paths carrying a heartbeat token, URLs with a password): API tokens, webhook signing
 * secrets, heartbeat tokens, credentials in URLs, and drizzle's "params:" dump.
 */
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\bparams: [^\n]*/g, 'params: [redacted]'],
  [/\bhr_[A-Za-z0-9]{8}_[A-Za-z0-9_-]+/g, 'hr_[redacted]'],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, 'whsec_[redacted]'],
  [/\bhb_[A-Za-z0-9_-]{16,}/g, 'hb_[redacted]'],
  [/(\/api\/v1\/heartbeats\/[^/\s"]+\/)[^/\s"?]+/g, '$1[redacted]'],
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@"]*:)[^@\s/"]+@/gi, '$1[redacted]@'],
  [/([?&](?:token|secret|password)=)[^&\s"]+/gi, '$1[redacted]'],
];

export function scrubSecrets(text: string): string {
  return SECRET_SHAPES.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Errors are logged with message and stack scrubbed, and without the query parameters drizzle attaches. */
function serializeError(value: unknown): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (!(value instanceof Error)) return value;
  const serialized = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(serialized)) {
    if (key === 'params') continue;
    out[key] = typeof field === 'string' ? scrubSecrets(field) : field;
  }
  return out;
}

const scrubString = (value: unknown): unknown => (typeof value === 'string' ? scrubSecrets(value) : value);

/**
 * JSON logs. Anything that could carry a secret is redacted by path, so a token or a password
 * in a logged object never reaches the output; errors, paths and error texts are also scrubbed
 * by the shape of the secrets they might contain.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info', destination?: DestinationStream): Logger {
  const sensitive = ['token', 'secret', 'password', 'authorization', 'databaseAuthToken', 'adminToken', 'smtpUrl', 'apiToken', 'params'];
  const options: LoggerOptions = {
    level,
    base: undefined,
    serializers: { err: serializeError, error: serializeError, path: scrubString, url: scrubString, target: scrubString },
    redact: {
      paths: [...sensitive, ...sensitive.map((key) => `*.${key}`), 'req.headers.authorization', 'headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  };
  // A destination lets tests capture the exact output the server would write.
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

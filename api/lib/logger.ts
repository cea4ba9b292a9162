import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Anything that could carry a secret is redacted by path, so a token or a password
 * in a logged object never reaches the output.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'token',
        'secret',
        'password',
        'authorization',
        '*.token',
        '*.secret',
        '*.password',
        '*.authorization',
        'req.headers.authorization',
        'headers.authorization',
        'databaseAuthToken',
        'adminToken',
        'smtpUrl',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

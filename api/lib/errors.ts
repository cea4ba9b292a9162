import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One validation problem, pointing at the exact path of the offending value. */
export interface ProblemIssue {
  path: string;
  message: string;
  code?: string;
}

/**
 * A typed domain error that maps to one RFC 9457 problem+json response. `code` is stable and
 * documented; clients branch on it, not on `title` or `detail`.
 */
export class ProblemError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly title: string;
  readonly issues: ProblemIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(options: {
    status: ContentfulStatusCode;
    code: string;
    title: string;
    detail?: string;
    issues?: ProblemIssue[];
    headers?: Record<string, string>;
  }) {
    super(options.detail ?? options.title);
    this.status = options.status;
    this.code = options.code;
    this.title = options.title;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends ProblemError {
  constructor(detail: string, issues: ProblemIssue[] = [], code = 'validation_failed') {
    super({ status: 422, code, title: 'The request is not valid', detail, issues });
  }
}
export class NotFoundError extends ProblemError {
  constructor(detail: string, code = 'not_found') {
    super({ status: 404, code, title: 'Not found', detail });
  }
}
export class ConflictError extends ProblemError {
  constructor(detail: string, code = 'conflict') {
    super({ status: 409, code, title: 'Conflict', detail });
  }
}
export class UnauthorizedError extends ProblemError {
  constructor(detail = 'A valid bearer token is required.') {
    super({
      status: 401,
      code: 'unauthorized',
      title: 'Unauthorized',
      detail,
      headers: { 'WWW-Authenticate': 'Bearer realm="headroom"' },
    });
  }
}
export class ForbiddenError extends ProblemError {
  constructor(detail: string) {
    super({ status: 403, code: 'forbidden', title: 'Forbidden', detail });
  }
}
export class RateLimitedError extends ProblemError {
  constructor(retryAfterSeconds: number) {
    super({
      status: 429,
      code: 'rate_limited',
      title: 'Too many requests',
      detail: `Slow down: try again in ${retryAfterSeconds} s.`,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** `['monitors', 2, 'interval']` → `monitors[2].interval` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

export function problemBody(error: ProblemError, instance: string) {
  return {
    type: `/docs/problems#${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    instance,
    ...(error.issues ? { issues: error.issues } : {}),
  };
}

/** Builds the response through the context so headers set earlier (request id, security headers) stay. */
export function problemResponse(c: Context, error: ProblemError): Response {
  const body = JSON.stringify(problemBody(error, c.req.path));
  return c.body(body, error.status, { ...error.headers, 'Content-Type': 'application/problem+json' });
}

/** SQLite's write lock held by another process (SQLITE_BUSY), anywhere in the error's cause chain. */
export function isDatabaseBusy(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if ((typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || /database is locked/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** Maps anything thrown to a problem: typed errors as they say, Hono's HTTP errors by status, the rest as 500. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) {
      return new ProblemError({ status: 413, code: 'payload_too_large', title: 'Payload too large', detail: error.message });
    }
    if (error.status === 400) {
      return new ProblemError({
        status: 400,
        code: 'malformed_request',
        title: 'Malformed request',
        detail: error.message || 'The request body could not be parsed.',
      });
    }
    return new ProblemError({ status: error.status as ContentfulStatusCode, code: `http_${error.status}`, title: error.message || 'Error' });
  }
  if (isDatabaseBusy(error)) {
    return new ProblemError({
      status: 503,
      code: 'database_busy',
      title: 'Database busy',
      detail: 'Another process holds the database write lock; nothing was written. Retry shortly.',
      headers: { 'Retry-After': '2' },
    });
  }
  return new ProblemError({
    status: 500,
    code: 'internal_error',
    title: 'Internal error',
    detail: 'Something went wrong on our side; it has been logged.',
  });
}

import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
import { formatPath, ValidationError, type ProblemIssue } from './errors.ts';

function issuePath(path: StandardSchemaV1.Issue['path']): PropertyKey[] {
  return (path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment));
}

export function toProblemIssues(issues: readonly StandardSchemaV1.Issue[], prefix: PropertyKey[] = []): ProblemIssue[] {
  return issues.map((issue) => ({ path: formatPath([...prefix, ...issuePath(issue.path)]), message: issue.message }));
}

const TARGET_NAMES: Record<keyof ValidationTargets, string> = {
  json: 'body',
  form: 'form',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

/**
 * Validates one part of the request with a zod schema (and documents it in the OpenAPI
 * output). A failure is a 422 problem listing every issue by path; the handler never runs.
 */
export function validate<Schema extends StandardSchemaV1, Target extends keyof ValidationTargets>(target: Target, schema: Schema) {
  return validator(target, schema, (result) => {
    if (!result.success) {
      const issues = toProblemIssues(result.error);
      const first = issues[0];
      const where = TARGET_NAMES[target];
      throw new ValidationError(
        first ? `Invalid ${where}: ${first.path}: ${first.message}` : `Invalid ${where}.`,
        issues,
      );
    }
    return undefined;
  });
}

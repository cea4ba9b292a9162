import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { formatPath, type ProblemIssue } from '../lib/errors.ts';
import { configSchema, type HeadroomConfig } from './schema.ts';

/** Every problem in a config file, each with the path it is at. */
export class ConfigError extends Error {
  readonly issues: ProblemIssue[];
  constructor(source: string, issues: ProblemIssue[]) {
    super(`Invalid config ${source}:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`);
    this.issues = issues;
  }
}

export function parseConfig(text: string, source = 'headroom.config.yaml'): HeadroomConfig {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '(yaml)',
        message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
        code: 'yaml',
      })),
    );
  }
  return validateConfig(document.toJS() ?? {}, source);
}

export function validateConfig(value: unknown, source = 'config'): HeadroomConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, code: issue.code })),
    );
  }
  return parsed.data;
}

export function loadConfigFile(path: string): HeadroomConfig {
  return parseConfig(readFileSync(path, 'utf8'), path);
}

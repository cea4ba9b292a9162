import type { ProblemIssue } from '../lib/errors.ts';

const RESULT_INDEX = /^results\[(\d+)\]/;

/**
 * The indexes of the results an ingest rejection names (`results[3].monitor`, ...). A batch is
 * all-or-nothing, so a sender drops exactly these (e.g. a monitor removed from the config while
 * its results were waiting) and sends the rest again, instead of retrying a poisoned batch forever.
 */
export function rejectedIndexes(issues: readonly Pick<ProblemIssue, 'path'>[] | undefined): Set<number> {
  const indexes = new Set<number>();
  for (const issue of issues ?? []) {
    const match = RESULT_INDEX.exec(issue.path);
    if (match?.[1] !== undefined) indexes.add(Number(match[1]));
  }
  return indexes;
}

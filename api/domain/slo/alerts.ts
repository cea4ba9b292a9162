import type { BurnAlertRule } from '../../../db/schema/slos.ts';
import { parseDuration } from '../../lib/duration.ts';
import { burnRateOf, type SliCounts } from './math.ts';

/**
 * The SRE Workbook's multi-window, multi-burn-rate alerts (chapter 5, "Alerting on SLOs",
 * table 5-8): the short window is 1/12 of the long one, so an alert stops soon after the
 * burning stops. For a 30-day window: 14.4× over 1 h spends 2 % of the budget, 6× over 6 h
 * spends 5 %, 3× over 1 d and 1× over 3 d spend 10 %.
 */
export const DEFAULT_ALERT_RULES: readonly BurnAlertRule[] = [
  { name: 'page-1h', severity: 'page', longWindow: '1h', shortWindow: '5m', burnRate: 14.4 },
  { name: 'page-6h', severity: 'page', longWindow: '6h', shortWindow: '30m', burnRate: 6 },
  { name: 'ticket-1d', severity: 'ticket', longWindow: '1d', shortWindow: '2h', burnRate: 3 },
  { name: 'ticket-3d', severity: 'ticket', longWindow: '3d', shortWindow: '6h', burnRate: 1 },
];

/** Windows every evaluation reports a burn rate for. */
export const BURN_RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export interface ParsedRule extends BurnAlertRule {
  longWindowMs: number;
  shortWindowMs: number;
}

const parseRule = (rule: BurnAlertRule): ParsedRule => ({
  ...rule,
  longWindowMs: parseDuration(rule.longWindow) ?? 0,
  shortWindowMs: parseDuration(rule.shortWindow) ?? 0,
});
/** Most SLOs use the defaults; parsed once, since every evaluation of every SLO asks. */
const PARSED_DEFAULTS: readonly Readonly<ParsedRule>[] = DEFAULT_ALERT_RULES.map(parseRule);

export function parseRules(rules: readonly BurnAlertRule[] | null | undefined): ParsedRule[] {
  return rules && rules.length > 0 ? rules.map(parseRule) : [...PARSED_DEFAULTS];
}

export interface RuleEvaluation {
  name: string;
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  /** The burn-rate threshold both windows must exceed. */
  burnRate: number;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  firing: boolean;
}

/**
 * A rule fires when the burn rate over the long window AND over the short window are both
 * above its threshold (strictly, as the Workbook's `>`). No data in either window never fires.
 */
export function evaluateRule(rule: ParsedRule, long: SliCounts, short: SliCounts, target: number): RuleEvaluation {
  const longBurnRate = burnRateOf(long, target);
  const shortBurnRate = burnRateOf(short, target);
  const firing = longBurnRate !== null && shortBurnRate !== null && longBurnRate > rule.burnRate && shortBurnRate > rule.burnRate;
  return {
    name: rule.name,
    severity: rule.severity,
    longWindow: formatWindow(rule.longWindowMs),
    shortWindow: formatWindow(rule.shortWindowMs),
    burnRate: rule.burnRate,
    longBurnRate,
    shortBurnRate,
    firing,
  };
}

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];
/** `3600000` → `1h`; stays readable for the rule windows people write. */
export function formatWindow(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

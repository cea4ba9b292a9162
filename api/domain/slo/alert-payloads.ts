import type { RuleEvaluation } from './alerts.ts';

/** What an alert notice says, whichever channel carries it. */
export interface AlertNotice {
  burnAlertId: string;
  transition: 'firing' | 'resolved';
  at: Date;
  slo: { id: string; name: string; service: string; target: number; window: string };
  rule: RuleEvaluation;
  budgetRemaining: number | null;
  /** Link to the SLO in the API. */
  url: string;
  /**
   * Why a resolution happened when it is not because the burning stopped: the rule was removed
   * from the SLO, or the SLO itself was archived (or removed from the config file).
   */
  reason?: 'rule_removed' | 'slo_archived';
}

const REASONS: Record<NonNullable<AlertNotice['reason']>, string> = {
  rule_removed: 'its rule was removed from the SLO',
  slo_archived: 'the SLO was archived',
};

const pct = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value * 1000) / 10} %`);
const rate = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value * 100) / 100}x`);

export function alertSummary(notice: AlertNotice): string {
  const { slo, rule } = notice;
  const head = notice.transition === 'firing' ? `[${rule.severity.toUpperCase()}] ${slo.name}` : `[RESOLVED] ${slo.name}`;
  if (notice.reason) return `${head}: alert ${rule.name} closed because ${REASONS[notice.reason]}`;
  return `${head}: burning error budget at ${rate(rule.longBurnRate)} over ${rule.longWindow} and ${rate(rule.shortBurnRate)} over ${rule.shortWindow} (threshold ${rule.burnRate}x); ${pct(notice.budgetRemaining)} of the budget left`;
}

/** Generic webhook body (signed by the outbox per Standard Webhooks when the channel has a secret). */
export function webhookPayload(notice: AlertNotice): Record<string, unknown> {
  return {
    type: `slo.alert.${notice.transition}`,
    id: notice.burnAlertId,
    at: notice.at.toISOString(),
    summary: alertSummary(notice),
    slo: notice.slo,
    rule: notice.rule,
    budgetRemaining: notice.budgetRemaining,
    url: notice.url,
    ...(notice.reason ? { reason: notice.reason } : {}),
  };
}

/** Slack incoming-webhook body: `text` for notifications, blocks for the message. */
export function slackPayload(notice: AlertNotice): Record<string, unknown> {
  const text = alertSummary(notice);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${notice.transition === 'firing' ? ':rotating_light:' : ':white_check_mark:'} ${text}*` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `SLO \`${notice.slo.id}\` · target ${notice.slo.target} over ${notice.slo.window} · <${notice.url}|details>` }],
      },
    ],
  };
}

/**
 * PagerDuty Events API v2: trigger on firing, resolve on resolution, with the same stable
 * dedup_key so PagerDuty pairs them (and a retried trigger never opens a second incident).
 */
export function pagerDutyPayload(notice: AlertNotice, routingKey: string): Record<string, unknown> {
  const dedupKey = `headroom:slo:${notice.slo.id}:${notice.rule.name}:${notice.burnAlertId}`;
  if (notice.transition === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: alertSummary(notice).slice(0, 1024),
      source: `headroom:${notice.slo.service}`,
      severity: notice.rule.severity === 'page' ? 'critical' : 'warning',
      timestamp: notice.at.toISOString(),
      component: notice.slo.service,
      group: 'slo',
      class: 'error-budget-burn',
      custom_details: { slo: notice.slo, rule: notice.rule, budgetRemaining: notice.budgetRemaining },
    },
    links: [{ href: notice.url, text: 'SLO in Headroom' }],
  };
}

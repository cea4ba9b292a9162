import { and, eq } from 'drizzle-orm';
import type { Database, Tx } from '../../../db/client.ts';
import { outbox } from '../../../db/schema/notices.ts';
import { burnAlerts, slos } from '../../../db/schema/slos.ts';
import type { AlertChannel } from '../../config/alerting.ts';
import { pagerDutyPayload, slackPayload, webhookPayload, type AlertNotice } from '../../domain/slo/alert-payloads.ts';
import { DEFAULT_ALERT_RULES, type RuleEvaluation } from '../../domain/slo/alerts.ts';
import { auditLog } from '../../../db/schema/security.ts';
import { newId } from '../../lib/ids.ts';
import { activeSlos, evaluateSlos, type SloEvaluation } from '../evaluate-slo.ts';

export interface AlertTransition {
  burnAlertId: string;
  sloId: string;
  rule: string;
  transition: 'firing' | 'resolved';
  /** Set when an alert was closed because its rule or SLO went away, not because burning stopped. */
  reason?: 'rule_removed' | 'slo_archived';
}

export interface AlertEvaluatorOptions {
  channels: readonly AlertChannel[];
  publicUrl: string;
}

type BurnAlertRow = typeof burnAlerts.$inferSelect;
type SloSummary = AlertNotice['slo'];

/**
 * Evaluates every SLO's burn-rate rules at `now` and records each change of state once: a rule
 * that starts firing opens a `burn_alerts` row, one that stops resolves it, and each change
 * writes one outbox row per matching channel in the same transaction. The open row is
 * re-read inside the transaction, so two evaluators racing cannot both send a transition.
 *
 * An alert left firing by a rule that no longer exists (removed from the SLO's `alerts:`) or by
 * an SLO that is archived (deleted through the API, or removed from the config file) would
 * otherwise stay open forever; it is resolved on the next evaluation, with the same notices as
 * a normal resolution and a `reason`.
 */
export async function evaluateAlerts(database: Database, now: Date, options: AlertEvaluatorOptions): Promise<AlertTransition[]> {
  const evaluations = await evaluateSlos(database, await activeSlos(database), now);
  const transitions: AlertTransition[] = [];
  for (const evaluation of evaluations) {
    transitions.push(...(await applyTransitions(database, evaluation, now, options)));
  }
  const evaluated = new Set(evaluations.map((evaluation) => evaluation.id));
  const orphaned = await database.orm.selectDistinct({ sloId: burnAlerts.sloId }).from(burnAlerts).where(eq(burnAlerts.state, 'firing'));
  for (const { sloId } of orphaned) {
    if (!evaluated.has(sloId)) transitions.push(...(await resolveArchived(database, sloId, now, options)));
  }
  return transitions;
}

async function applyTransitions(database: Database, evaluation: SloEvaluation, now: Date, options: AlertEvaluatorOptions): Promise<AlertTransition[]> {
  return database.write(async (tx) => {
    const open = await firingAlerts(tx, evaluation.id);
    const openByRule = new Map(open.map((row) => [row.rule, row]));
    const slo: SloSummary = { id: evaluation.id, name: evaluation.name, service: evaluation.service, target: evaluation.target, window: evaluation.window };
    const out: AlertTransition[] = [];
    for (const rule of evaluation.alerts) {
      const current = openByRule.get(rule.name);
      if (rule.firing && !current) {
        const burnAlertId = newId();
        await tx.insert(burnAlerts).values({
          id: burnAlertId,
          sloId: evaluation.id,
          rule: rule.name,
          severity: rule.severity,
          state: 'firing',
          firedAt: now,
          longBurnRate: rule.longBurnRate,
          shortBurnRate: rule.shortBurnRate,
          longWindow: rule.longWindow,
          shortWindow: rule.shortWindow,
          threshold: rule.burnRate,
        });
        out.push(await notify(tx, options, { burnAlertId, transition: 'firing', at: now, slo, rule, budgetRemaining: evaluation.errorBudget.remaining }));
      } else if (!rule.firing && current) {
        await tx
          .update(burnAlerts)
          .set({ state: 'resolved', resolvedAt: now, longBurnRate: rule.longBurnRate, shortBurnRate: rule.shortBurnRate })
          .where(eq(burnAlerts.id, current.id));
        out.push(
          await notify(tx, options, { burnAlertId: current.id, transition: 'resolved', at: now, slo, rule, budgetRemaining: evaluation.errorBudget.remaining }),
        );
      }
    }
    // Still open, but the SLO no longer has the rule.
    const ruleNames = new Set(evaluation.alerts.map((rule) => rule.name));
    for (const row of open.filter((alert) => !ruleNames.has(alert.rule))) {
      out.push(await resolveOrphan(tx, options, row, slo, now, evaluation.errorBudget.remaining, 'rule_removed'));
    }
    return out;
  });
}

/** Resolves every alert still firing for an SLO that is not evaluated any more (archived). */
async function resolveArchived(database: Database, sloId: string, now: Date, options: AlertEvaluatorOptions): Promise<AlertTransition[]> {
  return database.write(async (tx) => {
    const open = await firingAlerts(tx, sloId);
    if (open.length === 0) return [];
    const [row] = await tx.select().from(slos).where(eq(slos.id, sloId));
    const slo: SloSummary = {
      id: sloId,
      name: row?.name ?? sloId,
      service: row?.service ?? '',
      target: row?.target ?? 0,
      window: row?.window ?? '',
    };
    const out: AlertTransition[] = [];
    for (const alert of open) out.push(await resolveOrphan(tx, options, alert, slo, now, null, 'slo_archived'));
    return out;
  });
}

function firingAlerts(tx: Tx, sloId: string): Promise<BurnAlertRow[]> {
  return tx
    .select()
    .from(burnAlerts)
    .where(and(eq(burnAlerts.sloId, sloId), eq(burnAlerts.state, 'firing')));
}

async function resolveOrphan(
  tx: Tx,
  options: AlertEvaluatorOptions,
  alert: BurnAlertRow,
  slo: SloSummary,
  now: Date,
  budgetRemaining: number | null,
  reason: 'rule_removed' | 'slo_archived',
): Promise<AlertTransition> {
  await tx.update(burnAlerts).set({ state: 'resolved', resolvedAt: now }).where(eq(burnAlerts.id, alert.id));
  // The rule as it fired (alerts opened before the rule was recorded fall back to the default of that name).
  const fallback = DEFAULT_ALERT_RULES.find((rule) => rule.name === alert.rule);
  const rule: RuleEvaluation = {
    name: alert.rule,
    severity: alert.severity,
    longWindow: alert.longWindow ?? fallback?.longWindow ?? 'unknown',
    shortWindow: alert.shortWindow ?? fallback?.shortWindow ?? 'unknown',
    burnRate: alert.threshold ?? fallback?.burnRate ?? 0,
    longBurnRate: null,
    shortBurnRate: null,
    firing: false,
  };
  return notify(tx, options, { burnAlertId: alert.id, transition: 'resolved', at: now, slo, rule, budgetRemaining, reason });
}

/** One outbox row per matching channel (stable id: a retry is never a new message) and one audit row. */
async function notify(tx: Tx, options: AlertEvaluatorOptions, fields: Omit<AlertNotice, 'url'>): Promise<AlertTransition> {
  const notice: AlertNotice = { ...fields, url: `${options.publicUrl.replace(/\/$/, '')}/api/v1/slos/${encodeURIComponent(fields.slo.id)}` };
  const { burnAlertId, transition, rule, slo, at } = notice;
  const rows = options.channels.flatMap((channel, index) => {
    if (!channel.severities.includes(rule.severity)) return [];
    if (channel.slos && !channel.slos.includes(slo.id)) return [];
    const payload =
      channel.kind === 'pagerduty' ? pagerDutyPayload(notice, channel.routingKey) : channel.kind === 'slack' ? slackPayload(notice) : webhookPayload(notice);
    return [
      {
        id: `alert:${burnAlertId}:${transition}:${index}`,
        channel: channel.kind,
        topic: `slo.alert.${transition}`,
        // Lets the delivery worker find the channel (and its signing secret) in the config.
        subscriberId: `alerting.channels[${index}]`,
        target: channel.url,
        payload,
        nextAttemptAt: at,
        createdAt: at,
      },
    ];
  });
  if (rows.length > 0) await tx.insert(outbox).values(rows).onConflictDoNothing();
  await tx.insert(auditLog).values({
    at,
    actor: 'system:slo-alerts',
    action: `slo.alert.${transition}`,
    targetType: 'burn_alert',
    targetId: burnAlertId,
    requestId: null,
    details: {
      slo: slo.id,
      rule: rule.name,
      longBurnRate: rule.longBurnRate,
      shortBurnRate: rule.shortBurnRate,
      notices: rows.length,
      ...(notice.reason ? { reason: notice.reason } : {}),
    },
  });
  return { burnAlertId, sloId: slo.id, rule: rule.name, transition, ...(notice.reason ? { reason: notice.reason } : {}) };
}

import { and, eq } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { outbox } from '../../../db/schema/notices.ts';
import { burnAlerts } from '../../../db/schema/slos.ts';
import type { AlertChannel } from '../../config/alerting.ts';
import { pagerDutyPayload, slackPayload, webhookPayload, type AlertNotice } from '../../domain/slo/alert-payloads.ts';
import { auditLog } from '../../../db/schema/security.ts';
import { newId } from '../../lib/ids.ts';
import { activeSlos, evaluateSlos, type SloEvaluation } from '../evaluate-slo.ts';

export interface AlertTransition {
  burnAlertId: string;
  sloId: string;
  rule: string;
  transition: 'firing' | 'resolved';
}

export interface AlertEvaluatorOptions {
  channels: readonly AlertChannel[];
  publicUrl: string;
}

/**
 * Evaluates every SLO's burn-rate rules at `now` and records each change of state once: a rule
 * that starts firing opens a `burn_alerts` row, one that stops resolves it, and each change
 * writes one outbox row per matching channel in the same transaction. The open row is
 * re-read inside the transaction, so two evaluators racing cannot both send a transition.
 */
export async function evaluateAlerts(database: Database, now: Date, options: AlertEvaluatorOptions): Promise<AlertTransition[]> {
  const evaluations = await evaluateSlos(database, await activeSlos(database), now);
  const transitions: AlertTransition[] = [];
  for (const evaluation of evaluations) {
    transitions.push(...(await applyTransitions(database, evaluation, now, options)));
  }
  return transitions;
}

async function applyTransitions(database: Database, evaluation: SloEvaluation, now: Date, options: AlertEvaluatorOptions): Promise<AlertTransition[]> {
  return database.write(async (tx) => {
    const open = await tx
      .select()
      .from(burnAlerts)
      .where(and(eq(burnAlerts.sloId, evaluation.id), eq(burnAlerts.state, 'firing')));
    const openByRule = new Map(open.map((row) => [row.rule, row]));
    const out: AlertTransition[] = [];
    for (const rule of evaluation.alerts) {
      const current = openByRule.get(rule.name);
      let burnAlertId: string;
      let transition: 'firing' | 'resolved';
      if (rule.firing && !current) {
        burnAlertId = newId();
        transition = 'firing';
        await tx.insert(burnAlerts).values({
          id: burnAlertId,
          sloId: evaluation.id,
          rule: rule.name,
          severity: rule.severity,
          state: 'firing',
          firedAt: now,
          longBurnRate: rule.longBurnRate,
          shortBurnRate: rule.shortBurnRate,
        });
      } else if (!rule.firing && current) {
        burnAlertId = current.id;
        transition = 'resolved';
        await tx
          .update(burnAlerts)
          .set({ state: 'resolved', resolvedAt: now, longBurnRate: rule.longBurnRate, shortBurnRate: rule.shortBurnRate })
          .where(eq(burnAlerts.id, current.id));
      } else continue;
      const notice: AlertNotice = {
        burnAlertId,
        transition,
        at: now,
        slo: { id: evaluation.id, name: evaluation.name, service: evaluation.service, target: evaluation.target, window: evaluation.window },
        rule,
        budgetRemaining: evaluation.errorBudget.remaining,
        url: `${options.publicUrl.replace(/\/$/, '')}/api/v1/slos/${encodeURIComponent(evaluation.id)}`,
      };
      const rows = options.channels.flatMap((channel, index) => {
        if (!channel.severities.includes(rule.severity)) return [];
        if (channel.slos && !channel.slos.includes(evaluation.id)) return [];
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
            nextAttemptAt: now,
            createdAt: now,
          },
        ];
      });
      if (rows.length > 0) await tx.insert(outbox).values(rows).onConflictDoNothing();
      await tx.insert(auditLog).values({
        at: now,
        actor: 'system:slo-alerts',
        action: `slo.alert.${transition}`,
        targetType: 'burn_alert',
        targetId: burnAlertId,
        requestId: null,
        details: { slo: evaluation.id, rule: rule.name, longBurnRate: rule.longBurnRate, shortBurnRate: rule.shortBurnRate, notices: rows.length },
      });
      out.push({ burnAlertId, sloId: evaluation.id, rule: rule.name, transition });
    }
    return out;
  });
}

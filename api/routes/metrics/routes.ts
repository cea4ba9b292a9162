import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { Gauge, Registry } from 'prom-client';
import type { AppDeps } from '../../deps.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { activeSlos, evaluateSlos } from '../../services/evaluate-slo.ts';

/**
 * `GET /metrics` in the Prometheus text format. One registry per app instance (not prom-client's
 * global one) so several apps in one process never clash. The SLO gauges are computed at scrape
 * time from the rollups, so a scrape always sees the current numbers.
 */
export function metricsRoutes(deps: AppDeps) {
  const registry = new Registry();
  const labels = ['slo', 'service'] as const;
  const target = new Gauge({ name: 'headroom_slo_target', help: 'SLO target ratio.', labelNames: labels, registers: [registry] });
  const sli = new Gauge({ name: 'headroom_slo_sli_ratio', help: 'SLI (good / total) over the SLO window; absent without data.', labelNames: labels, registers: [registry] });
  const good = new Gauge({ name: 'headroom_slo_window_good', help: 'Good events (or slices) in the SLO window.', labelNames: labels, registers: [registry] });
  const valid = new Gauge({ name: 'headroom_slo_window_valid', help: 'All events (or slices) with data in the SLO window.', labelNames: labels, registers: [registry] });
  const remaining = new Gauge({
    name: 'headroom_slo_error_budget_remaining_ratio',
    help: 'Share of the error budget left (1 - consumed); negative when overspent.',
    labelNames: labels,
    registers: [registry],
  });
  const burn = new Gauge({ name: 'headroom_slo_burn_rate', help: 'Error ratio over the window divided by (1 - target).', labelNames: [...labels, 'window'], registers: [registry] });
  const alert = new Gauge({
    name: 'headroom_slo_alert_firing',
    help: '1 while a multi-window burn-rate alert rule fires, else 0.',
    labelNames: [...labels, 'rule', 'severity'],
    registers: [registry],
  });
  const status = new Gauge({ name: 'headroom_slo_status', help: '1 for the SLO current status (healthy, at_risk, exhausted, no_data).', labelNames: [...labels, 'status'], registers: [registry] });

  return new Hono<AppEnv>().get('/metrics', describeRoute({ tags: ['SLOs'], summary: 'Prometheus metrics for every SLO' }), async (c) => {
    const evaluations = await evaluateSlos(deps.db, await activeSlos(deps.db), deps.clock.now());
    registry.resetMetrics();
    for (const slo of evaluations) {
      const base = { slo: slo.id, service: slo.service };
      target.set(base, slo.target);
      good.set(base, slo.sli.good);
      valid.set(base, slo.sli.total);
      if (slo.sli.ratio !== null) sli.set(base, slo.sli.ratio);
      if (slo.errorBudget.remaining !== null) remaining.set(base, slo.errorBudget.remaining);
      for (const [window, rate] of Object.entries(slo.burnRates)) if (rate !== null) burn.set({ ...base, window }, rate);
      for (const rule of slo.alerts) alert.set({ ...base, rule: rule.name, severity: rule.severity }, rule.firing ? 1 : 0);
      for (const name of ['healthy', 'at_risk', 'exhausted', 'no_data']) status.set({ ...base, status: name }, slo.status === name ? 1 : 0);
    }
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
}

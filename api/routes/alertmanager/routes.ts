import { count, desc, isNull, sql } from 'drizzle-orm';
import { Hono, type MiddlewareHandler } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { alertmanagerAlerts } from '../../../db/schema/alertmanager.ts';
import { knownTime } from '../../domain/alertmanager.ts';
import type { AppDeps } from '../../deps.ts';
import { actorName, audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ValidationError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { processWebhook } from '../../services/alertmanager/process-webhook.ts';
import { announceIncidentWrite, incidentContext } from '../../services/incidents.ts';
import { unmappedQuerySchema, unmappedResponseSchema, webhookPayloadSchema, webhookResponseSchema } from './schemas.ts';

/**
 * The issue asks for 422 on any malformed payload, unparsable JSON included (elsewhere the API
 * answers 400 for that). Hono caches the parsed body, so the validator after this reuses it.
 */
const parsableJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await c.req.json();
  } catch {
    throw new ValidationError('The body is not valid JSON.', [{ path: '(root)', message: 'expected a JSON document' }], 'malformed_json');
  }
  await next();
};

const json = (schema: Parameters<typeof resolver>[0]) => ({ 'application/json': { schema: resolver(schema) } });

export function alertmanagerRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post(
      '/api/v1/integrations/alertmanager',
      describeRoute({
        tags: ['Integrations'],
        summary: "Alertmanager webhook receiver (payload version 4); repeated deliveries change nothing",
        security: [{ bearer: [] }],
        responses: { 200: { description: 'Processed', content: json(webhookResponseSchema) } },
      }),
      requireScope('ingest'),
      parsableJson,
      validate('json', webhookPayloadSchema),
      async (c) => {
        const payload = c.req.valid('json');
        const now = deps.clock.now();
        const { summary, incidentWrites } = await deps.db.write((tx) =>
          processWebhook(
            tx,
            {
              groupKey: payload.groupKey,
              receiver: payload.receiver,
              externalURL: payload.externalURL ?? null,
              alerts: payload.alerts.map((alert) => ({
                status: alert.status,
                labels: alert.labels,
                annotations: alert.annotations,
                startsAt: new Date(alert.startsAt),
                endsAt: knownTime(alert.endsAt === undefined ? undefined : new Date(alert.endsAt)),
                generatorURL: alert.generatorURL || null,
                fingerprint: alert.fingerprint,
              })),
            },
            {
              now,
              routes: deps.config.alertmanager.routes,
              incident: incidentContext({
                now,
                publicUrl: deps.settings.publicUrl,
                pageName: deps.config.page.name,
                actor: actorName(c),
                requestId: c.get('requestId'),
              }),
              audit: (tx, entry) => audit(tx, ...auditContext(c, now), entry),
            },
          ),
        );
        for (const write of incidentWrites) announceIncidentWrite(deps.events, write, 'alertmanager');
        if (payload.truncatedAlerts > 0) {
          deps.logger.warn({ groupKey: payload.groupKey, truncatedAlerts: payload.truncatedAlerts }, 'alertmanager truncated alerts');
        }
        return c.json({ ...summary, truncatedAlerts: payload.truncatedAlerts }, 200);
      },
    )
    .get(
      '/api/v1/integrations/alertmanager/unmapped',
      describeRoute({
        tags: ['Integrations'],
        summary: 'Alerts that matched no route in alertmanager.routes, counted and listed (newest first)',
        security: [{ bearer: [] }],
        responses: { 200: { description: 'Unmapped alerts', content: json(unmappedResponseSchema) } },
      }),
      requireScope('read'),
      validate('query', unmappedQuerySchema),
      async (c) => {
        const { limit } = c.req.valid('query');
        const unmapped = isNull(alertmanagerAlerts.routeIndex);
        const [totals] = await deps.db.orm.select({ total: count() }).from(alertmanagerAlerts).where(unmapped);
        const byAlertname = await deps.db.orm
          .select({
            alertname: alertmanagerAlerts.alertname,
            episodes: count(),
            deliveries: sql<number>`sum(${alertmanagerAlerts.deliveries})`.mapWith(Number),
          })
          .from(alertmanagerAlerts)
          .where(unmapped)
          .groupBy(alertmanagerAlerts.alertname)
          .orderBy(desc(count()));
        const rows = await deps.db.orm
          .select()
          .from(alertmanagerAlerts)
          .where(unmapped)
          .orderBy(desc(alertmanagerAlerts.lastSeenAt))
          .limit(limit);
        return c.json(
          {
            total: totals?.total ?? 0,
            byAlertname,
            alerts: rows.map((row) => ({
              fingerprint: row.fingerprint,
              alertname: row.alertname,
              status: row.status,
              labels: row.labels,
              annotations: row.annotations,
              startsAt: row.startsAt.toISOString(),
              endsAt: row.endsAt?.toISOString() ?? null,
              deliveries: row.deliveries,
              firstSeenAt: row.firstSeenAt.toISOString(),
              lastSeenAt: row.lastSeenAt.toISOString(),
            })),
          },
          200,
        );
      },
    );
}

import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { Tx } from '../../../db/client.ts';
import { components } from '../../../db/schema/components.ts';
import { subscribers } from '../../../db/schema/notices.ts';
import type { AppDeps } from '../../deps.ts';
import { confirmationEmail } from '../../domain/notices.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { checkOutboundTarget, parseAllowList } from '../../lib/outbound-guard.ts';
import { validate } from '../../lib/validate.ts';
import { confirmUrl, enqueueOutbox, unsubscribeUrl } from '../../services/notices.ts';
import { hookSubscriberSchema, SUBSCRIBE_ANSWER, subscribeSchema, subscriberIdParam, tokenQuery } from './schemas.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');
/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 random bytes. */
const webhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

async function checkComponents(tx: Tx, ids: readonly string[] | undefined): Promise<void> {
  if (!ids?.length) return;
  const rows = await tx.select({ id: components.id }).from(components).where(and(inArray(components.id, [...ids]), isNull(components.archivedAt), eq(components.public, true)));
  const known = new Set(rows.map((row) => row.id));
  const issues = ids.flatMap((id, index) => (known.has(id) ? [] : [{ path: `components[${index}]`, message: `unknown component "${id}"`, code: 'unknown_component' }]));
  if (issues.length) throw new ValidationError(issues.map((issue) => issue.message).join('; '), issues, 'unknown_component');
}

function page(title: string, body: string): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

/**
 * Stakeholder subscriptions. Email is double opt-in: the public subscribe endpoint answers the
 * same whatever the address's state (so it tells nobody who is subscribed) and a notice only
 * goes to confirmed addresses. Webhook and Slack subscribers are added by an admin.
 */
export function subscriberRoutes(deps: AppDeps) {
  const allowList = parseAllowList(deps.settings.outboundAllowList ?? []);
  /** SSRF: refuse private targets up front (delivery checks again); an unresolvable name is left to delivery. */
  const refuseForbiddenTarget = async (url: string) => {
    const verdict = await checkOutboundTarget(url, allowList).catch(() => ({ allowed: true }) as const);
    if (!verdict.allowed) throw new ValidationError(`The URL is not allowed: ${verdict.reason}.`, [{ path: 'url', message: verdict.reason, code: 'target_not_allowed' }], 'target_not_allowed');
  };
  return new Hono<AppEnv>()
    .post(
      '/api/v1/subscribers',
      describeRoute({ tags: ['Subscribers'], summary: 'Subscribe an email address (double opt-in; same answer whether or not already subscribed)' }),
      validate('json', subscribeSchema),
      async (c) => {
        const input = c.req.valid('json');
        const email = input.email.trim().toLowerCase();
        const now = deps.clock.now();
        const sent = await deps.db.write(async (tx) => {
          await checkComponents(tx, input.components);
          const [existing] = await tx.select().from(subscribers).where(and(eq(subscribers.kind, 'email'), eq(subscribers.target, email)));
          // An active, confirmed subscription is left alone: an anonymous caller must not change its settings.
          if (existing?.confirmedAt && !existing.unsubscribedAt) return false;
          const token = randomToken();
          const unsubscribeToken = existing?.unsubscribeToken ?? randomToken();
          const id = existing?.id ?? newId();
          if (existing) {
            await tx
              .update(subscribers)
              .set({ confirmTokenHash: sha256(token), confirmedAt: null, unsubscribedAt: null, componentIds: input.components ?? null })
              .where(eq(subscribers.id, id));
          } else {
            await tx.insert(subscribers).values({
              id,
              kind: 'email',
              target: email,
              componentIds: input.components ?? null,
              confirmTokenHash: sha256(token),
              unsubscribeToken,
              createdAt: now,
            });
          }
          await enqueueOutbox(
            tx,
            {
              channel: 'email',
              topic: 'subscriber.confirm',
              target: email,
              subscriberId: id,
              payload: confirmationEmail({
                pageName: deps.config.page.name,
                publicUrl: deps.settings.publicUrl,
                confirmUrl: confirmUrl(deps.settings.publicUrl, token),
                unsubscribeUrl: unsubscribeUrl(deps.settings.publicUrl, unsubscribeToken),
              }),
            },
            now,
          );
          await audit(tx, ...auditContext(c, now), { action: 'subscriber.subscribe', targetType: 'subscriber', targetId: id });
          return true;
        });
        if (sent) deps.events.emit('outbox.enqueued');
        return c.json(SUBSCRIBE_ANSWER, 202);
      },
    )
    .get(
      '/api/v1/subscribers/confirm',
      describeRoute({ tags: ['Subscribers'], summary: 'Confirm an email subscription (the link in the confirmation email)' }),
      validate('query', tokenQuery),
      async (c) => {
        const { token } = c.req.valid('query');
        const now = deps.clock.now();
        const found = await deps.db.write(async (tx) => {
          const [row] = await tx.select().from(subscribers).where(eq(subscribers.confirmTokenHash, sha256(token)));
          if (!row) return false;
          await tx.update(subscribers).set({ confirmedAt: now, confirmTokenHash: null }).where(eq(subscribers.id, row.id));
          await audit(tx, ...auditContext(c, now), { action: 'subscriber.confirm', targetType: 'subscriber', targetId: row.id });
          return true;
        });
        if (!found) return c.html(page('Link expired', '<p>This confirmation link is not valid any more. Subscribe again to get a new one.</p>'), 404);
        return c.html(page('Subscription confirmed', `<p>You will receive notices from ${deps.config.page.name.replace(/</g, '&lt;')}.</p>`));
      },
    )
    .get(
      '/api/v1/subscribers/unsubscribe',
      describeRoute({ tags: ['Subscribers'], summary: 'Unsubscribe page (a button, so link scanners do not unsubscribe anyone)' }),
      validate('query', tokenQuery),
      (c) => {
        const { token } = c.req.valid('query');
        const action = `/api/v1/subscribers/unsubscribe?token=${encodeURIComponent(token)}`;
        return c.html(page('Unsubscribe', `<form method="post" action="${action.replace(/"/g, '&quot;')}"><button type="submit">Stop sending me notices</button></form>`));
      },
    )
    .post(
      '/api/v1/subscribers/unsubscribe',
      describeRoute({ tags: ['Subscribers'], summary: 'Unsubscribe (also the RFC 8058 one-click target)' }),
      validate('query', tokenQuery),
      async (c) => {
        const { token } = c.req.valid('query');
        const now = deps.clock.now();
        await deps.db.write(async (tx) => {
          const [row] = await tx.select().from(subscribers).where(eq(subscribers.unsubscribeToken, token));
          if (!row || row.unsubscribedAt) return;
          await tx.update(subscribers).set({ unsubscribedAt: now }).where(eq(subscribers.id, row.id));
          await audit(tx, ...auditContext(c, now), { action: 'subscriber.unsubscribe', targetType: 'subscriber', targetId: row.id });
        });
        // The same answer for unknown tokens: an unsubscribe link reveals nothing.
        return c.html(page('Unsubscribed', '<p>You will not receive further notices.</p>'));
      },
    )
    .post(
      '/api/v1/subscribers/hooks',
      describeRoute({ tags: ['Subscribers'], summary: 'Add a webhook or Slack subscriber (admin); a webhook signing secret is returned once' }),
      requireScope('admin'),
      validate('json', hookSubscriberSchema),
      async (c) => {
        const input = c.req.valid('json');
        await refuseForbiddenTarget(input.url);
        const now = deps.clock.now();
        const created = await deps.db.write(async (tx) => {
          await checkComponents(tx, input.components);
          const [existing] = await tx.select().from(subscribers).where(and(eq(subscribers.kind, input.kind), eq(subscribers.target, input.url)));
          if (existing && !existing.unsubscribedAt) throw new ConflictError(`A ${input.kind} subscriber for this URL exists (id ${existing.id}).`, 'subscriber_exists');
          const secret = input.kind === 'webhook' ? webhookSecret() : null;
          const id = existing?.id ?? newId();
          const values = { secret, componentIds: input.components ?? null, confirmedAt: now, unsubscribedAt: null, confirmTokenHash: null };
          if (existing) await tx.update(subscribers).set(values).where(eq(subscribers.id, id));
          else await tx.insert(subscribers).values({ id, kind: input.kind, target: input.url, unsubscribeToken: randomToken(), createdAt: now, ...values });
          await audit(tx, ...auditContext(c, now), { action: 'subscriber.hook.create', targetType: 'subscriber', targetId: id, details: { kind: input.kind } });
          return { id, kind: input.kind, url: input.url, components: input.components ?? null, secret };
        });
        return c.json(created, 201);
      },
    )
    .get(
      '/api/v1/subscribers',
      describeRoute({ tags: ['Subscribers'], summary: 'List subscribers (admin); secrets and tokens are never shown' }),
      requireScope('admin'),
      async (c) => {
        const rows = await deps.db.orm.select().from(subscribers).orderBy(desc(subscribers.createdAt));
        return c.json({
          subscribers: rows.map((row) => ({
            id: row.id,
            kind: row.kind,
            target: row.target,
            components: row.componentIds,
            confirmedAt: row.confirmedAt?.toISOString() ?? null,
            unsubscribedAt: row.unsubscribedAt?.toISOString() ?? null,
            createdAt: row.createdAt.toISOString(),
          })),
        });
      },
    )
    .delete(
      '/api/v1/subscribers/:id',
      describeRoute({ tags: ['Subscribers'], summary: 'Remove a subscriber (admin)' }),
      requireScope('admin'),
      validate('param', subscriberIdParam),
      async (c) => {
        const { id } = c.req.valid('param');
        const now = deps.clock.now();
        await deps.db.write(async (tx) => {
          const [row] = await tx.select().from(subscribers).where(eq(subscribers.id, id));
          if (!row) throw new NotFoundError(`No subscriber with id "${id}".`, 'subscriber_not_found');
          if (!row.unsubscribedAt) await tx.update(subscribers).set({ unsubscribedAt: now }).where(eq(subscribers.id, id));
          await audit(tx, ...auditContext(c, now), { action: 'subscriber.remove', targetType: 'subscriber', targetId: id });
        });
        return c.body(null, 204);
      },
    );
}

import { and, isNotNull, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { outbox, subscribers, type OutboxChannel } from '../../db/schema/notices.ts';
import { emailNotice, slackNotice, webhookNotice, type NoticeEvent } from '../domain/notices.ts';
import { newId } from '../lib/ids.ts';

/** What the notice writers need besides the transaction: time and how to build links. */
export interface NoticeContext {
  now: Date;
  /** The URL readers use (links in emails, feeds and webhook payloads). */
  publicUrl: string;
  /** The status page's name (email subjects and senders). */
  pageName: string;
}

export const unsubscribeUrl = (publicUrl: string, token: string): string =>
  `${publicUrl.replace(/\/$/, '')}/api/v1/subscribers/unsubscribe?token=${encodeURIComponent(token)}`;
export const confirmUrl = (publicUrl: string, token: string): string =>
  `${publicUrl.replace(/\/$/, '')}/api/v1/subscribers/confirm?token=${encodeURIComponent(token)}`;

/** Writes one outbox row; the id is the stable notice id (email Message-ID, `webhook-id`). */
export async function enqueueOutbox(
  tx: Tx,
  row: { channel: OutboxChannel; topic: string; target: string; payload: Record<string, unknown>; subscriberId?: string | null },
  now: Date,
): Promise<string> {
  const id = newId();
  await tx.insert(outbox).values({
    id,
    channel: row.channel,
    topic: row.topic,
    subscriberId: row.subscriberId ?? null,
    target: row.target,
    payload: row.payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  });
  return id;
}

/**
 * Writes one outbox row per confirmed, still-subscribed subscriber who wants this notice, in the
 * caller's transaction (so the notice exists exactly when the change does). A subscriber limited
 * to some components gets notices touching any of them, and notices naming no component at all.
 * Drills never reach customers: nothing is written. Returns how many rows were written; when it
 * is more than zero, emit `outbox.enqueued` after the transaction commits.
 */
export async function enqueueNotices(tx: Tx, event: NoticeEvent, ctx: NoticeContext, options: { drill: boolean }): Promise<number> {
  if (options.drill) return 0;
  const audience = await tx
    .select()
    .from(subscribers)
    .where(and(isNotNull(subscribers.confirmedAt), isNull(subscribers.unsubscribedAt)));
  const eventComponents = new Set(event.components.map((component) => component.id));
  let written = 0;
  for (const subscriber of audience) {
    const wanted =
      subscriber.componentIds === null ||
      subscriber.componentIds.length === 0 ||
      eventComponents.size === 0 ||
      subscriber.componentIds.some((id) => eventComponents.has(id));
    if (!wanted) continue;
    const payload =
      subscriber.kind === 'email'
        ? emailNotice(event, {
            pageName: ctx.pageName,
            publicUrl: ctx.publicUrl,
            unsubscribeUrl: unsubscribeUrl(ctx.publicUrl, subscriber.unsubscribeToken),
          })
        : subscriber.kind === 'slack'
          ? slackNotice(event, ctx.pageName)
          : webhookNotice(event);
    await enqueueOutbox(
      tx,
      { channel: subscriber.kind, topic: event.topic, target: subscriber.target, payload, subscriberId: subscriber.id },
      ctx.now,
    );
    written += 1;
  }
  return written;
}

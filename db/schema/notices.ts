import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp } from './columns.ts';

export const SUBSCRIBER_KINDS = ['email', 'webhook', 'slack'] as const;
export type SubscriberKind = (typeof SUBSCRIBER_KINDS)[number];

export const subscribers = sqliteTable(
  'subscribers',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<SubscriberKind>().notNull(),
    /** Email address or webhook URL. */
    target: text('target').notNull(),
    /** Signing secret for generic webhooks (Standard Webhooks `whsec_...`). */
    secret: text('secret'),
    /** Null means every component. */
    componentIds: json<string[]>('component_ids'),
    confirmTokenHash: text('confirm_token_hash'),
    confirmedAt: timestamp('confirmed_at'),
    unsubscribeToken: text('unsubscribe_token').notNull(),
    unsubscribedAt: timestamp('unsubscribed_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('subscribers_kind_target_idx').on(t.kind, t.target)],
);

export const OUTBOX_CHANNELS = ['email', 'webhook', 'slack', 'pagerduty'] as const;
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number];
export const OUTBOX_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Every notice to deliver, written in the same transaction as the change that causes it. The id
 * is stable (email Message-ID, webhook-id) so a retry never reads as a new message.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    channel: text('channel').$type<OutboxChannel>().notNull(),
    /** What caused it, e.g. `incident.updated`, `maintenance.starting`, `slo.alert.firing`. */
    topic: text('topic').notNull(),
    subscriberId: text('subscriber_id'),
    /** Destination (address or URL) resolved at enqueue time. */
    target: text('target').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_due_idx').on(t.status, t.nextAttemptAt)],
);

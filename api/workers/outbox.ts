import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { outbox, subscribers } from '../../db/schema/notices.ts';
import type { AppDeps } from '../deps.ts';
import { outboundGuard } from '../lib/outbound-guard.ts';
import type { Worker, WorkerFactory } from './worker.ts';

type OutboxRow = typeof outbox.$inferSelect;

export interface OutboxOptions {
  /** Attempts before a notice is marked dead (default 8). */
  maxAttempts?: number;
  /** Delay after the first failure; doubles per attempt (default 30 s). */
  baseDelayMs?: number;
  /** Ceiling of the back-off (default 1 h). */
  maxDelayMs?: number;
  /** Per-delivery timeout: a receiver that hangs longer counts as a failure (default 10 s). */
  timeoutMs?: number;
  /** Notices taken per tick (default 50). */
  batchSize?: number;
  /** How often the worker looks without being woken (default 5 s). */
  intervalMs?: number;
  /**
   * Refuses a webhook/Slack/PagerDuty URL before any connection is made (the notice goes dead
   * with the reason; a throw counts as a normal, retried failure). Default: the SSRF guard
   * (api/lib/outbound-guard.ts) with `settings.outboundAllowList`.
   */
  isAllowedTarget?: (url: string) => boolean | Promise<boolean>;
}

export interface TickSummary {
  delivered: number;
  retried: number;
  dead: number;
}

export interface OutboxDelivery {
  /** Delivers every due notice once; safe to call concurrently with other processes (rows are leased). */
  tick(): Promise<TickSummary>;
  close(): void;
}

/** Exponential back-off: base × 2^(attempt−1), capped. Deterministic so retries are predictable. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

function mailHost(publicUrl: string): string {
  try {
    const hostname = new URL(publicUrl).hostname;
    if (/[a-z]/i.test(hostname) && !hostname.includes(':')) return hostname;
  } catch {
    // fall through
  }
  return 'headroom.localhost';
}

/** The email Message-ID of a notice: derived from the outbox id, so a retry is the same message. */
export function messageIdFor(outboxId: string, publicUrl: string): string {
  return `<${outboxId}@${mailHost(publicUrl)}>`;
}

function smtpTransport(smtpUrl: string, timeoutMs: number): Transporter {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    // A fresh connection per message: a restarted SMTP server is picked up without stale pooled sockets.
    pool: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

function stringField(payload: Record<string, unknown>, key: string): string {
  const value = payload[key];
  return typeof value === 'string' ? value : '';
}

function headerField(payload: Record<string, unknown>): Record<string, string> {
  const value = payload['headers'];
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * Delivers outbox notices on every channel. Email goes through nodemailer to `smtpUrl`, or is
 * written to `<dataDir>/mail/<id>.eml` without one (same bytes, so the demo works offline).
 * Generic webhooks are POSTed with Standard Webhooks headers (`webhook-id` = outbox id) and a
 * signature when the subscriber has a secret; Slack and PagerDuty get `payload` as-is. A
 * failure is retried with exponential back-off and marked `dead` after `maxAttempts`.
 */
const ALERT_CHANNEL_REF = /^alerting\.channels\[(\d+)\]$/;

export function createOutboxDelivery(deps: AppDeps, options: OutboxOptions = {}): OutboxDelivery {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 30_000;
  const maxDelayMs = options.maxDelayMs ?? 3_600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const batchSize = options.batchSize ?? 50;
  const isAllowedTarget = options.isAllowedTarget ?? outboundGuard(deps.settings.outboundAllowList ?? []);
  const smtpUrl = deps.settings.smtpUrl;
  let transport: Transporter | undefined;
  const mailer = (): Transporter => {
    transport ??= smtpUrl
      ? smtpTransport(smtpUrl, timeoutMs)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return transport;
  };

  async function sendEmail(row: OutboxRow): Promise<void> {
    const payload = row.payload;
    const info: unknown = await mailer().sendMail({
      from: stringField(payload, 'from') || `"Headroom" <noreply@${mailHost(deps.settings.publicUrl)}>`,
      to: row.target,
      subject: stringField(payload, 'subject'),
      text: stringField(payload, 'text'),
      ...(stringField(payload, 'html') ? { html: stringField(payload, 'html') } : {}),
      headers: headerField(payload),
      messageId: messageIdFor(row.id, deps.settings.publicUrl),
      date: row.createdAt,
    });
    if (!smtpUrl) {
      const message = (info as { message?: unknown }).message;
      if (!Buffer.isBuffer(message)) throw new Error('mail could not be rendered');
      const dir = resolve(deps.settings.dataDir, 'mail');
      await mkdir(dir, { recursive: true });
      // Named by the stable id: a retry overwrites the same file instead of adding a second message.
      await writeFile(join(dir, `${row.id}.eml`), message);
    }
  }

  /** A subscriber's secret, or an SLO alert channel's (rows name it `alerting.channels[i]`). */
  async function signingSecret(subscriberId: string | null): Promise<string | null> {
    if (!subscriberId) return null;
    const channel = ALERT_CHANNEL_REF.exec(subscriberId);
    if (channel) {
      const configured = deps.config.alerting.channels[Number(channel[1])];
      return configured?.kind === 'webhook' ? (configured.secret ?? null) : null;
    }
    const [row] = await deps.db.orm.select({ secret: subscribers.secret }).from(subscribers).where(eq(subscribers.id, subscriberId));
    return row?.secret ?? null;
  }

  async function post(row: OutboxRow, signed: boolean): Promise<void> {
    if (!(await isAllowedTarget(row.target))) throw new RefusedTarget(`target refused: ${row.target}`);
    const body = JSON.stringify(row.payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Headroom-Notices/1' };
    if (signed) {
      const at = deps.clock.now();
      headers['webhook-id'] = row.id;
      headers['webhook-timestamp'] = String(Math.floor(at.getTime() / 1000));
      const secret = await signingSecret(row.subscriberId);
      if (secret) headers['webhook-signature'] = new Webhook(secret).sign(row.id, at, body);
    }
    const response = await fetch(row.target, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    // Drain the body so the socket is released; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status} from receiver`);
  }

  async function deliver(row: OutboxRow): Promise<void> {
    if (row.channel === 'email') return sendEmail(row);
    return post(row, row.channel === 'webhook');
  }

  /** Takes due rows and pushes their next attempt past the lease, so no other process takes them meanwhile. */
  async function lease(now: Date): Promise<OutboxRow[]> {
    const leaseUntil = new Date(now.getTime() + timeoutMs * 3 + 30_000);
    return deps.db.write(async (tx) => {
      const due = await tx
        .select()
        .from(outbox)
        .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)))
        .orderBy(asc(outbox.nextAttemptAt))
        .limit(batchSize);
      if (due.length) await tx.update(outbox).set({ nextAttemptAt: leaseUntil }).where(inArray(outbox.id, due.map((row) => row.id)));
      return due;
    });
  }

  return {
    async tick() {
      const summary: TickSummary = { delivered: 0, retried: 0, dead: 0 };
      const now = deps.clock.now();
      const due = await lease(now);
      const record = async (row: OutboxRow, error: string | null, refused: boolean) => {
        const finishedAt = deps.clock.now();
        const attempts = row.attempts + 1;
        await deps.db.write(async (tx) => {
          if (error === null) {
            await tx.update(outbox).set({ status: 'delivered', attempts, deliveredAt: finishedAt, lastError: null }).where(eq(outbox.id, row.id));
          } else if (refused || attempts >= maxAttempts) {
            await tx.update(outbox).set({ status: 'dead', attempts, lastError: error }).where(eq(outbox.id, row.id));
          } else {
            const nextAttemptAt = new Date(finishedAt.getTime() + backoffMs(attempts, baseDelayMs, maxDelayMs));
            await tx.update(outbox).set({ attempts, nextAttemptAt, lastError: error }).where(eq(outbox.id, row.id));
          }
        });
        if (error === null) summary.delivered += 1;
        else if (refused || attempts >= maxAttempts) summary.dead += 1;
        else summary.retried += 1;
      };
      const outcomes = await Promise.all(
        due.map(async (row) => {
          let outcome: { row: OutboxRow; error: string | null; refused: boolean };
          try {
            await deliver(row);
            outcome = { row, error: null, refused: false };
          } catch (error) {
            outcome = { row, error: error instanceof Error ? error.message : String(error), refused: error instanceof RefusedTarget };
          }
          // Recorded as soon as this notice is done, not when the whole batch is: if the process
          // dies while a slow receiver holds other notices of the batch, only those still in
          // flight are sent again after the lease, never one already acknowledged.
          await record(row, outcome.error, outcome.refused);
          return outcome;
        }),
      );
      for (const { row, error } of outcomes) {
        if (error !== null) deps.logger.warn({ outboxId: row.id, channel: row.channel, attempt: row.attempts + 1, error }, 'notice delivery failed');
      }
      return summary;
    },
    close() {
      transport?.close();
    },
  };
}

class RefusedTarget extends Error {}

/** The outbox loop: a tick every `intervalMs`, and at once when `outbox.enqueued` is emitted. */
export function startOutboxWorker(deps: AppDeps, options: OutboxOptions = {}): Worker {
  const delivery = createOutboxDelivery(deps, options);
  const intervalMs = options.intervalMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = delivery.tick().then(
      () => undefined,
      (error: unknown) => deps.logger.error({ err: error, worker: 'outbox' }, 'worker tick failed'),
    );
    await running;
    running = undefined;
    if (stopped) return;
    if (again) {
      again = false;
      void run();
      return;
    }
    timer = setTimeout(() => void run(), intervalMs);
  };
  const wake = () => void run();
  deps.events.on('outbox.enqueued', wake);
  timer = setTimeout(() => void run(), 0);
  return {
    name: 'outbox',
    async stop() {
      stopped = true;
      clearTimeout(timer);
      deps.events.off('outbox.enqueued', wake);
      await running;
      delivery.close();
    },
  };
}

export const outboxWorker: WorkerFactory = (deps) => startOutboxWorker(deps);

import { markdownToText, renderMarkdown } from '../lib/markdown.ts';

/**
 * What a stakeholder notice says, built purely from the change that causes it. The same event
 * becomes an email, a Standard Webhooks payload or a Slack message; nothing here touches the
 * database or the clock.
 */
export type NoticeTopic =
  | 'incident.created'
  | 'incident.updated'
  | 'incident.resolved'
  | 'maintenance.scheduled'
  | 'maintenance.ahead'
  | 'maintenance.started'
  | 'maintenance.completed';

export interface NoticeEvent {
  topic: NoticeTopic;
  kind: 'incident' | 'maintenance';
  /** The incident or maintenance id. */
  id: string;
  name: string;
  status: string;
  impact: string | null;
  /** Markdown body of the update that caused the notice. */
  body: string;
  at: Date;
  /** Where a reader sees the whole story. */
  url: string;
  components: { id: string; name: string }[];
  scheduledFor?: Date;
  scheduledUntil?: Date;
}

export interface EmailPayload extends Record<string, unknown> {
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

const STATUS_LABEL: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const statusLabel = (status: string): string => STATUS_LABEL[status] ?? status;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function windowText(event: NoticeEvent): string | null {
  if (!event.scheduledFor || !event.scheduledUntil) return null;
  return `Window: ${event.scheduledFor.toISOString()} – ${event.scheduledUntil.toISOString()} (UTC)`;
}

function subjectOf(event: NoticeEvent, pageName: string): string {
  const prefix = event.kind === 'incident' ? 'Incident' : 'Maintenance';
  const ahead = event.topic === 'maintenance.ahead' ? 'Upcoming: ' : '';
  return `[${pageName}] ${ahead}${prefix} ${statusLabel(event.status)}: ${event.name}`;
}

/** The From address: a no-reply mailbox on the public host (or a `.localhost` one for bare IPs). */
export function senderAddress(pageName: string, publicUrl: string): string {
  let host = 'headroom.localhost';
  try {
    const hostname = new URL(publicUrl).hostname;
    if (/[a-z]/i.test(hostname) && !hostname.includes(':')) host = hostname;
  } catch {
    // keep the fallback host
  }
  return `"${pageName.replace(/"/g, '')}" <noreply@${host}>`;
}

export function emailNotice(event: NoticeEvent, options: { pageName: string; publicUrl: string; unsubscribeUrl: string }): EmailPayload {
  const window = windowText(event);
  const affected = event.components.length ? `Affected: ${event.components.map((c) => c.name).join(', ')}` : null;
  const text = [
    `${event.name} — ${statusLabel(event.status)}`,
    '',
    markdownToText(event.body),
    '',
    ...(window ? [window] : []),
    ...(affected ? [affected] : []),
    `Details: ${event.url}`,
    '',
    `Unsubscribe: ${options.unsubscribeUrl}`,
  ].join('\n');
  const html = [
    `<h2>${escapeHtml(event.name)} — ${escapeHtml(statusLabel(event.status))}</h2>`,
    renderMarkdown(event.body),
    window ? `<p>${escapeHtml(window)}</p>` : '',
    affected ? `<p>${escapeHtml(affected)}</p>` : '',
    `<p><a href="${escapeHtml(event.url)}">Details</a></p>`,
    `<p style="font-size:small"><a href="${escapeHtml(options.unsubscribeUrl)}">Unsubscribe</a></p>`,
  ].join('\n');
  return {
    from: senderAddress(options.pageName, options.publicUrl),
    subject: subjectOf(event, options.pageName),
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${options.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/** Standard Webhooks' recommended `{ type, timestamp, data }` envelope. */
export function webhookNotice(event: NoticeEvent): Record<string, unknown> {
  return {
    type: event.topic,
    timestamp: event.at.toISOString(),
    data: {
      id: event.id,
      kind: event.kind,
      name: event.name,
      status: event.status,
      impact: event.impact,
      body: event.body,
      body_html: renderMarkdown(event.body),
      url: event.url,
      components: event.components,
      ...(event.scheduledFor ? { scheduled_for: event.scheduledFor.toISOString() } : {}),
      ...(event.scheduledUntil ? { scheduled_until: event.scheduledUntil.toISOString() } : {}),
    },
  };
}

/** A Slack incoming-webhook message (mrkdwn text; `<url|label>` links). */
export function slackNotice(event: NoticeEvent, pageName: string): Record<string, unknown> {
  const window = windowText(event);
  const lines = [
    `*${subjectOf(event, pageName).replace(/[*_~]/g, '')}*`,
    markdownToText(event.body),
    ...(window ? [window] : []),
    ...(event.components.length ? [`Affected: ${event.components.map((c) => c.name).join(', ')}`] : []),
    `<${event.url}|View details>`,
  ];
  return { text: lines.join('\n') };
}

export function confirmationEmail(options: { pageName: string; publicUrl: string; confirmUrl: string; unsubscribeUrl: string }): EmailPayload {
  const text = [
    `Someone (hopefully you) asked to receive status notices from ${options.pageName}.`,
    '',
    `Confirm the subscription: ${options.confirmUrl}`,
    '',
    'If it was not you, ignore this message: nothing will be sent without confirmation.',
    '',
    `Unsubscribe: ${options.unsubscribeUrl}`,
  ].join('\n');
  const html = [
    `<p>Someone (hopefully you) asked to receive status notices from ${escapeHtml(options.pageName)}.</p>`,
    `<p><a href="${escapeHtml(options.confirmUrl)}">Confirm the subscription</a></p>`,
    '<p>If it was not you, ignore this message: nothing will be sent without confirmation.</p>',
    `<p style="font-size:small"><a href="${escapeHtml(options.unsubscribeUrl)}">Unsubscribe</a></p>`,
  ].join('\n');
  return {
    from: senderAddress(options.pageName, options.publicUrl),
    subject: `[${options.pageName}] Confirm your subscription`,
    text,
    html,
    headers: { 'List-Unsubscribe': `<${options.unsubscribeUrl}>` },
  };
}

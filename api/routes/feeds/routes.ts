import { desc, eq } from 'drizzle-orm';
import { Feed } from 'feed';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import ical, { ICalEventStatus } from 'ical-generator';
import { incidents, maintenances } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { statusLabel } from '../../domain/notices.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { withIncidentDetails, withMaintenanceDetails } from '../../services/incident-queries.ts';

const FEED_LIMIT = 50;

/**
 * Atom titles are written as `type="html"` (and RSS readers treat titles as HTML too), so a
 * name typed by an engineer is escaped: `<script>` in an incident name shows as text.
 */
const escapeTitle = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Public feeds (no token): Atom and RSS of incidents and maintenance (newest first, each item's
 * content the whole timeline, rendered and sanitised), and an iCalendar feed of maintenance
 * windows. Drills never appear. Cached until `public.changed`.
 */
export function feedRoutes(deps: AppDeps) {
  const base = () => deps.settings.publicUrl.replace(/\/$/, '');
  const cache = new Map<string, string>();
  deps.events.on('public.changed', () => cache.clear());

  const buildFeed = async (): Promise<Feed> => {
    const incidentRows = await deps.db.orm.select().from(incidents).where(eq(incidents.drill, false)).orderBy(desc(incidents.startedAt)).limit(FEED_LIMIT);
    const maintenanceRows = await deps.db.orm
      .select()
      .from(maintenances)
      .where(eq(maintenances.drill, false))
      .orderBy(desc(maintenances.scheduledFor))
      .limit(FEED_LIMIT);
    const items = [
      ...(await withIncidentDetails(deps.db.orm, incidentRows)).map((view) => ({
        title: escapeTitle(`${view.name} (${statusLabel(view.status)})`),
        id: `${base()}/incidents/${view.id}`,
        link: `${base()}/incidents/${view.id}`,
        date: view.updatedAt,
        published: view.startedAt,
        content: view.updates
          .map((update) => `<p><strong>${statusLabel(update.status)}</strong> — ${update.displayAt.toISOString()}</p>${renderMarkdown(update.body)}`)
          .join('\n'),
        description: `${statusLabel(view.status)} · impact ${view.impact}`,
      })),
      ...(await withMaintenanceDetails(deps.db.orm, maintenanceRows)).map((view) => ({
        title: escapeTitle(`Maintenance: ${view.name} (${statusLabel(view.status)})`),
        id: `${base()}/maintenance/${view.id}`,
        link: `${base()}/maintenance/${view.id}`,
        date: view.updatedAt,
        published: view.createdAt,
        content: [
          `<p>Scheduled ${view.scheduledFor.toISOString()} – ${view.scheduledUntil.toISOString()}</p>`,
          ...view.updates.map((update) => `<p><strong>${statusLabel(update.status)}</strong> — ${update.displayAt.toISOString()}</p>${renderMarkdown(update.body)}`),
        ].join('\n'),
        description: `Scheduled ${view.scheduledFor.toISOString()} – ${view.scheduledUntil.toISOString()}`,
      })),
    ].sort((a, b) => b.date.getTime() - a.date.getTime());
    const feed = new Feed({
      title: `${deps.config.page.name} status history`,
      description: `Incidents and maintenance for ${deps.config.page.name}`,
      id: `${base()}/`,
      link: `${base()}/`,
      updated: items[0]?.date ?? deps.clock.now(),
      generator: 'Headroom',
      feedLinks: { atom: `${base()}/api/v1/feeds/history.atom`, rss: `${base()}/api/v1/feeds/history.rss` },
      copyright: deps.config.page.name,
    });
    for (const item of items) feed.addItem(item);
    return feed;
  };

  const cached = async (key: string, build: () => Promise<string>): Promise<string> => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const body = await build();
    cache.set(key, body);
    return body;
  };

  return new Hono<AppEnv>()
    .get('/api/v1/feeds/history.atom', describeRoute({ tags: ['Feeds'], summary: 'Atom feed of incidents and maintenance' }), async (c) =>
      c.body(await cached('atom', async () => (await buildFeed()).atom1()), 200, { 'Content-Type': 'application/atom+xml; charset=utf-8' }),
    )
    .get('/api/v1/feeds/history.rss', describeRoute({ tags: ['Feeds'], summary: 'RSS 2.0 feed of incidents and maintenance' }), async (c) =>
      c.body(await cached('rss', async () => (await buildFeed()).rss2()), 200, { 'Content-Type': 'application/rss+xml; charset=utf-8' }),
    )
    .get('/api/v1/feeds/maintenance.ics', describeRoute({ tags: ['Feeds'], summary: 'iCalendar feed of maintenance windows' }), async (c) => {
      const body = await cached('ics', async () => {
        const rows = await deps.db.orm
          .select()
          .from(maintenances)
          .where(eq(maintenances.drill, false))
          .orderBy(desc(maintenances.scheduledFor))
          .limit(200);
        const views = await withMaintenanceDetails(deps.db.orm, rows);
        const calendar = ical({ name: `${deps.config.page.name} maintenance`, prodId: { company: 'Headroom', product: 'status', language: 'EN' } });
        for (const view of views) {
          calendar.createEvent({
            id: `${view.id}@headroom`,
            start: view.scheduledFor,
            end: view.scheduledUntil,
            stamp: view.updatedAt,
            lastModified: view.updatedAt,
            summary: `Maintenance: ${view.name}`,
            description: [view.body, view.components.length ? `Affected: ${view.components.map((component) => component.name).join(', ')}` : '']
              .filter(Boolean)
              .join('\n\n'),
            url: `${base()}/maintenance/${view.id}`,
            status: ICalEventStatus.CONFIRMED,
          });
        }
        return calendar.toString();
      });
      return c.body(body, 200, { 'Content-Type': 'text/calendar; charset=utf-8' });
    });
}

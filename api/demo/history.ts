import { eq } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { actionItems, appMeta, changes, nearMisses, postmortems } from '../../db/schema/index.ts';
import { DAY_MS, MINUTE_MS } from '../domain/rollups.ts';
import { newId } from '../lib/ids.ts';
import { addIncidentUpdate, incidentContext, openIncident, type IncidentContext } from '../services/incidents.ts';
import { scheduleMaintenance } from '../services/maintenances.ts';
import { DEMO_HISTORY_DAYS, stableUuid } from './backfill.ts';

const META_KEY = 'demo.history_seeded';
const ACTOR = 'demo';

interface Outage {
  component: string;
  name: string;
  impact: 'minor' | 'major';
  status: 'partial_outage' | 'major_outage';
  service: string;
  start: number;
  end: number;
  cause: string;
}

/** The outages the demo script (script.ts) produces in the last 90 days, as incidents would record them. */
function pastOutages(now: number): Outage[] {
  const out: Outage[] = [];
  const first = Math.floor((now - DEMO_HISTORY_DAYS * DAY_MS) / DAY_MS);
  for (let day = first; day * DAY_MS < now; day += 1) {
    const dayStart = day * DAY_MS;
    if (day % 23 === 5) {
      out.push({
        component: 'api',
        name: 'Public API returning 503 errors',
        impact: 'major',
        status: 'major_outage',
        service: 'api',
        start: dayStart + 600 * MINUTE_MS,
        end: dayStart + 620 * MINUTE_MS,
        cause: 'A gateway configuration push removed the health-checked upstream pool.',
      });
    }
    if (day % 31 === 9) {
      out.push({
        component: 'checkout',
        name: 'Checkout failing with 502 errors',
        impact: 'minor',
        status: 'partial_outage',
        service: 'checkout',
        start: dayStart + 840 * MINUTE_MS,
        end: dayStart + 860 * MINUTE_MS,
        cause: 'The payment provider rotated a certificate our client did not trust yet.',
      });
    }
  }
  return out.filter((outage) => outage.end + 30 * MINUTE_MS < now);
}

async function recordOutage(tx: Tx, outage: Outage, ctx: IncidentContext): Promise<string> {
  const at = (minutes: number) => new Date(outage.start + minutes * MINUTE_MS);
  await tx.insert(changes).values({
    id: stableUuid('demo-change', String(outage.start)),
    service: outage.service,
    kind: 'deploy',
    version: `v${new Date(outage.start).toISOString().slice(0, 10).replaceAll('-', '.')}`,
    at: at(-6),
    author: 'ci-pipeline',
    description: 'Routine deploy',
    createdAt: at(-6),
  });
  const opened = await openIncident(
    tx,
    {
      name: outage.name,
      impact: outage.impact,
      body: 'Monitoring reports errors from this service. We are investigating.',
      components: [{ id: outage.component, status: outage.status }],
      source: 'monitoring',
      startedAt: at(2),
      author: 'Headroom monitoring',
    },
    ctx,
  );
  const update = (minutes: number, status: 'identified' | 'monitoring' | 'resolved', body: string) =>
    addIncidentUpdate(
      tx,
      opened.incidentId,
      {
        status,
        body,
        displayAt: at(minutes),
        author: 'On-call engineer',
        ...(status === 'resolved' ? { components: [{ id: outage.component, status: 'operational' as const }] } : {}),
      },
      ctx,
    );
  await update(8, 'identified', `Identified: ${outage.cause}`);
  await update(20, 'monitoring', 'A fix is deployed and errors have stopped. We are watching closely.');
  await update(35, 'resolved', 'Resolved. A postmortem will follow.');
  return opened.incidentId;
}

/**
 * Incidents for the demo's past outages (with the deploy before each, as a change), a published
 * postmortem with action items for the latest API outage, a reported near miss and a maintenance
 * window tomorrow: so the first page of the demo has history to show. Runs once per database.
 */
export async function seedDemoHistory(database: Database, now: Date, publicUrl: string, pageName: string): Promise<number> {
  const [done] = await database.orm.select().from(appMeta).where(eq(appMeta.key, META_KEY));
  if (done) return 0;
  const ctx = incidentContext({ now, publicUrl, pageName, actor: ACTOR });
  return database.write(async (tx) => {
    const outages = pastOutages(now.getTime());
    const incidentIds: string[] = [];
    for (const outage of outages) incidentIds.push(await recordOutage(tx, outage, ctx));
    const latestApi = [...outages].reverse().findIndex((outage) => outage.component === 'api');
    const latestApiId = latestApi === -1 ? undefined : incidentIds[incidentIds.length - 1 - latestApi];
    if (latestApiId) {
      const postmortemId = newId();
      await tx.insert(postmortems).values({
        id: postmortemId,
        incidentId: latestApiId,
        status: 'published',
        visibility: 'public',
        summary: 'For 20 minutes the public API answered most requests with 503.',
        rootCause: 'A gateway configuration push removed the health-checked upstream pool.',
        contributingFactors: ['The config change skipped the canary stage', 'No alert on upstream pool size'],
        whereWeGotLucky: 'The push happened during low traffic.',
        lessons: 'Gateway config changes go through the same canary as code.',
        author: 'On-call engineer',
        publishedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insert(actionItems).values([
        { id: newId(), postmortemId, title: 'Canary stage for gateway config', owner: 'platform', priority: 'P0', status: 'done', closedAt: now, createdAt: now, updatedAt: now },
        { id: newId(), postmortemId, title: 'Alert when the upstream pool shrinks', owner: 'sre', priority: 'P1', status: 'open', dueAt: new Date(now.getTime() + 14 * DAY_MS), createdAt: now, updatedAt: now },
      ]);
    }
    await tx.insert(nearMisses).values({
      id: newId(),
      source: 'reported',
      status: 'analysing',
      title: 'Database disk reached 91 % before the nightly cleanup',
      summary: 'Found by the on-call engineer during a routine check; cleaned up by hand.',
      startedAt: new Date(now.getTime() - 3 * DAY_MS),
      componentId: 'database',
      reporter: 'On-call engineer',
      discoveredAt: new Date(now.getTime() - 3 * DAY_MS),
      discoveredHow: 'routine dashboard check',
      whatHappened: 'Log rotation had failed for two days.',
      stoppedBy: 'human',
      worstOutcome: 'Database read-only for every service',
      contributingFactors: ['Log rotation failure was silent'],
      recurrenceLikelihood: 'medium',
      createdAt: now,
      updatedAt: now,
    });
    const tomorrow = Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS + 2 * 3_600_000;
    await scheduleMaintenance(
      tx,
      {
        name: 'Database minor version upgrade',
        body: 'Writes may pause for up to a minute while the primary fails over.',
        scheduledFor: new Date(tomorrow),
        scheduledUntil: new Date(tomorrow + 3_600_000),
        componentIds: ['database'],
      },
      ctx,
    );
    await tx.insert(appMeta).values({ key: META_KEY, value: String(now.getTime()), updatedAt: now });
    return outages.length;
  });
}

import type { TestServer } from './server.ts';

export interface SeededIds {
  incidentId: string;
  updateId: string;
  maintenanceId: string;
  nearMissId: string;
  postmortemId: string;
  actionItemId: string;
}

async function created<T>(response: Response, what: string): Promise<T> {
  if (response.status !== 201 && response.status !== 200) throw new Error(`seeding ${what} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * One of each customer-visible record, written through the real API with `text` in every free
 * text field (a plain sentence for fuzzing; hostile markup for the XSS corpus).
 */
export async function seedRecords(server: TestServer, text: (field: string) => string): Promise<SeededIds> {
  const now = server.clock.now().getTime();
  const incident = await created<{ id: string; updates: { id: string }[] }>(
    await server.request('/api/v1/incidents', {
      method: 'POST',
      json: {
        name: text('incident.name'),
        impact: 'minor',
        status: 'investigating',
        body: text('incident.body'),
        components: [{ id: 'api', status: 'degraded_performance' }],
      },
    }),
    'incident',
  );
  await created(
    await server.request(`/api/v1/incidents/${incident.id}/updates`, { method: 'POST', json: { status: 'identified', body: text('update.body') } }),
    'incident update',
  );
  const maintenance = await created<{ id: string }>(
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: {
        name: text('maintenance.name'),
        body: text('maintenance.body'),
        scheduledFor: new Date(now + 86_400_000).toISOString(),
        scheduledUntil: new Date(now + 90_000_000).toISOString(),
        components: ['api'],
      },
    }),
    'maintenance',
  );
  const nearMiss = await created<{ id: string }>(
    await server.request('/api/v1/near-misses', {
      method: 'POST',
      json: {
        title: text('nearMiss.title'),
        whatHappened: text('nearMiss.whatHappened'),
        discoveredHow: text('nearMiss.discoveredHow'),
        reporter: 'Sam',
        stoppedBy: 'human',
        worstOutcome: text('nearMiss.worstOutcome'),
        recurrenceLikelihood: 'possible',
        contributingFactors: [text('nearMiss.factor')],
      },
    }),
    'near miss',
  );
  const postmortem = await created<{ id: string }>(
    await server.request('/api/v1/postmortems', {
      method: 'POST',
      json: {
        incidentId: incident.id,
        visibility: 'public',
        summary: text('postmortem.summary'),
        rootCause: text('postmortem.rootCause'),
        whereWeGotLucky: text('postmortem.whereWeGotLucky'),
        lessons: text('postmortem.lessons'),
        contributingFactors: [text('postmortem.factor')],
      },
    }),
    'postmortem',
  );
  const actionItem = await created<{ id: string }>(
    await server.request('/api/v1/action-items', { method: 'POST', json: { postmortemId: postmortem.id, title: text('actionItem.title'), priority: 'P2' } }),
    'action item',
  );
  const [firstUpdate] = incident.updates;
  if (!firstUpdate) throw new Error('the incident has no first update');
  return {
    incidentId: incident.id,
    updateId: firstUpdate.id,
    maintenanceId: maintenance.id,
    nearMissId: nearMiss.id,
    postmortemId: postmortem.id,
    actionItemId: actionItem.id,
  };
}

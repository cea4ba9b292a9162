import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changes, incidents } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

interface ChangeBody {
  id: string;
  service: string;
  kind: string;
  version: string | null;
  at: string;
}

describe('changes', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z' });
  });
  afterEach(() => server.close());

  const post = (json: unknown, token?: string) => server.request('/api/v1/changes', { method: 'POST', json, ...(token ? { token } : {}) });

  it('records a deploy at now by default, and a config change at a given time', async () => {
    const write = await server.tokenWith('write');
    const deploy = await post({ service: 'api', version: 'v1.2.3', author: 'ci', link: 'https://ci.example/run/1' }, write);
    expect(deploy.status).toBe(201);
    expect(await deploy.json()).toMatchObject({ service: 'api', kind: 'deploy', version: 'v1.2.3', at: '2026-11-01T12:00:00.000Z' });
    const config = await post({ service: 'api', kind: 'config', at: '2026-11-01T09:00:00Z', description: 'pool size 20 → 40' }, write);
    expect(config.status).toBe(201);
    const listed = (await (await server.request('/api/v1/changes?service=api')).json()) as { changes: ChangeBody[] };
    expect(listed.changes.map((change) => change.kind)).toEqual(['config', 'deploy']);
  });

  it('records a change sent twice with the same id once, and refuses a different one under that id', async () => {
    const id = randomUUID();
    const body = { id, service: 'api', version: 'v2', at: '2026-11-01T11:00:00Z' };
    expect((await post(body)).status).toBe(201);
    expect((await post(body)).status).toBe(200);
    expect(await server.db.orm.select().from(changes)).toHaveLength(1);
    const clash = await post({ ...body, version: 'v3' });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { code: string }).code).toBe('change_id_conflict');
  });

  it('rejects bad input with 422 and writes nothing; needs scope write', async () => {
    expect((await post({ service: '' })).status).toBe(422);
    expect((await post({ service: 'api', link: 'ftp://x' })).status).toBe(422);
    expect((await post({ service: 'api', at: '2026-11-02T00:00:00Z' })).status).toBe(422);
    const read = await server.tokenWith('read');
    expect((await post({ service: 'api' }, read)).status).toBe(403);
    expect(await server.db.orm.select().from(changes)).toHaveLength(0);
  });

  it('shows the changes in the window before an incident', async () => {
    await post({ service: 'api', version: 'old', at: '2026-10-30T10:00:00Z' });
    await post({ service: 'api', version: 'suspect', at: '2026-11-01T10:30:00Z' });
    await post({ service: 'web', version: 'during', at: '2026-11-01T11:10:00Z' });
    await post({ service: 'web', version: 'after', at: '2026-11-01T11:50:00Z' });
    await server.db.write((tx) =>
      tx.insert(incidents).values({
        id: 'inc',
        name: 'Errors',
        status: 'resolved',
        impact: 'minor',
        startedAt: new Date('2026-11-01T11:00:00Z'),
        resolvedAt: new Date('2026-11-01T11:30:00Z'),
        createdAt: new Date('2026-11-01T11:00:00Z'),
        updatedAt: new Date('2026-11-01T11:30:00Z'),
      }),
    );
    const response = await server.request('/api/v1/incidents/inc/changes');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { windowMs: number; changes: ChangeBody[] };
    expect(body.windowMs).toBe(86_400_000);
    expect(body.changes.map((change) => change.version)).toEqual(['during', 'suspect']);
    const wide = (await (await server.request('/api/v1/incidents/inc/changes?window=3d')).json()) as { changes: ChangeBody[] };
    expect(wide.changes.map((change) => change.version)).toEqual(['during', 'suspect', 'old']);
    expect((await server.request('/api/v1/incidents/nope/changes')).status).toBe(404);
    expect((await server.request('/api/v1/incidents/inc/changes?window=soon')).status).toBe(422);
  });
});

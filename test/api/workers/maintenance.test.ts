import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dueMaintenanceStep } from '../../../api/domain/maintenance.ts';
import { createMaintenanceScheduler } from '../../../api/workers/maintenance.ts';
import { maintenances, outbox, subscribers } from '../../../db/schema/index.ts';
import { startNoticeServer, type NoticeTestServer } from '../../helpers/notices.ts';

const NOW = '2026-11-01T12:00:00Z';

describe('maintenance scheduler', () => {
  let server: NoticeTestServer;
  beforeEach(async () => {
    server = await startNoticeServer({ now: NOW });
    // A confirmed subscriber, so notices become outbox rows.
    await server.db.write((tx) =>
      tx.insert(subscribers).values({ id: 's1', kind: 'email', target: 'ops@example.test', confirmedAt: new Date(NOW), unsubscribeToken: 'tok-s1-xxxxxxxx', createdAt: new Date(NOW) }),
    );
  });
  afterEach(() => server.close());

  const topics = async () => (await server.db.orm.select().from(outbox)).map((row) => row.topic);
  const componentStatus = async (id: string) => {
    const body = (await (await server.request('/api/v2/components.json', { token: null })).json()) as { components: { id: string; status: string }[] };
    return body.components.find((component) => component.id === id)?.status;
  };

  it('notifies ahead, starts (components under_maintenance) and completes on its own, one notice each', async () => {
    const created = await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'DB upgrade', body: 'Upgrading Postgres.', scheduledFor: '2026-11-03T02:00:00Z', scheduledUntil: '2026-11-03T03:00:00Z', components: ['api'] },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const scheduler = createMaintenanceScheduler(server.deps);
    expect(await topics()).toEqual(['maintenance.scheduled']);

    expect(await scheduler.tick()).toBe(0);
    server.clock.set('2026-11-02T02:00:00Z'); // 24 h before
    expect(await scheduler.tick()).toBe(1);
    expect(await scheduler.tick()).toBe(0);
    expect(await topics()).toEqual(['maintenance.scheduled', 'maintenance.ahead']);

    server.clock.set('2026-11-03T02:00:00Z');
    await scheduler.tick();
    expect(await componentStatus('api')).toBe('under_maintenance');
    const active = (await (await server.request('/api/v2/scheduled-maintenances/active.json', { token: null })).json()) as { scheduled_maintenances: { id: string; status: string }[] };
    expect(active.scheduled_maintenances).toMatchObject([{ id, status: 'in_progress' }]);

    server.clock.set('2026-11-03T03:00:00Z');
    await scheduler.tick();
    expect(await componentStatus('api')).toBe('operational');
    const [row] = await server.db.orm.select().from(maintenances).where(eq(maintenances.id, id));
    expect(row?.status).toBe('completed');
    expect(await topics()).toEqual(['maintenance.scheduled', 'maintenance.ahead', 'maintenance.started', 'maintenance.completed']);
  });

  it('counts the scheduling notice as the ahead one when scheduled inside the notice period', async () => {
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'Soon', scheduledFor: '2026-11-01T14:00:00Z', scheduledUntil: '2026-11-01T15:00:00Z' },
    });
    await createMaintenanceScheduler(server.deps).tick();
    expect(await topics()).toEqual(['maintenance.scheduled']);
  });

  it('materialises the next occurrence of a weekly window when one starts', async () => {
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'Weekly patching', scheduledFor: '2026-11-01T14:00:00Z', scheduledUntil: '2026-11-01T15:00:00Z', recurrence: '0 14 * * 0', notifyBefore: '0s' },
    });
    const scheduler = createMaintenanceScheduler(server.deps);
    server.clock.set('2026-11-01T14:00:00Z');
    await scheduler.tick();
    await scheduler.tick();
    const rows = await server.db.orm.select().from(maintenances).orderBy(maintenances.scheduledFor);
    expect(rows.map((row) => [row.scheduledFor.toISOString(), row.scheduledUntil.toISOString(), row.status])).toEqual([
      ['2026-11-01T14:00:00.000Z', '2026-11-01T15:00:00.000Z', 'in_progress'],
      ['2026-11-08T14:00:00.000Z', '2026-11-08T15:00:00.000Z', 'scheduled'],
    ]);
  });

  it('refuses a window that ends before it starts, or a bad recurrence, with 422', async () => {
    const backwards = await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'x', scheduledFor: '2026-11-02T03:00:00Z', scheduledUntil: '2026-11-02T02:00:00Z' },
    });
    expect(backwards.status).toBe(422);
    const cron = await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'x', scheduledFor: '2026-11-02T02:00:00Z', scheduledUntil: '2026-11-02T03:00:00Z', recurrence: 'every sunday' },
    });
    expect(cron.status).toBe(422);
    expect(await server.db.orm.select().from(maintenances)).toHaveLength(0);
  });

  it('sends nothing for a drill window but still moves it', async () => {
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'Drill', scheduledFor: '2026-11-01T13:00:00Z', scheduledUntil: '2026-11-01T14:00:00Z', drill: true, components: ['api'] },
    });
    server.clock.set('2026-11-01T13:00:00Z');
    await createMaintenanceScheduler(server.deps).tick();
    expect(await topics()).toEqual([]);
    expect(await componentStatus('api')).toBe('operational');
  });
});

describe('dueMaintenanceStep', () => {
  const window = { status: 'scheduled' as const, scheduledFor: new Date('2026-11-03T02:00:00Z'), scheduledUntil: new Date('2026-11-03T03:00:00Z'), notifyBeforeMs: 3_600_000, notifiedAheadAt: null };
  it('returns the step due at each point of the window', () => {
    expect(dueMaintenanceStep(window, new Date('2026-11-03T00:59:59Z'))).toBeNull();
    expect(dueMaintenanceStep(window, new Date('2026-11-03T01:00:00Z'))).toBe('notify_ahead');
    expect(dueMaintenanceStep(window, new Date('2026-11-03T02:00:00Z'))).toBe('start');
    expect(dueMaintenanceStep({ ...window, status: 'in_progress' }, new Date('2026-11-03T02:30:00Z'))).toBeNull();
    expect(dueMaintenanceStep({ ...window, status: 'verifying' }, new Date('2026-11-03T03:00:00Z'))).toBe('complete');
    expect(dueMaintenanceStep(window, new Date('2026-11-04T00:00:00Z'))).toBe('complete');
  });
});

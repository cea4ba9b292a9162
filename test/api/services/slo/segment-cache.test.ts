import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentCache } from '../../../../api/services/slo/segment-cache.ts';
import { startTestServer, type TestServer } from '../../../helpers/server.ts';

describe('SegmentCache', () => {
  it('drops only the segments that contain a written bucket', () => {
    const cache = new SegmentCache();
    const generation = cache.generation('slo:a');
    cache.set('slo:a', 'day:0:10', { from: 0, to: 10 }, { good: 1, total: 2 }, generation, 0);
    cache.set('slo:a', 'hour:10:20', { from: 10, to: 20 }, { good: 3, total: 4 }, generation, 0);
    cache.invalidate('slo:a', [15]);
    expect(cache.get('slo:a', 'day:0:10', 0)).toEqual({ good: 1, total: 2 });
    expect(cache.get('slo:a', 'hour:10:20', 0)).toBeUndefined();
  });

  it('refuses to store a read that raced with a write to the same series', () => {
    const cache = new SegmentCache();
    const before = cache.generation('slo:a');
    cache.invalidate('slo:a', [5]);
    cache.set('slo:a', 'day:0:10', { from: 0, to: 10 }, { good: 1, total: 2 }, before, 0);
    expect(cache.get('slo:a', 'day:0:10', 0)).toBeUndefined();
  });

  it('expires entries after five minutes', () => {
    const cache = new SegmentCache();
    cache.set('slo:a', 'k', { from: 0, to: 10 }, { good: 1, total: 1 }, 0, 0);
    expect(cache.get('slo:a', 'k', 5 * 60_000)).toBeDefined();
    expect(cache.get('slo:a', 'k', 5 * 60_000 + 1)).toBeUndefined();
  });
});

describe('SLO evaluations with cached segment sums', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:30Z' });
  });
  afterEach(() => server.close());

  const ingest = (at: string, ok: boolean) =>
    server.request('/api/v1/results', {
      method: 'POST',
      json: { results: [{ id: randomUUID(), monitor: 'api-health', region: 'eu', at, ok, latencyMs: 10 }] },
    });
  const sli = async () =>
    ((await (await server.request('/api/v1/slos/api-availability')).json()) as { sli: { good: number; total: number } }).sli;

  it('see late results inside an already evaluated window at once', async () => {
    expect((await ingest('2026-10-30T08:00:00Z', true)).status).toBe(200);
    expect(await sli()).toEqual(expect.objectContaining({ good: 1, total: 1 }));
    // A backfilled failure two days ago lands inside day and hour segments summed above.
    expect((await ingest('2026-10-30T09:15:00Z', false)).status).toBe(200);
    expect(await sli()).toEqual(expect.objectContaining({ good: 1, total: 2 }));
  });

  it('do not count the current minute, so live ingest leaves cached windows valid', async () => {
    await ingest('2026-11-01T11:30:00Z', true);
    expect(await sli()).toEqual(expect.objectContaining({ total: 1 }));
    await ingest('2026-11-01T12:00:10Z', false);
    expect(await sli()).toEqual(expect.objectContaining({ total: 1 }));
    server.clock.advance(60_000);
    expect(await sli()).toEqual(expect.objectContaining({ good: 1, total: 2 }));
  });
});

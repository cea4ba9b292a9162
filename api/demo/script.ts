/**
 * The demo target's behaviour as a pure function of time and path, so the live target and the
 * backfilled history tell the same story: occasional failures, slow spells, one past outage.
 */
export interface DemoResponse {
  status: number;
  latencyMs: number;
  body: string;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A stable pseudo-random number in [0, 1) for a time slot and a salt. */
function noise(slot: number, salt: number): number {
  const x = Math.sin(slot * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

export function demoResponse(path: string, atMs: number): DemoResponse {
  const minute = Math.floor(atMs / MINUTE);
  const day = Math.floor(atMs / DAY);
  const minuteOfDay = minute % 1440;
  const base = 40 + noise(minute, path.length) * 80;
  switch (path) {
    case '/api/health': {
      // A 20-minute outage every 23 days (about half of a 30-day 99.9 % budget each time) and,
      // every third day, a one-minute failure streak below the down threshold: a near miss.
      if (day % 23 === 5 && minuteOfDay >= 600 && minuteOfDay < 620) return { status: 503, latencyMs: base, body: 'down' };
      if (day % 3 === 0 && minuteOfDay === 301 + (day % 7) * 60) return { status: 500, latencyMs: base, body: 'error' };
      const slow = noise(minute, 3) > 0.985;
      return { status: 200, latencyMs: slow ? 900 + base : base, body: 'ok' };
    }
    case '/auth/login':
      return noise(minute, 5) > 0.998 ? { status: 500, latencyMs: base, body: 'error' } : { status: 200, latencyMs: base + 30, body: 'ok' };
    case '/checkout': {
      if (day % 31 === 9 && minuteOfDay >= 840 && minuteOfDay < 860) return { status: 502, latencyMs: base, body: 'bad gateway' };
      return { status: 200, latencyMs: base + 60, body: 'ok' };
    }
    case '/': {
      // A 20-minute slow spell every four days eats into the latency SLO (about a third of it).
      const slowSpell = day % 4 === 1 && minuteOfDay >= 780 && minuteOfDay < 800;
      return { status: 200, latencyMs: slowSpell ? 650 + base : base + 120, body: '<h1>Acme</h1>' };
    }
    default:
      return { status: 404, latencyMs: 5, body: 'not found' };
  }
}

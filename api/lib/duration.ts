/**
 * Durations are parsed in this one place: `30s`, `5m`, `1h`, `28d`, `2w`, `500ms`, combinations
 * like `1h30m`, or ISO 8601 (`PT30S`, `P28D`, `P1DT2H`).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: WEEK };

const SHORT = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const SHORT_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Returns milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (SHORT.test(trimmed)) {
    let total = 0;
    for (const [, amount, unit] of trimmed.matchAll(SHORT_PART)) {
      total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
    }
    return total > 0 ? Math.round(total) : null;
  }
  const iso = ISO.exec(trimmed);
  if (iso && trimmed !== 'P' && !trimmed.endsWith('T')) {
    const [, w, d, h, m, s] = iso;
    const total =
      Number(w ?? 0) * WEEK + Number(d ?? 0) * DAY + Number(h ?? 0) * HOUR + Number(m ?? 0) * MINUTE + Number(s ?? 0) * SECOND;
    return total > 0 ? Math.round(total) : null;
  }
  return null;
}

/** Formats milliseconds in the largest whole unit: 86400000 → `1d`, 90000 → `90s`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

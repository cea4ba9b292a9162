import type { MonitorKind } from '../../db/schema/monitors.ts';

/** What one probe observed; the scheduler adds the id, monitor, region and time. */
export interface ProbeOutcome {
  ok: boolean;
  latencyMs: number;
  statusCode?: number | undefined;
  error?: string | undefined;
  /** For HTTPS and TLS probes: when the server's certificate expires. */
  tlsExpiresAt?: Date | undefined;
}

/** A monitor as the prober needs it (from the database, or from `GET /api/v1/monitors` in an agent). */
export interface ProbeTarget {
  key: string;
  kind: MonitorKind;
  intervalMs: number;
  timeoutMs: number;
  regions: string[];
  settings: Record<string, unknown>;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export const elapsedSince = (startedAt: number): number => Math.round((performance.now() - startedAt) * 100) / 100;

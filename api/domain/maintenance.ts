import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceStatus } from '../../db/schema/maintenances.ts';

/**
 * Pure scheduling rules for maintenance windows: which automatic step is due at `now`, and when
 * a recurring window comes next. The worker applies them; tests call them without a database.
 */
export type MaintenanceStep = 'notify_ahead' | 'start' | 'complete';

export interface MaintenanceTiming {
  status: MaintenanceStatus;
  scheduledFor: Date;
  scheduledUntil: Date;
  notifyBeforeMs: number;
  notifiedAheadAt: Date | null;
}

/** The one step due now, if any. A window missed entirely (the process was down) goes straight to complete. */
export function dueMaintenanceStep(window: MaintenanceTiming, now: Date): MaintenanceStep | null {
  const t = now.getTime();
  if (window.status === 'completed') return null;
  if (t >= window.scheduledUntil.getTime()) return 'complete';
  if (window.status === 'scheduled') {
    if (t >= window.scheduledFor.getTime()) return 'start';
    if (window.notifyBeforeMs > 0 && window.notifiedAheadAt === null && t >= window.scheduledFor.getTime() - window.notifyBeforeMs) {
      return 'notify_ahead';
    }
  }
  return null;
}

/** True when the cron expression parses (five fields, or six with seconds). */
export function isValidRecurrence(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/** The next start of a recurring window strictly after `after`, in UTC unless a time zone is given. */
export function nextOccurrence(expression: string, after: Date, timeZone = 'UTC'): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: timeZone }).next().toDate();
}

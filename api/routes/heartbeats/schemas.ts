import { z } from 'zod';

export const heartbeatParams = z.object({ key: z.string().min(1).max(64) });
export const heartbeatTokenParams = z.object({ key: z.string().min(1).max(64), token: z.string().min(1).max(256) });

/** Everything is optional: `curl -X POST .../heartbeats/nightly-backup/<token>` is a successful beat. */
export const heartbeatBodySchema = z.strictObject({
  /** The job's own id for this run: a retried call with the same id counts once. */
  id: z.uuid().optional(),
  /** `false` reports a failed run (it counts as a failure at once, without waiting for the grace). */
  ok: z.boolean().default(true),
  /** How long the run took, recorded as the result's latency. */
  durationMs: z.number().finite().min(0).max(86_400_000).optional(),
  message: z.string().max(2000).optional(),
});

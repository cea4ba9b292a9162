import { EventEmitter } from 'node:events';

/**
 * In-process notifications between parts of one API process. They carry no data that matters
 * for correctness (that is always in the database); they only say "look again", e.g. so the
 * publisher rebuilds the site and the public API drops its cache after a customer-visible write.
 */
export interface AppEventMap {
  /** Something customers can see changed: incident, update, maintenance, component status. */
  'public.changed': [{ reason: string }];
  /** New notices were written to the outbox; the delivery worker can wake up early. */
  'outbox.enqueued': [];
}

export class AppEvents extends EventEmitter<AppEventMap> {}

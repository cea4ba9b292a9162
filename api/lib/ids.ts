import { randomUUID } from 'node:crypto';

/** Opaque ids for rows the API creates. */
export const newId = (): string => randomUUID();

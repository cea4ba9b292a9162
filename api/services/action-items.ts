import type { actionItems } from '../../db/schema/index.ts';

export type ActionItemRow = typeof actionItems.$inferSelect;

export const isClosed = (row: Pick<ActionItemRow, 'status'>) => row.status === 'done' || row.status === 'wont_do';

/** Open past its due date at `now`. */
export const isOverdue = (row: Pick<ActionItemRow, 'status' | 'dueAt'>, now: Date) =>
  !isClosed(row) && row.dueAt !== null && row.dueAt.getTime() < now.getTime();

export function actionItemJson(row: ActionItemRow, now: Date) {
  return {
    id: row.id,
    postmortemId: row.postmortemId,
    nearMissId: row.nearMissId,
    title: row.title,
    owner: row.owner,
    priority: row.priority,
    status: row.status,
    dueAt: row.dueAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    overdue: isOverdue(row, now),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

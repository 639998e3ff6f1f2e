import { useBulkAction, type BulkOutcome } from '../api/hooks';
import { ACTION_STATES, TASK_ACTIONS, type TaskAction, type TaskState } from '../api/types';
import { formatCount } from '../format';
import { ConfirmButton } from './confirm-button';
import { ErrorNotice, StatusNotice } from './notice';

const LABEL: Record<TaskAction, string> = {
  run: 'Run now',
  retry: 'Retry',
  cancel: 'Cancel',
  delete: 'Delete',
};
const PAST: Record<TaskAction, string> = {
  run: 'Ran now',
  retry: 'Retried',
  cancel: 'Canceled',
  delete: 'Deleted',
};
/** Actions that lose something (a run, a record) ask first even for the selected rows. */
const DESTRUCTIVE = new Set<TaskAction>(['cancel', 'delete']);

/** What a bulk action did, in one sentence. */
export function describeOutcome(o: BulkOutcome): string {
  const parts = [`${PAST[o.action]} ${formatCount(o.applied)}`];
  if (o.cancelRequested > 0)
    parts.push(
      `cancel requested for ${formatCount(o.cancelRequested)} running (they end at their next lease extension)`,
    );
  if (o.refused.length > 0) parts.push(`${formatCount(o.refused.length)} refused: ${o.refused[0]!.reason}`);
  return `${parts.join('; ')}.`;
}

interface BulkActionsProps {
  queue: string;
  state: TaskState;
  /** The type filter of the list, applied to "all" too. */
  type: string | undefined;
  /**
   * State pending: the fair group listed ('' = the tasks without a group, in a queue with grouped tasks;
   * undefined = a queue without them), applied to "all" too.
   */
  group?: string;
  /** The selected rows. */
  ids: string[];
  /** Tasks in the state (all types). */
  total: number;
  onOutcome: (text: string) => void;
}

/**
 * The actions the state allows, on the selected rows or on every task of the state (POST
 * /queues/:name/tasks/actions, by ids or by state a page of 1,000 at a time); "all" always asks first.
 */
export function BulkActions({ queue, state, type, group, ids, total, onOutcome }: BulkActionsProps) {
  const bulk = useBulkAction();
  const actions = TASK_ACTIONS.filter((a) => ACTION_STATES[a].includes(state));
  if (actions.length === 0) return null;
  const of = group === undefined ? '' : group === '' ? ' without a group' : ` of group ${group}`;
  const whole =
    (type ? `every ${state} task of type ${type}` : `all ${formatCount(total)} ${state} tasks`) + of;
  const done = { onSuccess: (o: BulkOutcome) => onOutcome(describeOutcome(o)) };
  const n = ids.length;
  return (
    <>
      <div className="toolbar" role="group" aria-label={`Actions on ${state} tasks`}>
        {actions.map((action) => {
          const onSelected = () => bulk.mutate({ queue, action, ids }, done);
          const selectedLabel = `${LABEL[action]} selected (${n})`;
          return (
            <span key={action} className="action-pair">
              {DESTRUCTIVE.has(action) ? (
                <ConfirmButton
                  label={selectedLabel}
                  question={`${LABEL[action]} ${n} ${state} task${n === 1 ? '' : 's'} of ${queue}?`}
                  confirm={LABEL[action]}
                  dismiss={action === 'cancel' ? 'Keep them' : undefined}
                  danger
                  disabled={bulk.isPending || n === 0}
                  onConfirm={onSelected}
                />
              ) : (
                <button type="button" disabled={bulk.isPending || n === 0} onClick={onSelected}>
                  {selectedLabel}
                </button>
              )}
              <ConfirmButton
                label={`${LABEL[action]} all${type ? ' of this type' : ` (${formatCount(total)})`}`}
                question={`${LABEL[action]} ${whole} in ${queue}?`}
                confirm={`${LABEL[action]} all`}
                dismiss={action === 'cancel' ? 'Keep them' : undefined}
                danger={DESTRUCTIVE.has(action)}
                disabled={bulk.isPending || total === 0}
                onConfirm={() => bulk.mutate({ queue, action, state, type, group: group || undefined }, done)}
              />
            </span>
          );
        })}
      </div>
      {bulk.isPending && <StatusNotice>Working…</StatusNotice>}
      <ErrorNotice error={bulk.error} what="act on the tasks" />
    </>
  );
}

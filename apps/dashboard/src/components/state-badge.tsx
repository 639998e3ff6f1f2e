import type { TaskState } from '../api/types';

/** A task state as a coloured label (the colour is decoration: the word carries the meaning). */
export function StateBadge({ state }: { state: TaskState }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}

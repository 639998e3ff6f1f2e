import { useId } from 'react';
import type { QueueView, TaskState } from '../api/types';
import { formatCount } from '../format';

interface QueueSelectProps {
  queues: QueueView[] | undefined;
  value: string;
  onChange: (queue: string) => void;
  /** Shown next to each queue name: its count in this state. */
  state: TaskState;
}

/** A labelled choice of queue, each with its count in `state`. */
export function QueueSelect({ queues, value, onChange, state }: QueueSelectProps) {
  const id = useId();
  const options = queues ?? [];
  return (
    <>
      <label htmlFor={id}>Queue</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {!options.some((q) => q.name === value) && <option value={value}>{value}</option>}
        {options.map((q) => (
          <option key={q.name} value={q.name}>
            {q.name} ({formatCount(q.counts[state])} {state})
          </option>
        ))}
      </select>
    </>
  );
}

import type { ClaimedTask, Queue } from '@tq/core';
import { createLogger } from '@tq/ops';
import { TaskTimeoutError } from './errors';
import type { TaskSeries } from './metrics';
import { RunningTask } from './running-task';

const task = { id: 'q.x', queue: 'q', token: 't', attempt: 1, type: 'noop' } as ClaimedTask;
/** Where the task's acknowledgements would go: not used here. */
const partition = {} as Queue;

describe('RunningTask', () => {
  it('fires a signal read before the abort, and one read after it, with the first reason only', () => {
    const early = new RunningTask(
      task,
      partition,
      0,
      0,
      1000,
      createLogger('test', 'silent'),
      {} as TaskSeries,
    );
    const before = early.signal;
    early.abort(new TaskTimeoutError(1000));
    early.abort(new Error('second'));
    expect(before.aborted).toBe(true);
    expect(before.reason).toBeInstanceOf(TaskTimeoutError);

    const late = new RunningTask(
      task,
      partition,
      0,
      0,
      1000,
      createLogger('test', 'silent'),
      {} as TaskSeries,
    );
    late.abort(new TaskTimeoutError(1000));
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBeInstanceOf(TaskTimeoutError);
    expect(late.aborted).toBe(late.signal.reason);
  });

  it('makes its child logger once, with the task fields', () => {
    const parent = createLogger('test', 'silent');
    const child = jest.spyOn(parent, 'child');
    const entry = new RunningTask(task, partition, 0, 0, 1000, parent, {} as TaskSeries);
    expect(child).not.toHaveBeenCalled();
    expect(entry.logger).toBe(entry.logger);
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ queue: 'q', taskId: 'q.x', attempt: 1, type: 'noop' });
  });
});

import { createLogger } from '@tq/ops';
import type { ClaimedTask, Queue } from '@tq/core';
import { Deadlines } from './deadlines';
import type { TaskSeries } from './metrics';
import { RunningTask } from './running-task';

const logger = createLogger('test', 'silent');

function entry(timeoutMs: number): RunningTask {
  const task = { id: 'q.x', queue: 'q', token: `t${timeoutMs}` } as ClaimedTask;
  return new RunningTask(
    task,
    {} as Queue,
    Date.now(),
    performance.now(),
    timeoutMs,
    logger,
    {} as TaskSeries,
  );
}

describe('Deadlines', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('times out each task at its own deadline with one timer, and none once it has left', () => {
    const running = new Map<string, RunningTask>();
    const timedOut: number[] = [];
    const deadlines = new Deadlines(
      () => running.values(),
      (e) => e.deadline,
      (e) => {
        timedOut.push(e.timeoutMs);
        running.delete(e.task.token);
      },
    );
    for (const ms of [300, 100, 200, 50]) {
      const e = entry(ms);
      running.set(e.task.token, e);
      deadlines.add(e);
    }
    running.delete('t50'); // settled before its deadline
    expect(jest.getTimerCount()).toBe(1);

    jest.advanceTimersByTime(99);
    expect(timedOut).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(timedOut).toEqual([100]);
    jest.advanceTimersByTime(100);
    expect(timedOut).toEqual([100, 200]);
    jest.advanceTimersByTime(100);
    expect(timedOut).toEqual([100, 200, 300]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('follows a deadline that moves later, firing only when the latest one comes', () => {
    const e = entry(1000);
    const running = new Map([[e.task.token, e]]);
    let leaseUntil = performance.now() + 100;
    const expired: RunningTask[] = [];
    const deadlines = new Deadlines(
      () => running.values(),
      () => leaseUntil,
      (x) => {
        expired.push(x);
        running.delete(x.task.token);
      },
    );
    deadlines.add(e);
    jest.advanceTimersByTime(60);
    leaseUntil += 100; // extended: now due at 200
    jest.advanceTimersByTime(139);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual([e]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops its timer', () => {
    const e = entry(100);
    const timedOut: RunningTask[] = [];
    const deadlines = new Deadlines(
      () => [e],
      (x) => x.deadline,
      (x) => timedOut.push(x),
    );
    deadlines.add(e);
    deadlines.stop();
    jest.advanceTimersByTime(1000);
    expect(timedOut).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

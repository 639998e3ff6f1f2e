import type { RunningTask } from './running-task';
import { RunningTasks } from './running-tasks';

const entry = (name: string) => ({ name, slot: -1 }) as unknown as RunningTask;

describe('RunningTasks', () => {
  it('holds each added task once until it is taken out, whatever the order', () => {
    const running = new RunningTasks();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry);
    for (const e of [a!, b!, c!]) running.add(e);
    expect(running.delete(a!)).toBe(true);
    expect(running.delete(a!)).toBe(false);
    running.add(d!);
    expect(running.delete(d!)).toBe(true);
    expect(running.size).toBe(2);
    expect(new Set(running.values())).toEqual(new Set([b, c]));
    expect(running.delete(c!)).toBe(true);
    expect(running.delete(b!)).toBe(true);
    expect(running.size).toBe(0);
    expect(running.values()).toEqual([]);
  });

  it('does not take out a task it never held', () => {
    const running = new RunningTasks();
    running.add(entry('a'));
    expect(running.delete(entry('b'))).toBe(false);
    expect(running.size).toBe(1);
  });

  it('lets the caller take tasks out while going through them', () => {
    const running = new RunningTasks();
    const all = ['a', 'b', 'c', 'd'].map(entry);
    for (const e of all) running.add(e);
    for (const e of running.values()) running.delete(e);
    expect(running.size).toBe(0);
  });
});

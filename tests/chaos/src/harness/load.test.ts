import { enqueueRecords, type HistoryLine } from './load';

describe('enqueueRecords', () => {
  it('keeps the final outcome of each value, and counts an invoke without an answer as unknown', () => {
    const history: HistoryLine[] = [
      { op: 'invoke', value: 1, t: 1 },
      { op: 'invoke', value: 2, t: 2 },
      { op: 'invoke', value: 3, t: 3 },
      { op: 'ok', value: 1, status: 201, taskId: 'q.A' },
      { op: 'fail', value: 2, status: 429 },
    ];
    expect(enqueueRecords(history)).toEqual([
      { value: 1, outcome: 'ok', taskId: 'q.A' },
      { value: 2, outcome: 'fail', taskId: undefined },
      { value: 3, outcome: 'info' },
    ]);
  });
});

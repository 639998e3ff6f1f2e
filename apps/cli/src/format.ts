import type { QueueStats, Task, TaskSummary, WorkerInfo } from '@tq/client';

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** `key  value` lines, keys aligned; empty values left out. */
export function details(fields: [string, unknown][]): string {
  const shown = fields.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown
    .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
}

export function taskDetails(task: Task): string {
  return details([
    ['id', task.id],
    ['status', task.status],
    ['type', task.type],
    ['queue', task.queue],
    ['priority', task.priority],
    ['attempt', `${task.attempt} of ${task.maxAttempts}`],
    ['created', task.createdAt],
    ['run at', task.runAt],
    ['started', task.startedAt],
    ['finished', task.finishedAt],
    ['dead reason', task.deadReason],
    ['last error', task.lastError],
    ['payload', task.payload],
    ['result', task.result],
    ['read from', task.source === 'archive' ? 'the task history (PostgreSQL)' : undefined],
  ]);
}

export function taskTable(tasks: TaskSummary[]): string {
  return table(
    ['ID', 'TYPE', 'STATUS', 'ATTEMPT', 'CREATED', 'LAST ERROR'],
    tasks.map((t) => [
      t.id,
      t.type,
      t.status,
      `${t.attempt}/${t.maxAttempts}`,
      t.createdAt,
      oneLine(t.lastError ?? t.deadReason ?? ''),
    ]),
  );
}

export function queueTable(queues: QueueStats[]): string {
  return table(
    ['QUEUE', 'STATE', 'PENDING', 'SCHEDULED', 'RUNNING', 'RETRY', 'DEAD', 'DONE', 'OLDEST PENDING'],
    queues.map((q) => [
      q.name,
      q.paused ? 'paused' : 'active',
      q.counts.pending ?? 0,
      q.counts.scheduled ?? 0,
      q.counts.running ?? 0,
      q.counts.retry ?? 0,
      q.counts.dead ?? 0,
      q.counts.done ?? 0,
      age(q.oldestPendingAgeMs),
    ]),
  );
}

export function queueDetails(q: QueueStats): string {
  return details([
    ['queue', q.name],
    ['state', q.paused ? 'paused' : 'active'],
    ...Object.entries(q.counts).map(([state, n]): [string, unknown] => [state, n]),
    ['waiting', q.waiting],
    ['oldest pending', age(q.oldestPendingAgeMs)],
    ['expired leases', q.expiredLeases],
  ]);
}

export function workerTable(workers: WorkerInfo[], now = Date.now()): string {
  return table(
    ['WORKER', 'HOST', 'PID', 'QUEUES', 'BUSY', 'UP', 'LAST BEAT'],
    workers.map((w) => [
      w.id,
      w.host,
      w.pid,
      w.queues.join(','),
      `${w.busySlots}/${w.concurrency}`,
      age(now - Date.parse(w.startedAt)),
      `${age(now - Date.parse(w.lastBeatAt))} ago`,
    ]),
  );
}

/** A duration for people: 850ms, 12s, 3m4s, 2h5m. */
export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

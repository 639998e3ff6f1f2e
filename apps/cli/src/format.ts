import type {
  QueueLimits,
  QueueStats,
  Schedule,
  ScheduleDetail,
  Task,
  TaskSummary,
  WorkerInfo,
} from '@tq/client';

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
    // Partition 0 is also a plain queue's: said only for the partitions that exist only when partitioned.
    ['partition', task.partition > 0 ? task.partition : undefined],
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
    [
      'QUEUE',
      'STATE',
      'PENDING',
      'SCHEDULED',
      'RUNNING',
      'RETRY',
      'DEAD',
      'DONE',
      'OLDEST PENDING',
      'PARTITIONS',
    ],
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
      q.draining.length ? `${q.partitions} (${q.draining.length} draining)` : q.partitions,
    ]),
  );
}

export function queueDetails(q: QueueStats): string {
  return details([
    ['queue', q.name],
    ['state', q.paused ? 'paused' : 'active'],
    [
      'partitions',
      q.partitions > 1
        ? `${q.partitions}${q.draining.length ? ` (draining: ${q.draining.join(', ')})` : ''}`
        : undefined,
    ],
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

export function scheduleTable(schedules: Schedule[]): string {
  return table(
    ['ID', 'QUEUE', 'CRON', 'TIMEZONE', 'STATE', 'NEXT RUN', 'FIRED', 'LAST TASK'],
    schedules.map((s) => [
      s.id,
      s.queue,
      s.cron,
      s.timezone,
      s.paused ? 'paused' : 'active',
      s.nextRunAt ?? '-',
      s.counts.fired,
      s.last?.taskId ?? '-',
    ]),
  );
}

export function scheduleDetails(s: ScheduleDetail): string {
  return details([
    ['id', s.id],
    ['state', s.paused ? 'paused' : 'active'],
    ['cron', s.cron],
    ['timezone', s.timezone],
    ['queue', s.queue],
    ['task type', s.task.type],
    ['payload', s.task.payload],
    ['misfire', `${s.misfire} (grace ${s.misfireGraceMs} ms)`],
    ['overlap', s.overlap],
    ['next runs', s.nextRuns.length ? s.nextRuns.join('\n' + ' '.repeat(11)) : undefined],
    ['last task', s.last ? `${s.last.taskId} (slot ${s.last.slot})` : undefined],
    [
      'counts',
      `fired ${s.counts.fired}, skipped (overlap) ${s.counts.skippedOverlap}, skipped (misfire) ${s.counts.skippedMisfire}, missed run once ${s.counts.missedRunOnce}`,
    ],
  ]);
}

export function limitsDetails(l: QueueLimits): string {
  return details([
    ['queue', l.queue],
    ['rate', l.rate ? `${l.rate.max} starts per ${l.rate.periodMs} ms (any window)` : 'none'],
    ['concurrency', l.concurrency ?? 'none'],
    ['group concurrency', l.groupConcurrency ?? 'none'],
  ]);
}

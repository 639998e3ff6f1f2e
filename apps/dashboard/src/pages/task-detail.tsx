import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { useTask, useTaskAction, useWorkers } from '../api/hooks';
import { ACTION_STATES, type Task, type TaskAction } from '../api/types';
import { ConfirmButton } from '../components/confirm-button';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { StateBadge } from '../components/state-badge';
import { between, formatDuration, formatJson, formatTime } from '../format';

/** One task: its fields, payload, result, error history, timings and the actions its state allows. */
export function TaskDetailPage() {
  const id = useParams().id!;
  // From the delete's click on, the task is not read again: it may be gone before the page moves away.
  const [deleting, setDeleting] = useState<string | null>(null);
  const task = useTask(id, { enabled: deleting !== id });
  return (
    <section aria-labelledby="task-title">
      <h1 id="task-title">
        Task <span className="mono">{id}</span>
      </h1>
      {task.error instanceof ApiError && task.error.status === 404 ? (
        <p role="alert" className="notice error">
          No task {id}: it never existed, or its retention window passed (24 h for finished tasks, 14 days for
          dead ones) and no task history (PostgreSQL) holds it.
        </p>
      ) : (
        <ErrorNotice error={task.error} what="load the task" />
      )}
      {task.data && <TaskView task={task.data} onDeleting={setDeleting} />}
    </section>
  );
}

/** The buttons of each action, by the states it applies to. */
const ACTION_BUTTONS: {
  action: TaskAction;
  label: string;
  confirm?: (task: Task) => string;
  danger?: boolean;
}[] = [
  { action: 'run', label: 'Run now' },
  { action: 'retry', label: 'Retry' },
  {
    action: 'cancel',
    label: 'Cancel task',
    danger: true,
    confirm: (t) =>
      t.status === 'running'
        ? `Cancel ${t.id} while it runs? Its worker aborts the handler at its next lease extension and the task ends canceled.`
        : `Cancel ${t.id}? It will not run.`,
  },
  {
    action: 'delete',
    label: 'Delete',
    danger: true,
    confirm: (t) => `Delete ${t.status} task ${t.id} for good, from Redis and from the task history?`,
  },
];

const DONE_TEXT: Record<TaskAction, (task: Task) => string> = {
  run: () => 'Sent to pending: it runs as soon as a worker is free.',
  retry: () => 'Retried: the task is pending again with fresh attempts.',
  cancel: (t) =>
    t.status === 'running'
      ? 'Cancel requested: the worker aborts the task at its next lease extension.'
      : 'Canceled.',
  delete: () => 'Deleted.',
};

function TaskView({ task, onDeleting }: { task: Task; onDeleting: (id: string | null) => void }) {
  // What the last action did; a cancel request's word only while the task still runs.
  const [outcome, setOutcome] = useState<{ text: string; whileRunning: boolean } | null>(null);
  const navigate = useNavigate();
  const act = useTaskAction();
  // The worker that runs or ran it (workerId, from its claim), looked up in the live-worker registry for
  // its host and pid: polled while the task runs, asked once for a finished one.
  const running = task.status === 'running';
  const workers = useWorkers({ enabled: running || task.workerId !== null, live: running });
  const runner =
    workers.data?.workers.find((w) => w.id === task.workerId) ??
    (running ? workers.data?.workers.find((w) => w.runningTaskIds.includes(task.id)) : undefined);
  const waited = between(task.runAt ?? task.createdAt, task.startedAt);
  const ran = between(task.startedAt, task.finishedAt);
  const run = (action: TaskAction) => {
    if (action === 'delete') onDeleting(task.id);
    act.mutate(
      { id: task.id, action },
      {
        onError: () => {
          if (action === 'delete') onDeleting(null);
        },
        onSuccess: () => {
          setOutcome({
            text: DONE_TEXT[action](task),
            whileRunning: action === 'cancel' && task.status === 'running',
          });
          // A deleted task has no page any more: back to where its kind is listed.
          if (action === 'delete')
            void navigate(`/tasks?queue=${encodeURIComponent(task.queue)}&state=${task.status}`, {
              state: { deleted: task.id },
            });
        },
      },
    );
  };
  const buttons = ACTION_BUTTONS.filter(
    (b) =>
      ACTION_STATES[b.action].includes(task.status) &&
      // The history is read-only but for delete; a cancel already asked for is not asked again.
      (task.source === 'redis' || b.action === 'delete') &&
      !(b.action === 'cancel' && task.cancelRequestedAt !== null),
  );

  return (
    <>
      <div className="toolbar" role="group" aria-label="Actions on this task">
        {buttons.map((b) =>
          b.confirm ? (
            <ConfirmButton
              key={b.action}
              label={b.label}
              question={b.confirm(task)}
              confirm={b.label}
              dismiss={b.action === 'cancel' ? 'Keep it' : undefined}
              danger={b.danger}
              disabled={act.isPending}
              onConfirm={() => run(b.action)}
            />
          ) : (
            <button key={b.action} type="button" disabled={act.isPending} onClick={() => run(b.action)}>
              {b.label}
            </button>
          ),
        )}
      </div>
      <ErrorNotice error={act.error} what="act on the task" />
      <StatusNotice>
        {outcome && (!outcome.whileRunning || task.status === 'running') ? outcome.text : null}
      </StatusNotice>
      {task.cancelRequestedAt && (
        <p className="notice" role="status">
          Cancel requested at {formatTime(task.cancelRequestedAt)}: the worker aborts it at its next lease
          extension, and it ends canceled.
        </p>
      )}

      <dl className="fields">
        <dt>Status</dt>
        <dd>
          <StateBadge state={task.status} />
          {task.deadReason && <span> ({task.deadReason})</span>}
        </dd>
        <dt>Queue</dt>
        <dd>
          <Link
            to={task.status === 'dead' ? `/dead/${encodeURIComponent(task.queue)}` : '/queues'}
            className="mono"
          >
            {task.queue}
          </Link>
        </dd>
        {task.partition > 0 && (
          <>
            <dt>Partition</dt>
            <dd>
              {task.partition}{' '}
              <span className="hint">(of the partitioned queue {task.queue}; the id names it)</span>
            </dd>
          </>
        )}
        <dt>Type</dt>
        <dd className="mono">{task.type}</dd>
        <dt>Priority</dt>
        <dd>
          {task.priority}{' '}
          <span className="hint">(0–9; 9 is claimed first. In BullMQ a lower number runs first.)</span>
        </dd>
        {(running || task.workerId !== null) && (
          <>
            <dt>{running ? 'Running on' : 'Ran on (last attempt)'}</dt>
            <dd>
              {runner ? (
                <Link to="/workers" className="mono">
                  {runner.id} ({runner.host}, pid {runner.pid})
                </Link>
              ) : task.workerId !== null ? (
                <>
                  <span className="mono">{task.workerId}</span>
                  {workers.isSuccess && ' (not alive now: it stopped, or its heartbeat did)'}
                </>
              ) : (
                'a worker that has not reported it yet (or whose heartbeat stopped)'
              )}
            </dd>
          </>
        )}
        {task.group !== null && (
          <>
            <dt>Fair group</dt>
            <dd>
              <Link
                className="mono"
                to={`/tasks?queue=${encodeURIComponent(task.queue)}&state=pending&group=${encodeURIComponent(task.group)}`}
              >
                {task.group}
              </Link>
            </dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>
          {task.attempt} of {task.maxAttempts}
        </dd>
        <dt>Timeout</dt>
        <dd>{task.timeoutMs === null ? "the worker's default" : formatDuration(task.timeoutMs)}</dd>
        <dt>Idempotency key</dt>
        <dd className="mono">{task.idempotencyKey ?? '—'}</dd>
        {task.progress !== null && (
          <>
            <dt>Progress</dt>
            <dd className="mono">
              {typeof task.progress === 'number' ? `${task.progress} %` : JSON.stringify(task.progress)}
            </dd>
          </>
        )}
        {task.traceparent && (
          <>
            <dt>Trace context</dt>
            <dd className="mono">{task.traceparent}</dd>
          </>
        )}
        <dt>Read from</dt>
        <dd>
          {task.source === 'archive'
            ? 'the task history (PostgreSQL): Redis retention has removed it'
            : 'Redis (the live task)'}
        </dd>
      </dl>

      <h2>Timings</h2>
      <dl className="fields">
        <dt>Created</dt>
        <dd>{formatTime(task.createdAt)}</dd>
        <dt>Run at</dt>
        <dd>{formatTime(task.runAt)}</dd>
        <dt>Started (last attempt)</dt>
        <dd>{formatTime(task.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(task.finishedAt)}</dd>
        <dt>Waited before its last start</dt>
        <dd>{formatDuration(waited)}</dd>
        <dt>Last attempt ran</dt>
        <dd>{formatDuration(ran)}</dd>
      </dl>

      <h2>Payload</h2>
      <pre className="json" tabIndex={0} aria-label="Payload">
        {formatJson(task.payload)}
      </pre>
      <h2>Result</h2>
      <pre className="json" tabIndex={0} aria-label="Result">
        {task.result === null ? '—' : formatJson(task.result)}
      </pre>

      <h2>Errors</h2>
      {task.errors.length === 0 ? (
        <p>No attempt failed.</p>
      ) : (
        <div className="table-scroll">
          <table className="data">
            <caption className="visually-hidden">Failed attempts, the last 10</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">At</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {task.errors.map((e) => (
                <tr key={`${e.attempt}-${e.at}`}>
                  <td className="num">{e.attempt}</td>
                  <td>{formatTime(e.at)}</td>
                  <td className="error-text">{e.error}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

import { Link } from 'react-router';
import { useQueues, useWorkers } from '../api/hooks';
import { TASK_STATES, type QueueView, type StateCounts } from '../api/types';
import { ErrorNotice } from '../components/notice';
import { formatCount, formatDuration } from '../format';

function totals(queues: QueueView[]): StateCounts {
  const sum = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
  for (const q of queues) for (const s of TASK_STATES) sum[s] += q.counts[s];
  return sum;
}

/** The whole system at a glance: workers alive, totals per state and the oldest pending task of each queue. */
export function OverviewPage() {
  const queues = useQueues();
  const workers = useWorkers();
  const sum = queues.data ? totals(queues.data) : undefined;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorNotice error={queues.error} what="load the queues" />
      <ErrorNotice error={workers.error} what="load the workers" />
      {workers.data && (
        <ul className="tiles">
          <li className="tile">
            <span className="tile-label">workers alive</span>
            <span className="tile-value">
              <Link to="/workers">{formatCount(workers.data.total)}</Link>
            </span>
          </li>
          <li className="tile">
            <span className="tile-label">busy slots</span>
            <span className="tile-value">
              {formatCount(workers.data.workers.reduce((n, w) => n + w.busySlots, 0))} /{' '}
              {formatCount(workers.data.workers.reduce((n, w) => n + w.concurrency, 0))}
            </span>
          </li>
        </ul>
      )}
      {sum && (
        <>
          <h2>Tasks per state</h2>
          <ul className="tiles">
            {TASK_STATES.map((state) => (
              <li key={state} className={`tile state-${state}`}>
                <span className="tile-label">{state}</span>
                <span className="tile-value">{formatCount(sum[state])}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {queues.data && (
        <>
          <h2>Oldest pending task per queue</h2>
          <table className="data">
            <caption className="visually-hidden">Oldest pending task per queue</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Oldest pending</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {queues.data.map((q) => (
                <tr key={q.name}>
                  <td>
                    <Link to="/queues" className="mono">
                      {q.name}
                    </Link>
                  </td>
                  <td className="num">{formatCount(q.waiting)}</td>
                  <td>{formatDuration(q.oldestPendingAgeMs)}</td>
                  <td>{q.paused ? 'paused' : 'active'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

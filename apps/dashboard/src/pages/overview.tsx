import { Link } from 'react-router';
import { useMemo } from 'react';
import { useHistory, useQueues, useWorkers } from '../api/hooks';
import { TimeChart, type ChartSeries } from '../components/chart';
import { TASK_STATES, type QueueView, type StateCounts } from '../api/types';
import { ErrorNotice } from '../components/notice';
import { formatCount, formatDuration } from '../format';

const HISTORY_MINUTES = 60;

function totals(queues: QueueView[]): StateCounts {
  const sum = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
  for (const q of queues) for (const s of TASK_STATES) sum[s] += q.counts[s];
  return sum;
}

/** The whole system at a glance: workers alive, totals per state and the oldest pending task of each queue. */
export function OverviewPage() {
  const queues = useQueues();
  const workers = useWorkers();
  const history = useHistory(HISTORY_MINUTES);
  const chart = useMemo(() => {
    if (!history.data) return undefined;
    const points = history.data.points;
    const series: ChartSeries[] = [
      { label: 'processed', stroke: '#0b5cad', values: points.map((p) => p.processed) },
      { label: 'failed', stroke: '#a4161a', values: points.map((p) => p.failed) },
    ];
    return { times: points.map((p) => new Date(p.at).getTime() / 1000), series };
  }, [history.data]);
  const sum = queues.data ? totals(queues.data) : undefined;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ErrorNotice error={queues.error} what="load the queues" />
      <ErrorNotice error={workers.error} what="load the workers" />
      <ErrorNotice error={history.error} what="load the history" />
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
      {history.data && chart && (
        <>
          <h2>Processed and failed per minute, last {HISTORY_MINUTES} minutes</h2>
          <p className="hint">
            {formatCount(history.data.totals.processed)} attempts ended,{' '}
            {formatCount(history.data.totals.failed)} of them failed (retried, dead or lease expired). The
            last minute is still counting.
          </p>
          <TimeChart
            times={chart.times}
            series={chart.series}
            summary={`Chart of attempts per minute over the last ${HISTORY_MINUTES} minutes: ${history.data.totals.processed} processed, ${history.data.totals.failed} failed.`}
          />
        </>
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
          <div className="table-scroll">
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
          </div>
        </>
      )}
    </section>
  );
}

import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';

/**
 * A task id is `<queue>.<local id>`, or `<queue>.<partition>.<local id>` in partition 1..255 of a partitioned
 * queue (ADR 0040); the local id has 20 characters, or 26 (a ULID) before ADR 0045 (docs/api.md). The same
 * shape as core's parseTaskId, which the API applies to what this lets through.
 */
const TASK_ID = /^[A-Za-z0-9_-]{1,64}\.(?:[1-9][0-9]{0,2}\.)?(?:[0-9A-Za-z]{20}|[0-9A-HJKMNP-TV-Z]{26})$/;

const PAGES = [
  { to: '/', label: 'Overview', end: true },
  { to: '/queues', label: 'Queues', end: false },
  { to: '/tasks', label: 'Tasks', end: true },
  { to: '/dead', label: 'Dead letters', end: false },
  { to: '/workers', label: 'Workers', end: true },
  { to: '/schedules', label: 'Schedules', end: true },
  { to: '/history', label: 'History', end: true },
];

interface LayoutProps {
  apiUrl: string;
  signedIn: boolean;
  onSignOut: () => void;
  children: ReactNode;
}

/** The frame of every page: a skip link, the navigation, the search by task id and the token button. */
export function Layout({ apiUrl, signedIn, onSignOut, children }: LayoutProps) {
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <span className="brand">tq</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page.to}>
                <NavLink to={page.to} end={page.end}>
                  {page.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <TaskSearch />
        <div className="session">
          <span className="api-url" title="The API this dashboard talks to">
            {apiUrl}
          </span>
          {signedIn && (
            <button type="button" onClick={onSignOut}>
              Forget token
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Opens a task by its id. */
function TaskSearch() {
  const navigate = useNavigate();
  const [id, setId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const inputId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = id.trim();
    if (!TASK_ID.test(trimmed)) {
      setProblem(
        'A task id looks like mail.0UnKg2Jq7xR4bN8cT1wYe5Lz (queue, dot, 20-character id; 26 before ADR 0045), or mail.3.0UnKg2Jq7xR4bN8cT1wYe5Lz in partition 3 of a partitioned queue.',
      );
      return;
    }
    setProblem(null);
    setId('');
    void navigate(`/tasks/${encodeURIComponent(trimmed)}`);
  };
  return (
    <div role="search" className="task-search">
      <form onSubmit={submit}>
        <label htmlFor={inputId}>Task id</label>
        <input
          id={inputId}
          value={id}
          onChange={(e) => setId(e.target.value)}
          placeholder="queue.0VcisPf49U…"
          spellCheck={false}
          aria-describedby={problem ? `${inputId}-problem` : undefined}
          aria-invalid={problem ? true : undefined}
        />
        <button type="submit">Open</button>
      </form>
      {problem && (
        <p id={`${inputId}-problem`} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

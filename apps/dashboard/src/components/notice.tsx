import { ApiError } from '../api/client';

/** An error from the API, said in its own words (problem+json detail), announced to screen readers. */
export function ErrorNotice({ error, what }: { error: unknown; what: string }) {
  if (!error) return null;
  const detail =
    error instanceof ApiError
      ? `${error.message} (HTTP ${error.status})`
      : error instanceof Error
        ? error.message
        : JSON.stringify(error);
  return (
    <p className="notice error" role="alert">
      Could not {what}: {detail}
    </p>
  );
}

/** A status line for the outcome of an action. */
export function StatusNotice({ children }: { children: React.ReactNode }) {
  if (!children) return null;
  return (
    <p className="notice ok" role="status">
      {children}
    </p>
  );
}

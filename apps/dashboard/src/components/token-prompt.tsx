import { useId, useState, type FormEvent } from 'react';

interface TokenPromptProps {
  /** Why the prompt shows: no token yet, or the last one was refused. */
  reason: 'missing' | 'refused';
  apiUrl: string;
  onToken: (token: string) => void;
}

/**
 * Asks for the API's bearer token. It is kept in sessionStorage for this tab only and sent in the
 * Authorization header of every call, never in a URL.
 */
export function TokenPrompt({ reason, apiUrl, onToken }: TokenPromptProps) {
  const [token, setToken] = useState('');
  const inputId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (trimmed) onToken(trimmed);
  };
  return (
    <section className="token-prompt" aria-labelledby={`${inputId}-title`}>
      <h1 id={`${inputId}-title`}>Sign in to tq</h1>
      {reason === 'refused' ? (
        <p className="notice error" role="alert">
          The API refused that token. Enter a valid token.
        </p>
      ) : (
        <p>The API at {apiUrl} needs a bearer token (one of its API_TOKENS).</p>
      )}
      <form onSubmit={submit}>
        <label htmlFor={inputId}>API token</label>
        <input
          id={inputId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <button type="submit">Use token</button>
      </form>
      <p className="hint">The token stays in this tab (sessionStorage) and is gone when the tab closes.</p>
    </section>
  );
}

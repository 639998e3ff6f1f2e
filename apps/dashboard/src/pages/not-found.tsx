import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section aria-labelledby="nf-title">
      <h1 id="nf-title">No such page</h1>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </section>
  );
}

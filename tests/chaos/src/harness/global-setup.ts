import { beginRun } from './report';

/** Jest globalSetup: a scenario run (TQ_CHAOS set) starts with a clean results/ summary set. */
export default function globalSetup(): void {
  const selection = (process.env.TQ_CHAOS ?? '').trim();
  if (selection !== '') beginRun(selection);
}

import { writeReport } from './report';

/** Jest globalTeardown: the combined report of the run, stamped with its wall time. */
export default function globalTeardown(): void {
  if ((process.env.TQ_CHAOS ?? '').trim() !== '') writeReport(true);
}

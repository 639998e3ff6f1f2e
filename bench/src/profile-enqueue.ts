/**
 * Profiling helper (run by `--profile` under node --cpu-prof): enqueues N tasks through TaskService.submitBatch
 * in calls of 1000, as scenario 1's bulk producer does, and prints the rate. Args: <redis url> <queue> <n>.
 */
import { createProducer } from './producers';

async function main(): Promise<void> {
  const [url = '', queue = 'bench-profile', n = '50000'] = process.argv.slice(2);
  const producer = await createProducer('tq', url, queue);
  const batch = Array.from({ length: 1000 }, () => 'hello world');
  const t0 = Date.now();
  for (let sent = 0; sent < Number(n); sent += batch.length) await producer.addBulk(batch);
  console.log(`${Math.round(Number(n) / ((Date.now() - t0) / 1000))} tasks/s`);
  await producer.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

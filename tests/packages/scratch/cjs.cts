// A CommonJS user of @tq/client: submits the seed task and waits for it.
import { TqClient, TqNotFoundError, type Task } from '@tq/client';

async function main(): Promise<void> {
  const tq = new TqClient({ url: process.env.TQ_URL!, token: process.env.TQ_TOKEN });
  const queue = process.env.QUEUE!;
  const submitted: Task = await tq.submit({ type: 'email', payload: 'hello world', queue });
  const done: Task = await tq.waitFor(submitted.id, { timeoutMs: 60_000 });
  const missing: unknown = await tq
    .get(`${queue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`)
    .catch((error: unknown) => error);
  console.log(
    JSON.stringify({
      resolved: require.resolve('@tq/client'),
      task: done,
      notFound: missing instanceof TqNotFoundError && missing.status === 404,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

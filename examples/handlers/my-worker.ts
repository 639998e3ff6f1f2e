/**
 * The worker runtime as a library: your own process, your own handlers, typed.
 * Run with the @tq/worker and @tq/core packages installed; REDIS_URL as for the stock worker.
 */
import { createRedis } from '@tq/core';
import { join } from 'node:path';
import { PermanentError, createWorker, loadHandlerModule, type Handler } from '@tq/worker';

/** A typed handler: validate the payload (it comes from whoever called the API), honor the signal. */
const chargeCard: Handler = async ({ id, payload, signal }) => {
  const { customerId, cents } = payload as { customerId?: string; cents?: number };
  if (!customerId || !Number.isInteger(cents))
    throw new PermanentError('charge needs {customerId, cents}', 'invalid_payload');
  // The task id is the same on every attempt: pass it as the payment provider's idempotency key.
  const response = await fetch('https://payments.example.com/charges', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': id },
    body: JSON.stringify({ customerId, cents }),
    signal,
  });
  if (response.status === 402) throw new PermanentError('card declined', 'card_declined'); // retrying will not help
  if (!response.ok) throw new Error(`payments answered ${response.status}`); // retried with backoff
  return { chargeId: ((await response.json()) as { id: string }).id };
};

async function main(): Promise<void> {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379');
  const worker = createWorker({
    redis,
    queues: ['payments'],
    handlers: {
      'charge.card': chargeCard,
      // The module the stock worker loads through HANDLER_MODULES works here too.
      ...loadHandlerModule(join(__dirname, 'handlers.js')),
    },
    concurrency: 20,
    visibilityTimeoutMs: 30_000,
  });
  await worker.start();
  // worker.registry holds the tq_* metrics: serve it on /metrics with prom-client's registry.metrics().

  process.once('SIGTERM', () => {
    // Finish or release running tasks first, then close Redis.
    void worker
      .stop()
      .then(() => redis.quit())
      .then(() => process.exit(0));
  });
}

void main();

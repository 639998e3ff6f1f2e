/**
 * The gRPC load generator of `pnpm bench:grpc`, in its own process so its CPU is not the server's: the
 * counterpart of autocannon for tq.v1.TaskService. Argv[2] is JSON {address, method: 'Submit' |
 * 'SubmitBatch', batch, connections, durationS}: `connections` channels (each its own HTTP/2 connection),
 * each with one call in flight at a time (autocannon's pipelining 1), for durationS. Prints {ok, errors,
 * durationS, latencyP50Ms, latencyP99Ms, firstError, cpuS} as JSON (cpuS: this process's CPU during the run).
 */
import { performance } from 'node:perf_hooks';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadTqProto } from '@tq/api';
import { percentile } from './stats';

interface Options {
  address: string;
  method: 'Submit' | 'SubmitBatch';
  batch: number;
  connections: number;
  durationS: number;
}

type Call = (request: unknown, callback: (error: ServiceError | null) => void) => void;

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as Options;
  const proto = loadPackageDefinition(loadTqProto()) as unknown as {
    tq: { v1: { TaskService: new (address: string, creds: unknown, options: object) => Client } };
  };
  const task = { type: 'noop', queue: 'bench-grpc', payload: { stringValue: 'hello world' } };
  const request = o.method === 'Submit' ? task : { tasks: Array.from({ length: o.batch }, () => task) };
  const clients = Array.from(
    { length: o.connections },
    // A local subchannel pool: one connection per client, as autocannon opens one per connection.
    () =>
      new proto.tq.v1.TaskService(o.address, credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  const cpu = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const cpu0 = cpu();
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const until = started + o.durationS * 1000;
  await Promise.all(
    clients.map(async (client) => {
      const call = (client as unknown as Record<string, Call>)[o.method]!.bind(client);
      while (performance.now() < until) {
        const t0 = performance.now();
        const error = await new Promise<ServiceError | null>((resolve) => call(request, resolve));
        if (error) {
          errors++;
          firstError ??= `${error.code} ${error.details}`;
        } else latencies.push(performance.now() - t0);
      }
    }),
  );
  const durationS = (performance.now() - started) / 1000;
  for (const c of clients) c.close();
  process.stdout.write(
    JSON.stringify({
      ok: latencies.length,
      errors,
      durationS,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      firstError,
      cpuS: cpu() - cpu0,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

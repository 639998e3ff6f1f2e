/**
 * The load generator (scenario 2), in its own process so its CPU is not the server's: runs autocannon
 * with the options given as JSON in argv[2] and prints its result as JSON on stdout.
 */
import autocannon from 'autocannon';

/** CPU seconds this process used so far (user + system): the run's is reported, start-up excluded. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as autocannon.Options;
  const cpu0 = cpuSeconds();
  const result = await autocannon(options);
  const cpuS = cpuSeconds() - cpu0;
  process.stdout.write(
    JSON.stringify({
      ok2xx: result['2xx'],
      total: result.requests.total,
      durationS: result.duration,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      cpuS,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

#!/usr/bin/env bash
# A real Prometheus scrapes running tq services: every job is up and exports tq_* series, and every alert
# rule evaluates without error against them.
#
#   API_PORT=8080 WORKER_METRICS_PORT=9101 REAPER_METRICS_PORT=9102 infra/prometheus/scrape-test.sh
#
# The services must already run on 127.0.0.1. The config is the shipped prometheus.yml with those ports
# and a 1 s scrape and evaluation interval (so the test does not wait out the 15 s cadence); the rules are
# the shipped ones. Prometheus runs on a free port with a throwaway TSDB and is stopped on exit.
# Env: SCRAPE_TEST_DEADLINE_S (default 60), PROMETHEUS_BIN (default: prometheus on PATH).
set -euo pipefail

: "${API_PORT:?set API_PORT to the HTTP port of the API}"
: "${WORKER_METRICS_PORT:?set WORKER_METRICS_PORT to METRICS_PORT of the worker}"
: "${REAPER_METRICS_PORT:?set REAPER_METRICS_PORT to METRICS_PORT of the reaper}"
deadline_s=${SCRAPE_TEST_DEADLINE_S:-60}
prometheus_bin=${PROMETHEUS_BIN:-prometheus}
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d)
prom_pid=
cleanup() {
  if [ -n "$prom_pid" ] && kill -0 "$prom_pid" 2>/dev/null; then
    kill "$prom_pid"
    wait "$prom_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Placeholders first, so that a port equal to another job's default (API_PORT=9101) is not rewritten twice.
cp -r "$here/rules" "$work/rules"
sed -e "s/'127\.0\.0\.1:8080'/'@API@'/" \
  -e "s/'127\.0\.0\.1:9101'/'@WORKER@'/" \
  -e "s/'127\.0\.0\.1:9102'/'@REAPER@'/" \
  -e 's/^  scrape_interval: 15s$/  scrape_interval: 1s/' \
  -e 's/^  evaluation_interval: 15s$/  evaluation_interval: 1s/' \
  "$here/prometheus.yml" |
  sed -e "s/@API@/127.0.0.1:${API_PORT}/" \
    -e "s/@WORKER@/127.0.0.1:${WORKER_METRICS_PORT}/" \
    -e "s/@REAPER@/127.0.0.1:${REAPER_METRICS_PORT}/" >"$work/prometheus.yml"
for expected in "'127.0.0.1:${API_PORT}'" "'127.0.0.1:${WORKER_METRICS_PORT}'" "'127.0.0.1:${REAPER_METRICS_PORT}'" \
  '  scrape_interval: 1s' '  evaluation_interval: 1s'; do
  grep -qF -- "$expected" "$work/prometheus.yml" || {
    echo "scrape-test: prometheus.yml no longer has the expected shape (missing $expected after rewrite)" >&2
    exit 1
  }
done

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
echo "scrape-test: prometheus on 127.0.0.1:$port scraping api :$API_PORT, worker :$WORKER_METRICS_PORT, reaper :$REAPER_METRICS_PORT"
"$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prom_pid=$!

# Polls the HTTP API until every job is up, has tq_* series and every rule evaluated cleanly.
if ! node - "http://127.0.0.1:$port" "$deadline_s" "$prom_pid" <<'EOF'; then
const [base, deadlineS, pid] = process.argv.slice(2);
const jobs = ['tq-api', 'tq-worker', 'tq-reaper'];
const deadline = Date.now() + Number(deadlineS) * 1000;
const get = async (path) => {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(2000) });
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
};
const check = async () => {
  const targets = (await get('/api/v1/targets')).activeTargets;
  const down = jobs.filter((job) => !targets.some((t) => t.labels.job === job && t.health === 'up'));
  if (down.length) {
    const why = targets.filter((t) => down.includes(t.labels.job)).map((t) => `${t.labels.job} ${t.scrapeUrl}: ${t.health} ${t.lastError}`);
    return `not up: ${down.join(', ')} (${why.join('; ') || 'no targets yet'})`;
  }
  const query = encodeURIComponent('count by (job) ({__name__=~"tq_.+"})');
  const counts = Object.fromEntries((await get(`/api/v1/query?query=${query}`)).result.map((r) => [r.metric.job, Number(r.value[1])]));
  const missing = jobs.filter((job) => !(counts[job] > 0));
  if (missing.length) return `no tq_* series yet from: ${missing.join(', ')}`;
  const rules = (await get('/api/v1/rules')).groups.flatMap((g) => g.rules);
  const bad = rules.filter((r) => r.health !== 'ok');
  if (bad.length) return `rules not evaluated cleanly: ${bad.map((r) => `${r.name} ${r.health} ${r.lastError ?? ''}`).join('; ')}`;
  console.log(`scrape-test: all jobs up; tq_* series per job: ${jobs.map((j) => `${j}=${counts[j]}`).join(', ')}; ${rules.length} rules ok`);
  return null;
};
(async () => {
  let last = 'prometheus not answering yet';
  while (Date.now() < deadline) {
    try {
      process.kill(Number(pid), 0);
    } catch {
      console.error('scrape-test: FAILED: prometheus exited');
      process.exit(1);
    }
    try {
      last = (await check()) ?? process.exit(0);
    } catch (error) {
      last = `prometheus not answering yet (${error.cause?.code ?? error.message})`;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`scrape-test: FAILED after ${deadlineS} s: ${last}`);
  process.exit(1);
})();
EOF
  echo "--- prometheus log" >&2
  cat "$work/prometheus.log" >&2
  exit 1
fi

// Docker HEALTHCHECK of the tq images: exits 0 when the service answers GET /healthz (process up; it does
// not depend on Redis, so a Redis outage does not mark every container unhealthy).
// Port: PORT (the API), else METRICS_PORT (worker and reaper), else the port baked in at build (APP_PORT).
const port = process.env.PORT || process.env.METRICS_PORT || process.env.TQ_HEALTH_PORT;

fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);

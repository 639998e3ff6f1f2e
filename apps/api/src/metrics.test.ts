import { spawnSync } from 'node:child_process';
import { metricSample, randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi } from './test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: 'metrics-token' });
});
afterAll(() => api.close());

const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';
const token = 'metrics-token';

/** A sample's value from the text format, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests by route pattern, method and status, and tasks by queue and reason', async () => {
    const queue = randomQueueName();
    const body = { type: 'email', queue };
    const { body: task } = await call(api, 'POST', '/tasks', {
      body,
      token,
      headers: { 'Idempotency-Key': queue },
    });
    await call(api, 'POST', '/tasks', { body, token, headers: { 'Idempotency-Key': queue } });
    await call(api, 'GET', `/tasks/${task.id}`, { token });
    await call(api, 'POST', '/tasks', { body: '{', token });
    await call(api, 'POST', '/tasks', { raw: 'x', token });
    await call(api, 'GET', '/no/such/route', { token });
    const res = await call(api, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = res.body as string;
    expect(sample(text, 'tq_http_requests_total{route="/tasks",method="POST",status="201"}')).toBe(1);
    expect(sample(text, 'tq_http_requests_total{route="/tasks",method="POST",status="200"}')).toBe(1);
    expect(sample(text, 'tq_http_requests_total{route="/tasks/:id",method="GET",status="200"}')).toBe(1);
    expect(sample(text, 'tq_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(
      sample(text, 'tq_http_request_duration_seconds_count{route="/tasks/:id",method="GET",status="200"}'),
    ).toBe(1);
    expect(sample(text, `tq_tasks_enqueued_total{queue="${queue}"}`)).toBe(1);
    expect(sample(text, `tq_idempotent_replays_total{queue="${queue}"}`)).toBe(1);
    expect(sample(text, 'tq_tasks_rejected_total{reason="invalid"}')).toBe(1);
    expect(sample(text, 'tq_tasks_rejected_total{reason="unsupported_media_type"}')).toBe(1);
    expect(sample(text, 'tq_tasks_rejected_total{reason="queue_full"}')).toBe(0);
    expect(sample(text, 'tq_redis_up')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // No task id reaches a label: routes are patterns.
    expect(text).not.toContain(task.id);
  });

  it("has the submission series of the default queue at 0 from the start, and a queue's replays at 0 from its first task", async () => {
    const fresh = await startTestApi();
    try {
      let text = (await call(fresh, 'GET', '/metrics')).body as string;
      expect(metricSample(text, 'tq_tasks_enqueued_total', { queue: 'default' })).toBe(0);
      expect(metricSample(text, 'tq_idempotent_replays_total', { queue: 'default' })).toBe(0);
      const queue = randomQueueName();
      await call(fresh, 'POST', '/tasks', { body: { type: 'email', queue } });
      text = (await call(fresh, 'GET', '/metrics')).body as string;
      expect(metricSample(text, 'tq_tasks_enqueued_total', { queue })).toBe(1);
      expect(metricSample(text, 'tq_idempotent_replays_total', { queue })).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('passes `promtool check metrics`', async () => {
    await call(api, 'POST', '/tasks', { body: { type: 'email', queue: randomQueueName() }, token });
    const text = (await call(api, 'GET', '/metrics')).body as string;
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error) {
      throw new Error(
        `cannot run ${PROMTOOL} (${check.error.message}): install it (apt-get install prometheus, or a release ` +
          'from https://prometheus.io/download/) or set PROMTOOL_BIN',
      );
    }
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });

  it('logs one line per request at info, with method, route, status and ms, and never the payload', async () => {
    const secret = `payload-${randomQueueName()}`;
    await call(api, 'POST', '/tasks', {
      body: { type: 'email', queue: randomQueueName(), payload: secret },
      token,
    });
    await call(api, 'POST', '/tasks', { body: { type: 5, payload: secret }, token });
    const lines = api.logs.filter((l) => l.msg === 'request' && l.route === '/tasks');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/tasks',
      status: 400,
      ms: expect.any(Number),
    });
    expect(JSON.stringify(api.logs)).not.toContain(secret);
  });
});

import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { TaskRepository, TaskService, formatTraceparent } from '@tq/task';
import { waitFor } from '@tq/testing';
import { closeHarnesses, startHarness } from './test-support/harness';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  // What an application does when it installs the OpenTelemetry SDK; tq itself only uses @opentelemetry/api.
  trace.setGlobalTracerProvider(provider);
});
afterEach(closeHarnesses);
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('trace context', () => {
  it("puts the submit span and every attempt's process span in one trace, each attempt a child of the submission", async () => {
    const h = await startHarness({
      backoff: { baseMs: 1, capMs: 1 },
      handlers: {
        flaky: ({ attempt }) =>
          attempt === 1 ? Promise.reject(new Error('first attempt fails')) : Promise.resolve('ok'),
      },
    });
    const service = new TaskService(new TaskRepository(h.redis));
    // The producer application's own span, whose context it sends along (as the traceparent header).
    const submit = trace.getTracer('producer-app').startSpan('submit report');
    const traceparent = formatTraceparent(submit.spanContext());
    const { task } = await service.submit(
      { type: 'flaky', queue: h.queue.name, maxAttempts: 3 },
      undefined,
      traceparent,
    );
    submit.end();
    await waitFor(async () => (await h.task(task.id)).status === 'done', {
      timeoutMs: 15_000,
      message: 'the task done',
    });

    const spans = exporter.getFinishedSpans();
    const send = spans.find((s) => s.name === `send ${h.queue.name}`)!;
    const processes = spans.filter((s) => s.name === `process ${h.queue.name}`);
    expect(processes).toHaveLength(2);
    const traceId = submit.spanContext().traceId;
    for (const span of [send, ...processes]) expect(span.spanContext().traceId).toBe(traceId);

    expect(parentOf(send)).toBe(submit.spanContext().spanId);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'tq',
      'messaging.destination.name': h.queue.name,
      'messaging.operation.type': 'send',
    });
    // The task stores the send span's context, so each attempt is its child.
    expect((await h.task(task.id)).traceparent).toBe(formatTraceparent(send.spanContext()));
    for (const span of processes) {
      expect(parentOf(span)).toBe(send.spanContext().spanId);
      expect(span.kind).toBe(SpanKind.CONSUMER);
    }
    expect(processes.map((s) => [s.attributes['tq.task.attempt'], s.status.code])).toEqual([
      [1, SpanStatusCode.ERROR],
      [2, SpanStatusCode.UNSET],
    ]);
    expect(processes[0]!.attributes).toMatchObject({
      'messaging.system': 'tq',
      'messaging.destination.name': h.queue.name,
      'messaging.operation.type': 'process',
      'messaging.message.id': task.id,
      'tq.task.type': 'flaky',
    });
  });

  it('starts a new trace for a task submitted without one, and stores no traceparent when nothing records', async () => {
    const h = await startHarness({ handlers: { noop: () => Promise.resolve(null) } });
    const id = await h.enqueue('noop', null);
    await waitFor(async () => (await h.task(id)).status === 'done', {
      timeoutMs: 15_000,
      message: 'the task done',
    });
    expect((await h.task(id)).traceparent).toBeUndefined();
    const span = exporter.getFinishedSpans().find((s) => s.attributes['messaging.message.id'] === id)!;
    expect(parentOf(span)).toBeUndefined();
  });
});

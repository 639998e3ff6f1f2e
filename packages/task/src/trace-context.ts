import {
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

/** W3C Trace Context `traceparent`, version 00: trace id, parent span id, flags (lowercase hex). */
export const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The `messaging.system` of tq's spans. */
export const MESSAGING_SYSTEM = 'tq';

/**
 * tq's tracer, from `@opentelemetry/api` only: a no-op until the application installs an OpenTelemetry SDK
 * (its spans then go wherever that SDK exports them).
 */
export const tracer = trace.getTracer('tq');

/** The span context a `traceparent` carries, or undefined when it is not a valid one (W3C: then ignore it). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const match = value === undefined ? null : TRACEPARENT_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined; // all-zero ids are invalid
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16), isRemote: true };
}

/** The `traceparent` of a span context. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`;
}

/** A context whose parent is the span `traceparent` names (the root context without a valid one). */
export function contextOf(traceparent: string | undefined): Context {
  const parent = parseTraceparent(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** The messaging semantic-convention attributes of a span about queue `queue`. */
export function messagingAttributes(
  queue: string,
  operation: 'send' | 'process',
  extra: Attributes = {},
): Attributes {
  return {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.destination.name': queue,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    ...extra,
  };
}

/**
 * Starts the producer span of a submission to `queue`, child of `traceparent` when given, and returns it
 * with the traceparent to store: the span's own when an SDK records it, else the one given (so a trace
 * passes through tq unchanged when the API itself is not traced).
 */
export function startSendSpan(
  queue: string,
  traceparent: string | undefined,
): { span: Span; traceparent: string | undefined } {
  const span = tracer.startSpan(
    `send ${queue}`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes(queue, 'send') },
    contextOf(traceparent),
  );
  return { span, traceparent: span.isRecording() ? formatTraceparent(span.spanContext()) : traceparent };
}

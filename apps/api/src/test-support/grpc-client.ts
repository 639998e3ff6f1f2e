import { join } from 'node:path';
import {
  Metadata,
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../grpc/generated/tq';
import type { TaskServiceClient } from '../grpc/generated/tq/v1/TaskService';
import type { WatchResponse__Output } from '../grpc/generated/tq/v1/WatchResponse';
import { loadTqProto } from '../grpc/proto';

/**
 * A tq.v1.TaskService client typed by the generated code (src/grpc/generated, `pnpm --filter @tq/api
 * proto:gen`): the TypeScript client docs/grpc.md shows, compiled by this package's typecheck.
 */
export function taskServiceClient(address: string): TaskServiceClient {
  const proto = loadPackageDefinition(loadTqProto()) as unknown as ProtoGrpcType;
  return new proto.tq.v1.TaskService(address, credentials.createInsecure());
}

type UnaryMethod = 'Submit' | 'SubmitBatch' | 'Get' | 'Cancel' | 'GetQueue' | 'ListQueues';
type RequestOf<M extends UnaryMethod> = Parameters<TaskServiceClient[M]>[0];
type ResponseOf<M extends UnaryMethod> = Parameters<TaskServiceClient[M]>[1] extends (
  error: ServiceError | null,
  value?: infer R,
) => void
  ? R
  : never;

/** A call's outcome: the response, or the status with its trailers. */
export type Outcome<R> =
  { ok: true; value: R; code: 0 } | { ok: false; code: number; details: string; metadata: Metadata };

/** Metadata from plain pairs (authorization, idempotency-key, …). */
export function metadataOf(pairs: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(pairs)) metadata.set(key, value);
  return metadata;
}

/** Calls a unary method; resolves with its outcome, never rejects on a status. */
export function unary<M extends UnaryMethod>(
  client: TaskServiceClient,
  method: M,
  request: RequestOf<M>,
  pairs: Record<string, string> = {},
): Promise<Outcome<ResponseOf<M>>> {
  return new Promise((resolve) => {
    const fn = client[method] as unknown as (
      request: unknown,
      metadata: Metadata,
      options: { deadline: number },
      callback: (error: ServiceError | null, value?: ResponseOf<M>) => void,
    ) => void;
    fn.call(client, request, metadataOf(pairs), { deadline: Date.now() + 60_000 }, (error, value) => {
      if (error) resolve({ ok: false, code: error.code, details: error.details, metadata: error.metadata });
      else resolve({ ok: true, value: value!, code: 0 });
    });
  });
}

/** A Watch call: the messages so far, and how it ended once it has. */
export interface WatchReader {
  messages: WatchResponse__Output[];
  /** Resolves with the final status code and details (0 for OK). */
  ended: Promise<{ code: number; details: string }>;
  cancel(): void;
}

export function watch(
  client: TaskServiceClient,
  id: string,
  pairs: Record<string, string> = {},
): WatchReader {
  const call = client.Watch({ id }, metadataOf(pairs));
  const messages: WatchResponse__Output[] = [];
  call.on('data', (m: WatchResponse__Output) => messages.push(m));
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    call.on('status', (s: { code: number; details: string }) =>
      resolve({ code: s.code, details: s.details }),
    );
  });
  call.on('error', () => {}); // the status says it
  return { messages, ended, cancel: () => call.cancel() };
}

/** A client of a service of the .proto file at `file` (health, reflection), untyped. */
export function genericClient(
  address: string,
  file: string,
  includeDirs: string[],
  service: string,
): Client & Record<string, (...args: unknown[]) => unknown> {
  const definition = loadSync(file, {
    includeDirs,
    keepCase: true,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const Ctor = makeGenericClientConstructor(
    definition[service] as Parameters<typeof makeGenericClientConstructor>[0],
    service,
  );
  return new Ctor(address, credentials.createInsecure()) as unknown as Client &
    Record<string, (...args: unknown[]) => unknown>;
}

/** Where grpc-health-check and @grpc/reflection keep their .proto files. */
export const HEALTH_PROTO = {
  dir: join(require.resolve('grpc-health-check/package.json'), '..', 'proto'),
  file: 'health/v1/health.proto',
};
export const REFLECTION_PROTO = {
  dir: join(require.resolve('@grpc/reflection/package.json'), '..', 'build', 'proto'),
  file: 'grpc/reflection/v1/reflection.proto',
};

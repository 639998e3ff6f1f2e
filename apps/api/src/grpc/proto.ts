import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { Reader, util } from 'protobufjs';
import { MAX_JSON_DEPTH } from '../json-body';

/** The schema's path under its root. */
export const PROTO_FILE = 'tq/v1/tq.proto';

/**
 * How messages become JavaScript objects: camelCase fields, 64-bit integers as numbers (every int64 of the
 * schema is a count or milliseconds), unset scalars as their defaults, unset `optional` fields and message
 * fields absent or null, and a virtual field naming the set member of each oneof. The generated types
 * (src/grpc/generated, `pnpm --filter @tq/api proto:gen`) are made with the same options.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * The folder holding tq/v1/tq.proto: the repository's proto/ (from src/grpc or dist/grpc of apps/api), or
 * proto/ beside dist/ in the container image.
 */
export function protoRoot(): string {
  const candidates = [resolve(__dirname, '../../proto'), resolve(__dirname, '../../../../proto')];
  const found = candidates.find((dir) => existsSync(join(dir, PROTO_FILE)));
  if (!found) throw new Error(`${PROTO_FILE} not found under ${candidates.join(' or ')}`);
  return found;
}

/**
 * Message nesting this process encodes and decodes. protobuf's usual limit is 100 (protoc's and protobufjs's
 * default), and a JSON level is two messages in google.protobuf.Value (a Value and its ListValue or Struct):
 * at 100, a payload nested more than 49 deep could be stored over HTTP (MAX_JSON_DEPTH) and then neither
 * submitted nor read over gRPC. Clients in other languages keep their library's limit (docs/grpc.md).
 */
export const PROTO_RECURSION_LIMIT = 2 * MAX_JSON_DEPTH + 20;

/** The tq.v1 package definition (with google.protobuf.Struct/Value), for the server, reflection and clients. */
export function loadTqProto(): PackageDefinition {
  // protobufjs keeps the limit in two module-level places: the encoder and converters read util's, the decoder
  // Reader's (copied from util's when it loaded).
  util.recursionLimit = Math.max(util.recursionLimit, PROTO_RECURSION_LIMIT);
  Reader.recursionLimit = Math.max(Reader.recursionLimit, PROTO_RECURSION_LIMIT);
  return loadSync(PROTO_FILE, { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
}

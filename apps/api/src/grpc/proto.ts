import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { Reader, util } from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
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

/**
 * `definition` with each file descriptor naming the files it refers to as its dependencies, for server
 * reflection. proto-loader makes one descriptor per package (tq_v1.proto, google_protobuf.proto) and lists no
 * imports, so a tool that links what reflection answers (grpcurl) cannot resolve tq's google.protobuf.Value
 * (grpc-node issue #3018). A reference `a.b.Type` depends on the file of the longest package it starts with (a
 * name within the file's own package matches none: no dependency).
 */
export function withFileDependencies(definition: PackageDefinition): PackageDefinition {
  const files = new Map<string, FileDescriptorProtoType>();
  const nameOf = new Map<Buffer, string>();
  for (const entry of Object.values(definition)) {
    for (const bytes of ('fileDescriptorProtos' in entry ? entry.fileDescriptorProtos : []) as Buffer[]) {
      const file = FileDescriptorProto.decode(bytes) as unknown as FileDescriptorProtoType;
      nameOf.set(bytes, file.name);
      if (!files.has(file.name)) files.set(file.name, file);
    }
  }
  // proto-loader writes references as `google.protobuf.Value` or `AttemptError` (within the file's package).
  const fileOf = (typeName: string) => {
    const name = typeName.replace(/^\./, '');
    return [...files.values()]
      .filter((f) => name.startsWith(`${f.package}.`))
      .sort((a, b) => b.package.length - a.package.length)[0]?.name;
  };
  const encoded = new Map<string, Buffer>();
  for (const file of files.values()) {
    const refs = [
      ...messageFields(file.messageType ?? []).map((f) => f.typeName),
      ...(file.service ?? []).flatMap((s) => (s.method ?? []).flatMap((m) => [m.inputType, m.outputType])),
    ];
    const deps = new Set(refs.map((r) => (r ? fileOf(r) : undefined)).filter((n) => n && n !== file.name));
    file.dependency = [...deps] as string[];
    encoded.set(file.name, Buffer.from(FileDescriptorProto.encode(file as never).finish()));
  }
  const linked: PackageDefinition = {};
  for (const [name, entry] of Object.entries(definition)) {
    linked[name] =
      'fileDescriptorProtos' in entry
        ? ({
            ...entry,
            fileDescriptorProtos: (entry.fileDescriptorProtos as Buffer[]).map((bytes) =>
              encoded.get(nameOf.get(bytes)!)!,
            ),
          } as typeof entry)
        : entry;
  }
  return linked;
}

interface FileDescriptorProtoType {
  name: string;
  package: string;
  dependency?: string[];
  messageType?: MessageType[];
  service?: { method?: { inputType?: string; outputType?: string }[] }[];
}

interface MessageType {
  field?: { typeName?: string }[];
  nestedType?: MessageType[];
}

function messageFields(messages: MessageType[]): { typeName?: string }[] {
  return messages.flatMap((m) => [...(m.field ?? []), ...messageFields(m.nestedType ?? [])]);
}

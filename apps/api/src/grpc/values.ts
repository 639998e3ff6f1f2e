import type { Value, Value__Output } from './generated/google/protobuf/Value';

/** A google.protobuf.Value that is not a JSON value (a number that is not finite, or nesting past `maxDepth`). */
export class NotJsonError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'NotJsonError';
  }
}

/**
 * The JSON value a google.protobuf.Value holds, nested at most `maxDepth` arrays or objects deep (the HTTP
 * API's MAX_JSON_DEPTH); undefined for an unset field. `field` names it in errors.
 */
export function fromValue(value: Value__Output | null | undefined, field: string, maxDepth: number): unknown {
  if (value === null || value === undefined) return undefined;
  const walk = (v: Value__Output, path: string, depth: number): unknown => {
    switch (v.kind) {
      case 'nullValue':
      case undefined:
        return null;
      case 'boolValue':
        return v.boolValue;
      case 'stringValue':
        return v.stringValue;
      case 'numberValue':
        if (!Number.isFinite(v.numberValue)) {
          throw new NotJsonError(path, `${path} holds ${v.numberValue}, which is not a JSON number`);
        }
        return v.numberValue;
      case 'listValue':
      case 'structValue': {
        if (depth + 1 > maxDepth) {
          throw new NotJsonError(path, `${field} nests deeper than ${maxDepth} arrays or objects`);
        }
        if (v.kind === 'listValue') {
          return (v.listValue?.values ?? []).map((item, i) => walk(item, `${path}.${i}`, depth + 1));
        }
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(v.structValue?.fields ?? {})) {
          out[key] = walk(item, `${path}.${key}`, depth + 1);
        }
        return out;
      }
    }
  };
  return walk(value, field, 0);
}

/** A JSON value as a google.protobuf.Value; undefined (an unset field) for null and undefined. */
export function toValue(json: unknown): Value | undefined {
  if (json === null || json === undefined) return undefined;
  return valueOf(json);
}

function valueOf(json: unknown): Value {
  if (json === null || json === undefined) return { nullValue: 'NULL_VALUE' };
  switch (typeof json) {
    case 'boolean':
      return { boolValue: json };
    case 'number':
      return { numberValue: json };
    case 'string':
      return { stringValue: json };
    case 'object':
      if (Array.isArray(json)) return { listValue: { values: json.map(valueOf) } };
      return {
        structValue: {
          fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, valueOf(v)])),
        },
      };
    default:
      // Never in a task (its JSON was parsed): a function, a symbol or a bigint is no JSON value.
      return { nullValue: 'NULL_VALUE' };
  }
}

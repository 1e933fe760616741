/** Resolution of `$ref`s between schemas: relative to the referring schema's id. */

import { isObject, type Json } from './model.js';

/** A resolved `$ref`. */
export interface SchemaRef {
  /** The absolute schema id without fragment, e.g. `/schemas/queue/v1/task.json`. */
  readonly id: string;
  /** The JSON pointer inside it, `''` for the whole schema. */
  readonly pointer: string;
  /** Whether the schema belongs to the deployment (`/schemas/...`), not an outside URL. */
  readonly local: boolean;
}

const BASE = 'https://schemas.invalid';

/** Resolves `ref` against the schema with id `baseId`. */
export function resolveRef(ref: string, baseId: string): SchemaRef {
  const url = new URL(ref, BASE + baseId);
  const local = url.origin === BASE;
  return {
    id: local ? url.pathname : `${url.origin}${url.pathname}`,
    pointer: decodeURIComponent(url.hash.replace(/^#/, '')),
    local,
  };
}

/** Every `$ref` inside a schema, resolved. */
export function schemaRefs(schema: Json, baseId: string): SchemaRef[] {
  const refs: SchemaRef[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(resolveRef(value, baseId));
        else walk(value);
      }
    }
  };
  walk(schema);
  return refs;
}

/** The node a JSON pointer names inside a schema, or `undefined`. */
export function atPointer(schema: Json, pointer: string): Json | undefined {
  let node: Json | undefined = schema;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
  }
  return node;
}

/**
 * Schemas as data in a generated module: the schemas some entries name and every schema they
 * reference, keyed by `$id`, without the keywords nobody validates against. The message
 * schemas and the simulated services' API schemas are both written this way.
 */

import { isObject, type Json, type JsonObject } from './model.js';
import { compare } from './names.js';
import { schemaRefs } from './schema-refs.js';

/** A problem that leaves a bundle of schemas incomplete: the generator stops and names it. */
export class SchemaBundleError extends Error {
  override name = 'SchemaBundleError';
}

/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_VALUED = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'anyOf',
  'oneOf',
  'allOf',
]);
/**
 * Keywords left out: descriptions are long prose nobody validates against, and `$schema` declares
 * draft-06, which ajv 8 does not bundle (the keywords these schemas use mean the same in it).
 */
const DROPPED = new Set(['description', '$schema']);

/**
 * The schemas with the given ids and every schema they reference, keyed by `$id` with its
 * fragment (`/schemas/queue/v1/task.json#`), sorted, stripped.
 * @param owner names the service in errors.
 */
export function schemaBundle(
  ids: Iterable<string>,
  schemas: ReadonlyMap<string, Json>,
  owner: string,
): JsonObject {
  const found = new Set<string>();
  const pending = [...ids];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (found.has(id)) continue;
    const schema = schemas.get(id);
    if (schema === undefined) throw new SchemaBundleError(`${owner}: no schema ${id}`);
    found.add(id);
    for (const ref of schemaRefs(schema, id)) {
      if (!ref.local) {
        throw new SchemaBundleError(`${id} refers to ${ref.id}, outside the deployment`);
      }
      pending.push(ref.id);
    }
  }
  return Object.fromEntries(
    [...found].sort(compare).map((id) => {
      const schema = strip(schemas.get(id)!);
      if (!isObject(schema)) throw new SchemaBundleError(`${id} is not a schema object`);
      return [`${id}#`, { ...schema, $id: `${id}#` }];
    }),
  );
}

/** A schema without the dropped keywords, object keys sorted (data such as `enum` unchanged). */
function strip(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strip);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const key of Object.keys(schema).sort(compare)) {
    if (DROPPED.has(key)) continue;
    const value = schema[key]!;
    if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.keys(value)
          .sort(compare)
          .map((name) => [name, strip(value[name]!)]),
      );
    } else {
      out[key] = SCHEMA_VALUED.has(key) ? strip(value) : value;
    }
  }
  return out;
}

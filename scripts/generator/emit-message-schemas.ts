/**
 * The message schemas as data, for `tc-pulse publish` to check and sample payloads without the
 * references: one module per exchange service (`<service>-message-schemas.ts`) with every
 * message schema and the schemas they reference, keyed by `$id`, and per exchange the payload
 * property each routing-key field names; and an index (`message-schemas.ts`) that imports a
 * service's module only when asked, so that commands which need no schema never load one.
 */

import { GENERATED_HEADER } from './docs.js';
import { literal } from './literal.js';
import {
  type ExchangeReferenceEntry,
  type ExchangeService,
  entrySchemaId,
  isObject,
  type Json,
  type JsonObject,
} from './model.js';
import { compare, propertyKey } from './names.js';
import { schemaBundle } from './schema-bundle.js';
import { atPointer, resolveRef } from './schema-refs.js';

/** The index module's file name. */
export const MESSAGE_SCHEMAS_INDEX = 'message-schemas.ts';

/** The file name of a service's message schemas module. */
export function messageSchemasFileName(serviceName: string): string {
  return `${serviceName}-message-schemas.ts`;
}

/** Writes `src/exchanges/generated/<service>-message-schemas.ts`. */
export function emitMessageSchemas(
  service: ExchangeService,
  schemas: ReadonlyMap<string, Json>,
): { fileName: string; source: string } {
  const entries = [...service.entries].sort((a, b) => compare(a.name, b.name));
  const data = {
    exchanges: Object.fromEntries(
      entries.map((entry) => [entry.name, exchangeMessage(service.serviceName, entry, schemas)]),
    ),
    schemas: schemaBundle(
      entries.map((entry) => entrySchemaId(service.serviceName, entry.schema)),
      schemas,
      service.serviceName,
    ),
  };
  const source = `${GENERATED_HEADER}
import type { MessageSchemas } from '../types.js';

/**
 * The message schemas of the ${service.title} and the schemas they reference, keyed by \`$id\`
 * (without descriptions), and per exchange its schema and routing-key fields in the payload.
 */
export const messageSchemas: MessageSchemas = ${literal(data)};
`;
  return { fileName: messageSchemasFileName(service.serviceName), source };
}

/** Writes the index, `src/exchanges/generated/message-schemas.ts`. */
export function emitMessageSchemasIndex(services: readonly ExchangeService[]): string {
  const loaders = [...services]
    .map((service) => service.serviceName)
    .sort(compare)
    .map(
      (name) =>
        `  ${propertyKey(name)}: async () =>\n    (await import('./${messageSchemasFileName(name).replace(/\.ts$/, '.js')}')).messageSchemas,`,
    );
  return `${GENERATED_HEADER}
import type { MessageSchemas } from '../types.js';

/** Loads the message schemas of a service, by service name; each module loads on first use. */
export const messageSchemaLoaders: { readonly [service: string]: () => Promise<MessageSchemas> } = {
${loaders.join('\n')}
};
`;
}

/** An exchange's schema id and where its routing-key fields are in the payload. */
function exchangeMessage(
  serviceName: string,
  entry: ExchangeReferenceEntry,
  schemas: ReadonlyMap<string, Json>,
): { schema: string; fields: JsonObject } {
  const id = entrySchemaId(serviceName, entry.schema);
  const fields: JsonObject = {};
  for (const field of entry.routingKey) {
    if (field.constant !== undefined) continue;
    const found = fieldInPayload(schemas, id, field.name);
    if (found !== undefined) fields[field.name] = found;
  }
  return { schema: `${id}#`, fields };
}

/** A schema node with its `$ref`s followed, and the id its own `$ref`s are relative to. */
interface Resolved {
  readonly node: JsonObject;
  readonly baseId: string;
}

function resolve(
  schemas: ReadonlyMap<string, Json>,
  node: Json | undefined,
  baseId: string,
): Resolved | undefined {
  let current = node;
  let base = baseId;
  // A chain of references ends within as many steps as there are schemas.
  for (let step = 0; step <= schemas.size && isObject(current); step++) {
    if (typeof current.$ref !== 'string') return { node: current, baseId: base };
    const ref = resolveRef(current.$ref, base);
    current = atPointer(schemas.get(ref.id) ?? null, ref.pointer);
    base = ref.id;
  }
  return undefined;
}

/**
 * Where a routing-key field is in the payload: a top-level property of its name, or else (the
 * queue's convention, `status.taskId`) the first such property of a top-level object, in name
 * order. Only properties with a declared type count: that type is what a flag is checked against.
 */
function fieldInPayload(
  schemas: ReadonlyMap<string, Json>,
  messageId: string,
  name: string,
): JsonObject | undefined {
  const message = resolve(schemas, schemas.get(messageId), messageId);
  if (message === undefined) return undefined;
  const typed = (path: string[], at: Resolved): JsonObject | undefined => {
    const type = at.node.type;
    if (
      typeof type === 'string' ||
      (Array.isArray(type) && type.every((t) => typeof t === 'string'))
    )
      return { path, type };
    return undefined;
  };
  const propertiesOf = (at: Resolved): [string, Resolved][] => {
    const properties = at.node.properties;
    if (!isObject(properties)) return [];
    return Object.keys(properties)
      .sort(compare)
      .flatMap((key) => {
        const resolved = resolve(schemas, properties[key], at.baseId);
        return resolved === undefined ? [] : [[key, resolved] as [string, Resolved]];
      });
  };
  const top = propertiesOf(message);
  const direct = top.find(([key]) => key === name);
  if (direct !== undefined) return typed([name], direct[1]);
  for (const [key, value] of top) {
    const nested = propertiesOf(value).find(([inner]) => inner === name);
    if (nested !== undefined) return typed([key, name], nested[1]);
  }
  return undefined;
}

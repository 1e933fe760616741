/**
 * What the runtime assumes of the references, checked before anything is written: the
 * generator fails loudly, naming every entry that breaks an assumption.
 */

import { NAMED_KEYS, STRUCTURAL_KEYS } from '../../src/client/arguments.js';
import {
  type ApiService,
  type ExchangeService,
  entrySchemaId,
  isObject,
  type Json,
} from './model.js';
import { isIdentifier } from './names.js';
import { atPointer, resolveRef } from './schema-refs.js';

/** The references break an assumption of the runtime. */
export class GeneratorCheckError extends Error {
  override name = 'GeneratorCheckError';

  constructor(readonly problems: readonly string[]) {
    super(
      `the references break ${problems.length} assumption(s) of the runtime:\n- ${problems.join('\n- ')}`,
    );
  }
}

/** Every problem found in the services and exchanges; throws when there is any. */
export function checkReferences(
  apis: readonly ApiService[],
  exchanges: readonly ExchangeService[],
  schemas: ReadonlyMap<string, Json>,
): void {
  const problems = [
    ...apis.flatMap((api) => checkApi(api, schemas)),
    ...exchanges.flatMap(checkExchanges),
  ];
  if (problems.length > 0) throw new GeneratorCheckError(problems);
}

function checkApi(api: ApiService, schemas: ReadonlyMap<string, Json>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of api.entries) {
    const where = `${api.serviceName}.${entry.name}`;
    if (!isIdentifier(entry.name)) problems.push(`${where}: the name is not an identifier`);
    if (seen.has(entry.name)) problems.push(`${where}: the name appears twice`);
    seen.add(entry.name);
    const placeholders = [...entry.route.matchAll(/<([^>]+)>/g)].map((match) => match[1]);
    if (placeholders.join(',') !== entry.args.join(',')) {
      problems.push(
        `${where}: route ${entry.route} has placeholders [${placeholders.join(', ')}] but args [${entry.args.join(', ')}]`,
      );
    }
    if (entry.args.length === 0 && entry.input !== undefined && !api.untyped) {
      const id = entrySchemaId(api.serviceName, entry.input);
      const clash = topLevelKeys(schemas, id, '', new Set()).filter((key) => NAMED_KEYS.has(key));
      if (clash.length > 0) {
        problems.push(
          `${where}: takes no route params and its input ${entry.input} has top-level ${clash
            .map((key) => `"${key}"`)
            .join(', ')}, so a single object argument would be ambiguous`,
        );
      }
    }
    // A query option named like an option of the call (`{ query }`, `{ expiration }`...) would
    // make a bare query and options look alike.
    const optionLike = entry.query.filter((key) => STRUCTURAL_KEYS.has(key));
    if (optionLike.length > 0) {
      problems.push(
        `${where}: query option(s) ${optionLike
          .map((key) => `"${key}"`)
          .join(', ')} have the name of a call option, so a bare query could be read as options`,
      );
    }
  }
  return problems;
}

/** The property names a schema declares at its top level, through `$ref`s and combinators. */
function topLevelKeys(
  schemas: ReadonlyMap<string, Json>,
  id: string,
  pointer: string,
  visited: Set<string>,
): string[] {
  const key = `${id}#${pointer}`;
  if (visited.has(key)) return [];
  visited.add(key);
  const file = schemas.get(id);
  const schema = file === undefined ? undefined : pointer === '' ? file : atPointer(file, pointer);
  if (!isObject(schema)) return [];
  const keys = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  if (typeof schema.$ref === 'string') {
    const ref = resolveRef(schema.$ref, id);
    if (ref.local) keys.push(...topLevelKeys(schemas, ref.id, ref.pointer, visited));
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const members = schema[keyword];
    if (!Array.isArray(members)) continue;
    members.forEach((_, i) => {
      keys.push(...topLevelKeys(schemas, id, `${pointer}/${keyword}/${i}`, visited));
    });
  }
  return keys;
}

function checkExchanges(service: ExchangeService): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of service.entries) {
    const where = `${service.serviceName} exchange ${entry.name}`;
    if (!isIdentifier(entry.name)) problems.push(`${where}: the name is not an identifier`);
    if (seen.has(entry.name)) problems.push(`${where}: the name appears twice`);
    seen.add(entry.name);
    const multi = entry.routingKey.filter((field) => field.multipleWords);
    if (multi.length > 1) {
      problems.push(
        `${where}: ${multi.length} multi-word routing-key fields (${multi.map((f) => f.name).join(', ')}); at most one can be parsed`,
      );
    }
    const names = entry.routingKey.map((field) => field.name);
    if (new Set(names).size !== names.length) {
      problems.push(`${where}: a routing-key field name appears twice`);
    }
  }
  return problems;
}

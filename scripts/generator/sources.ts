/**
 * Reads the generator's input: the reference files beside the checkout (the current API, the
 * seed-era entries only Taskcluster 16 has, the two legacy services), or a live deployment's
 * `<rootUrl>/references/` and `<rootUrl>/schemas/`.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deprecationOfEntry, deprecationOfService, STABILITY_DEPRECATED } from './deprecations.js';
import {
  type ApiReferenceEntry,
  type ApiService,
  type ExchangeReferenceEntry,
  type ExchangeService,
  entrySchemaId,
  isObject,
  type Json,
  type JsonObject,
  type ReferenceSet,
  type RoutingKeyFieldReference,
} from './model.js';
import { compare } from './names.js';
import { schemaRefs } from './schema-refs.js';

/** The reference files the generator reads from a folder. */
export const CURRENT_REFERENCES = 'taskcluster-v106.json';
export const SEED_REFERENCES = 'taskcluster-v16.json';
export const LEGACY_SERVICES = 'legacy-services.json';

/** A problem in the input: the generator stops and names it. */
export class ReferenceInputError extends Error {
  override name = 'ReferenceInputError';
}

interface ParsedFiles {
  apis: Map<string, ApiService>;
  exchanges: Map<string, ExchangeService>;
  schemas: Map<string, Json>;
}

/**
 * Reads a references folder: the current API in full, plus what only the seed-era release has
 * (entries, services, schemas), plus the legacy services, each marked deprecated with its reason.
 */
export async function loadReferenceFolder(folder: string): Promise<ReferenceSet> {
  const current = parseReferenceFiles(
    await readJson(join(folder, CURRENT_REFERENCES)),
    CURRENT_REFERENCES,
  );
  return addSeedEra(current, folder);
}

/**
 * Adds to a current reference set (a folder's or a deployment's) the seed-era entries and
 * services and the legacy services that the folder's other files hold.
 */
export async function addSeedEra(current: ReferenceSet, folder: string): Promise<ReferenceSet> {
  const seed = parseFileList(await readJson(join(folder, SEED_REFERENCES)), SEED_REFERENCES);
  const legacy = await readJson(join(folder, LEGACY_SERVICES));

  const apis = new Map(current.apis.map((api) => [api.serviceName, api]));
  for (const [name, service] of seed.apis) {
    apis.set(name, mergeSeed(apis.get(name), service, 'api'));
  }
  const exchanges = new Map(current.exchanges.map((service) => [service.serviceName, service]));
  for (const [name, service] of seed.exchanges) {
    exchanges.set(name, mergeSeed(exchanges.get(name), service, 'exchanges'));
  }
  const schemas = new Map(current.schemas);
  for (const [id, schema] of seed.schemas) if (!schemas.has(id)) schemas.set(id, schema);

  if (!isObject(legacy)) throw new ReferenceInputError(`${LEGACY_SERVICES} must hold an object`);
  for (const [className, reference] of Object.entries(legacy)) {
    const service = parseApi(reference, `${LEGACY_SERVICES}: ${className}`, true);
    apis.set(service.serviceName, {
      ...service,
      deprecated: deprecationOfService(service.serviceName),
    });
  }
  return { apis: sorted(apis), exchanges: sorted(exchanges), schemas };
}

/** Reads a deployment's references and every schema they reach. */
export async function loadDeployment(
  rootUrl: string,
  fetchJson: (url: string) => Promise<Json> = fetchJsonOverHttp,
): Promise<ReferenceSet> {
  const root = rootUrl.replace(/\/+$/, '');
  const manifest = await fetchJson(`${root}/references/manifest.json`);
  const references = isObject(manifest) ? manifest.references : undefined;
  if (!Array.isArray(references)) {
    throw new ReferenceInputError(`${root}/references/manifest.json has no "references" list`);
  }
  const apis = new Map<string, ApiService>();
  const exchanges = new Map<string, ExchangeService>();
  for (const path of references) {
    if (typeof path !== 'string') continue;
    if (path.endsWith('/api.json')) {
      const api = parseApi(await fetchJson(`${root}${path}`), path, false);
      apis.set(api.serviceName, api);
    } else if (path.endsWith('/exchanges.json')) {
      const service = parseExchanges(await fetchJson(`${root}${path}`), path);
      exchanges.set(service.serviceName, service);
    }
  }
  const schemas = new Map<string, Json>();
  const pending = [
    ...[...apis.values()].flatMap((api) =>
      api.entries.flatMap((entry) =>
        [entry.input, entry.output]
          .filter((id): id is string => id !== undefined)
          .map((id) => entrySchemaId(api.serviceName, id)),
      ),
    ),
    ...[...exchanges.values()].flatMap((service) =>
      service.entries.map((entry) => entrySchemaId(service.serviceName, entry.schema)),
    ),
  ];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (schemas.has(id)) continue;
    const schema = await fetchJson(`${root}${id}`);
    schemas.set(id, schema);
    for (const ref of schemaRefs(schema, id)) if (ref.local) pending.push(ref.id);
  }
  return { apis: sorted(apis), exchanges: sorted(exchanges), schemas };
}

async function fetchJsonOverHttp(url: string): Promise<Json> {
  const response = await fetch(url);
  if (!response.ok) throw new ReferenceInputError(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as Json;
}

async function readJson(path: string): Promise<Json> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch (error) {
    throw new ReferenceInputError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The services and schemas of a `[{filename, content}]` list, as one release publishes them. */
export function parseReferenceFiles(list: Json, source: string): ReferenceSet {
  const parsed = parseFileList(list, source);
  return {
    apis: sorted(parsed.apis),
    exchanges: sorted(parsed.exchanges),
    schemas: parsed.schemas,
  };
}

/** Parses a `[{filename, content}]` file into services and schemas. */
function parseFileList(list: Json, source: string): ParsedFiles {
  if (!Array.isArray(list)) throw new ReferenceInputError(`${source} must hold a list of files`);
  const parsed: ParsedFiles = { apis: new Map(), exchanges: new Map(), schemas: new Map() };
  for (const file of list) {
    if (!isObject(file) || typeof file.filename !== 'string') {
      throw new ReferenceInputError(`${source}: every item needs a filename and a content`);
    }
    const { filename } = file;
    const content = file.content ?? null;
    const where = `${source}: ${filename}`;
    if (filename.startsWith('schemas/')) {
      parsed.schemas.set(`/${filename}`, content);
    } else if (/^references\/[^/]+\/[^/]+\/api\.json$/.test(filename)) {
      const api = parseApi(content, where, false);
      parsed.apis.set(api.serviceName, api);
    } else if (/^references\/[^/]+\/[^/]+\/exchanges\.json$/.test(filename)) {
      const service = parseExchanges(content, where);
      parsed.exchanges.set(service.serviceName, service);
    }
  }
  return parsed;
}

/**
 * Adds to a current service what only the seed-era one has, or takes the seed-era service
 * whole (deprecated) when the current API no longer has it.
 */
function mergeSeed<S extends ApiService | ExchangeService>(
  current: S | undefined,
  seed: S,
  kind: 'api' | 'exchanges',
): S {
  if (current === undefined) {
    return { ...seed, deprecated: deprecationOfService(seed.serviceName, kind) };
  }
  const names = new Set(current.entries.map((entry) => entry.name));
  const removed = seed.entries
    .filter((entry) => !names.has(entry.name))
    .map((entry) => ({ ...entry, deprecated: deprecationOfEntry(seed.serviceName, entry.name) }));
  return { ...current, entries: [...current.entries, ...removed] };
}

function parseApi(reference: Json, where: string, untyped: boolean): ApiService {
  const ref = object(reference, where);
  const serviceName = string(ref.serviceName, `${where}: serviceName`);
  const baseUrlVersion =
    typeof ref.baseUrl === 'string' ? /\/(v\d+)\/?$/.exec(ref.baseUrl)?.[1] : undefined;
  const apiVersion =
    typeof ref.apiVersion === 'string' ? ref.apiVersion : (baseUrlVersion ?? undefined);
  if (apiVersion === undefined) throw new ReferenceInputError(`${where}: no apiVersion`);
  const entries = array(ref.entries, `${where}: entries`)
    .map((item, i) => object(item, `${where}: entries[${i}]`))
    .filter((entry) => entry.type === 'function')
    .map((entry): ApiReferenceEntry => {
      const name = string(entry.name, `${where}: entry name`);
      const at = `${where}: ${name}`;
      const stability = typeof entry.stability === 'string' ? entry.stability : 'stable';
      return {
        name,
        method: string(entry.method, `${at}: method`).toLowerCase(),
        route: string(entry.route, `${at}: route`),
        args: stringList(entry.args ?? [], `${at}: args`),
        query: stringList(entry.query ?? [], `${at}: query`),
        ...(typeof entry.input === 'string' ? { input: entry.input } : {}),
        ...(typeof entry.output === 'string' ? { output: entry.output } : {}),
        ...(entry.scopes === undefined ? {} : { scopes: entry.scopes }),
        stability,
        title: typeof entry.title === 'string' ? entry.title : name,
        ...(stability === STABILITY_DEPRECATED
          ? { deprecated: deprecationOfEntry(serviceName, name, stability) }
          : {}),
      };
    });
  return {
    serviceName,
    apiVersion,
    title: typeof ref.title === 'string' ? ref.title : serviceName,
    untyped,
    entries,
  };
}

function parseExchanges(reference: Json, where: string): ExchangeService {
  const ref = object(reference, where);
  const serviceName = string(ref.serviceName, `${where}: serviceName`);
  const entries = array(ref.entries, `${where}: entries`)
    .map((item, i) => object(item, `${where}: entries[${i}]`))
    .filter((entry) => entry.type === 'topic-exchange')
    .map((entry): ExchangeReferenceEntry => {
      const name = string(entry.name, `${where}: entry name`);
      const at = `${where}: ${name}`;
      return {
        name,
        exchange: string(entry.exchange, `${at}: exchange`),
        routingKey: array(entry.routingKey, `${at}: routingKey`).map(
          (field, i): RoutingKeyFieldReference => {
            const f = object(field, `${at}: routingKey[${i}]`);
            return {
              name: string(f.name, `${at}: routingKey[${i}].name`),
              multipleWords: f.multipleWords === true,
              required: f.required === true,
              ...(typeof f.constant === 'string' ? { constant: f.constant } : {}),
            };
          },
        ),
        schema: string(entry.schema, `${at}: schema`),
        title: typeof entry.title === 'string' ? entry.title : name,
      };
    });
  return {
    serviceName,
    apiVersion: string(ref.apiVersion, `${where}: apiVersion`),
    title: typeof ref.title === 'string' ? ref.title : serviceName,
    exchangePrefix: string(ref.exchangePrefix, `${where}: exchangePrefix`),
    entries,
  };
}

function sorted<S extends { serviceName: string }>(services: Map<string, S>): S[] {
  return [...services.values()].sort((a, b) => compare(a.serviceName, b.serviceName));
}

function object(value: Json | undefined, where: string): JsonObject {
  if (!isObject(value)) throw new ReferenceInputError(`${where} must be an object`);
  return value;
}
function array(value: Json | undefined, where: string): Json[] {
  if (!Array.isArray(value)) throw new ReferenceInputError(`${where} must be a list`);
  return value;
}
function string(value: Json | undefined, where: string): string {
  if (typeof value !== 'string') throw new ReferenceInputError(`${where} must be a string`);
  return value;
}
function stringList(value: Json, where: string): string[] {
  const list = array(value, where);
  if (!list.every((item) => typeof item === 'string')) {
    throw new ReferenceInputError(`${where} must be a list of strings`);
  }
  return list as string[];
}

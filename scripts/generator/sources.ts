/**
 * Reads the generator's input: a references folder (the current API, the seed-era release and
 * the legacy services, each stored as a deployment serves it), or a deployment's
 * `<rootUrl>/references/` and `<rootUrl>/schemas/` over HTTP, as the same documents.
 */

import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { REFERENCES_MANIFEST_PATH } from '../../src/client/dynamic.js';
import { rootBase } from '../../src/client/url.js';
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

/** The set of a references folder that holds the current API: the one `--from` refreshes. */
export const CURRENT_REFERENCES = 'current';
/** The set that holds Taskcluster 16.0.0: what has been removed since, kept deprecated. */
export const SEED_REFERENCES = 'taskcluster-16';
/** The set that holds the API references of the two legacy services, without schemas. */
export const LEGACY_SERVICES = 'legacy';
/** The file of a set that says where and when its documents were taken; not a document. */
export const ORIGIN_FILE = 'origin.json';
/** How long one request to a deployment may take before the refresh gives up. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Documents by their path below a deployment's root URL, without the leading slash
 * (`references/manifest.json`, `references/queue/v1/api.json`, `schemas/queue/v1/task.json`):
 * what a deployment serves, and what a set's folder holds.
 */
export type ReferenceDocuments = ReadonlyMap<string, Json>;

/** A problem in the input: the generator stops and names it. */
export class ReferenceInputError extends Error {
  override name = 'ReferenceInputError';
  /** Always `ReferenceInputError`: the documents, not the way to them, are wrong. */
  readonly code = 'ReferenceInputError';
}

/** Why a deployment's documents could not be had. */
export type DeploymentErrorCode = 'unreachable' | 'no-manifest' | 'http-status' | 'not-json';

/** A deployment did not serve a document: unreachable, an HTTP error, or a body that is not JSON. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
  /** The HTTP status answered, for `http-status` and `no-manifest`. */
  readonly status: number | undefined;

  constructor(
    readonly code: DeploymentErrorCode,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
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
  const current = join(folder, CURRENT_REFERENCES);
  return addSeedEra(parseReferenceDocuments(await readReferenceSet(current), current), folder);
}

/**
 * Adds to a current reference set (a folder's or a deployment's) the seed-era entries and
 * services and the legacy services that the folder's other sets hold.
 */
export async function addSeedEra(current: ReferenceSet, folder: string): Promise<ReferenceSet> {
  const seedFolder = join(folder, SEED_REFERENCES);
  const seed = parseDocuments(await readReferenceSet(seedFolder), seedFolder, false);
  const legacyFolder = join(folder, LEGACY_SERVICES);
  const legacy = parseDocuments(await readReferenceSet(legacyFolder), legacyFolder, true);

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

  for (const [name, service] of legacy.apis) {
    apis.set(name, { ...service, deprecated: deprecationOfService(name) });
  }
  return { apis: sorted(apis), exchanges: sorted(exchanges), schemas };
}

/** The documents of a set's folder: every JSON file under its `references/` and `schemas/`. */
export async function readReferenceSet(folder: string): Promise<ReferenceDocuments> {
  const paths: string[] = [];
  for (const top of DOCUMENT_FOLDERS) {
    for (const name of await filesBelow(join(folder, top))) {
      const path = `${top}/${name.split(sep).join('/')}`;
      if (path.endsWith('.json')) paths.push(path);
    }
  }
  if (paths.length === 0) {
    throw new ReferenceInputError(
      `${folder} holds no references/ nor schemas/ documents: not a set of a references folder`,
    );
  }
  const documents = new Map<string, Json>();
  for (const path of paths.sort(compare)) {
    documents.set(path, await readJson(join(folder, ...path.split('/'))));
  }
  return documents;
}

/** The paths below a folder, relative to it; none when it does not exist. */
async function filesBelow(folder: string): Promise<string[]> {
  try {
    return await readdir(folder, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ReferenceInputError(`cannot read ${folder}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Fetches a deployment's documents: its manifest, every reference the manifest lists, and every
 * schema that the API and exchange references reach (their entries' schemas and those schemas'
 * `$ref`s). The references are parsed only to follow their schemas; the documents come back as
 * served, by path.
 */
export async function fetchDeployment(rootUrl: string): Promise<ReferenceDocuments> {
  const root = deploymentRoot(rootUrl);
  const documents = new Map<string, Json>();
  const manifest = await getJson(`${root}/${REFERENCES_MANIFEST_PATH}`).catch((error: unknown) => {
    if (error instanceof DeploymentError && error.status === 404) {
      throw new DeploymentError(
        'no-manifest',
        `${root} serves no ${REFERENCES_MANIFEST_PATH} (HTTP 404): is it the root URL of a Taskcluster deployment?`,
        { cause: error, status: 404 },
      );
    }
    throw error;
  });
  documents.set(REFERENCES_MANIFEST_PATH, manifest);
  const listed = isObject(manifest) ? manifest.references : undefined;
  if (!Array.isArray(listed)) {
    throw new ReferenceInputError(`${root}/${REFERENCES_MANIFEST_PATH} has no "references" list`);
  }
  const where = `${root}/${REFERENCES_MANIFEST_PATH}`;
  const references = listed.map((path) => documentPath(path, 'references', where));
  await fetchInto(documents, root, references);

  const current = parseDocuments(documents, root, false);
  let pending = [
    ...[...current.apis.values()].flatMap((api) =>
      api.entries.flatMap((entry) =>
        [entry.input, entry.output]
          .filter((id): id is string => id !== undefined)
          .map((id) => entrySchemaId(api.serviceName, id)),
      ),
    ),
    ...[...current.exchanges.values()].flatMap((service) =>
      service.entries.map((entry) => entrySchemaId(service.serviceName, entry.schema)),
    ),
  ];
  // Level by level: the schemas the last level reaches that no level has fetched yet.
  while (pending.length > 0) {
    const reached = pending.map((id) => documentPath(id, 'schemas', `${root}: a schema reached`));
    const next = [...new Set(reached)].filter((path) => !documents.has(path));
    await fetchInto(documents, root, next);
    pending = next.flatMap((path) =>
      schemaRefs(documents.get(path)!, `/${path}`)
        .filter((ref) => ref.local)
        .map((ref) => ref.id),
    );
  }
  return new Map([...documents.entries()].sort(([a], [b]) => compare(a, b)));
}

/**
 * The root URL as documents are fetched below it and as a refreshed set records it: http(s),
 * no trailing slash, no user info, query or fragment (an `InputError` otherwise).
 */
export function deploymentRoot(rootUrl: string): string {
  const base = rootBase(rootUrl);
  return `${base.origin}${base.basePath}`.replace(/\/+$/, '');
}

/** The folders of a set that hold documents: a deployment's two top-level paths. */
const DOCUMENT_FOLDERS = ['references', 'schemas'] as const;

/** A document path: segments of letters, digits, `.`, `_` and `-` that start with no dot. */
const DOCUMENT_PATH = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+\.json$/;

/**
 * A path the manifest or a `$ref` gives (`/references/queue/v1/api.json`), as a document path
 * without the leading slash; anything outside `top`, or that could climb out of a folder, is
 * refused, since the refresh writes each document at its path.
 */
function documentPath(path: Json, top: (typeof DOCUMENT_FOLDERS)[number], where: string): string {
  if (typeof path !== 'string' || !path.startsWith(`/${top}/`) || !DOCUMENT_PATH.test(path)) {
    throw new ReferenceInputError(
      `${where}: ${JSON.stringify(path)} is not a /${top}/.../<name>.json path of the deployment`,
    );
  }
  return path.slice(1);
}

/** Fetches documents by path, all at once, into `documents`. */
async function fetchInto(
  documents: Map<string, Json>,
  root: string,
  paths: readonly string[],
): Promise<void> {
  const fetched = await Promise.all(paths.map((path) => getJson(`${root}/${path}`)));
  for (const [i, path] of paths.entries()) documents.set(path, fetched[i]!);
}

/** GETs a JSON document; every failure is a {@link DeploymentError} naming the URL. */
async function getJson(url: string): Promise<Json> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new DeploymentError('http-status', `GET ${url}: HTTP ${response.status}`, {
        status: response.status,
      });
    }
    text = await response.text();
  } catch (error) {
    if (error instanceof DeploymentError) throw error;
    throw new DeploymentError('unreachable', `GET ${url}: ${failureReason(error)}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new DeploymentError(
      'not-json',
      `GET ${url}: the answer is not JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/** Why a request failed, in words: fetch hides the socket's reason in its cause. */
function failureReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

async function readJson(path: string): Promise<Json> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch (error) {
    throw new ReferenceInputError(`cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The services and schemas of a set of documents, as one release or deployment serves them. */
export function parseReferenceDocuments(
  documents: ReferenceDocuments,
  source: string,
): ReferenceSet {
  const parsed = parseDocuments(documents, source, false);
  return {
    apis: sorted(parsed.apis),
    exchanges: sorted(parsed.exchanges),
    schemas: parsed.schemas,
  };
}

const API_REFERENCE = /^references\/[^/]+\/[^/]+\/api\.json$/;
const EXCHANGES_REFERENCE = /^references\/[^/]+\/[^/]+\/exchanges\.json$/;

/**
 * Parses documents into services and schemas; other references (logs, metrics) and the
 * manifest are kept as documents only. `untyped`: the services come without their schemas.
 */
function parseDocuments(
  documents: ReferenceDocuments,
  source: string,
  untyped: boolean,
): ParsedFiles {
  const parsed: ParsedFiles = { apis: new Map(), exchanges: new Map(), schemas: new Map() };
  for (const [path, content] of documents) {
    const where = `${source}: ${path}`;
    if (path.startsWith('schemas/')) {
      parsed.schemas.set(`/${path}`, content);
    } else if (API_REFERENCE.test(path)) {
      const api = parseApi(content, where, untyped);
      parsed.apis.set(api.serviceName, api);
    } else if (EXCHANGES_REFERENCE.test(path)) {
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

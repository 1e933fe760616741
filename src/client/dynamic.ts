/**
 * Clients for API references loaded at run time (e.g. a deployment's `<rootUrl>/references/`),
 * built by the same runtime as the generated classes, with loosely typed methods.
 */
import { InputError } from '../errors.js';
import { transportFor } from './http-transport.js';
import type { ClientOptions } from './options.js';
import type { ApiEntry, ApiTable, HttpMethod, ScopeExpression } from './reference.js';
import { sendRequest } from './request.js';
import { resolveClientOptions } from './resolved-options.js';
import { defineService, type ServiceClient, type ServiceOptions } from './service.js';
import { rootBase } from './url.js';

/** One entry of an API reference as Taskcluster serves it (only the fields the client uses). */
export interface ApiReferenceEntry {
  readonly type: string;
  readonly name: string;
  readonly method: string;
  readonly route: string;
  readonly args: readonly string[];
  readonly query?: readonly string[];
  readonly input?: string;
  readonly output?: string;
  readonly scopes?: unknown;
  readonly stability?: string;
  readonly title?: string;
  readonly deprecated?: string;
}

/** An API reference (`references/<service>/<version>/api.json`) as Taskcluster serves it. */
export interface ApiReference {
  readonly serviceName: string;
  readonly apiVersion: string;
  readonly title?: string;
  readonly entries: readonly ApiReferenceEntry[];
}

/** A method of a client made from a reference loaded at run time. */
export type DynamicMethod = (...args: unknown[]) => Promise<unknown>;

/** The methods of a client made from a reference loaded at run time. */
export type DynamicMethods = Readonly<Record<string, DynamicMethod>>;

/** A client made by {@link createClient}. */
export type DynamicClient = ServiceClient<DynamicMethods> & DynamicMethods;

const HTTP_METHODS: ReadonlySet<string> = new Set(['get', 'post', 'put', 'delete', 'patch']);

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function toEntry(serviceName: string, raw: ApiReferenceEntry): ApiEntry {
  const where = `reference ${serviceName}, entry ${JSON.stringify(raw.name)}`;
  if (typeof raw.name !== 'string' || typeof raw.route !== 'string') {
    throw new InputError(`${where}: name and route must be strings`);
  }
  const method = typeof raw.method === 'string' ? raw.method.toLowerCase() : '';
  if (!HTTP_METHODS.has(method)) throw new InputError(`${where}: unknown HTTP method`);
  const query = raw.query ?? [];
  if (!isStringArray(raw.args) || !isStringArray(query)) {
    throw new InputError(`${where}: args and query must be arrays of strings`);
  }
  const entry: { -readonly [K in keyof ApiEntry]: ApiEntry[K] } = {
    name: raw.name,
    method: method as HttpMethod,
    route: raw.route,
    args: raw.args,
    query,
    stability: raw.stability ?? 'stable',
    title: raw.title ?? raw.name,
  };
  if (raw.input !== undefined) entry.input = raw.input;
  if (raw.output !== undefined) entry.output = raw.output;
  if (raw.scopes !== undefined) entry.scopes = raw.scopes as ScopeExpression;
  if (raw.deprecated !== undefined) entry.deprecated = raw.deprecated;
  return entry;
}

/** Whether a JSON document is an API reference (as opposed to exchanges, logs or metrics). */
export function isApiReference(document: unknown): document is ApiReference {
  if (typeof document !== 'object' || document === null) return false;
  const { serviceName, apiVersion, entries } = document as Record<string, unknown>;
  return (
    typeof serviceName === 'string' &&
    typeof apiVersion === 'string' &&
    Array.isArray(entries) &&
    entries.some((entry) => (entry as { type?: unknown })?.type === 'function')
  );
}

/** The table of an API reference: its `function` entries, sorted by name. */
export function tableOfReference(reference: ApiReference): ApiTable {
  if (!isApiReference(reference)) {
    throw new InputError('not an API reference: expected {serviceName, apiVersion, entries}');
  }
  const entries = reference.entries
    .filter((entry) => entry.type === 'function')
    .map((entry) => toEntry(reference.serviceName, entry))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    serviceName: reference.serviceName,
    apiVersion: reference.apiVersion,
    title: reference.title ?? reference.serviceName,
    entries,
  };
}

/** A client for an API reference loaded at run time, e.g. `createClient(ref, options).ping()`. */
export function createClient(
  reference: ApiReference,
  options: ServiceOptions<DynamicMethods>,
): DynamicClient {
  const Client = defineService<DynamicMethods>(tableOfReference(reference));
  return new Client(options) as DynamicClient;
}

/** The path of a deployment's list of references, under its root URL. */
export const REFERENCES_MANIFEST_PATH = 'references/manifest.json';

/**
 * Load every API reference a deployment serves: `<rootUrl>/references/manifest.json` lists the
 * references; exchanges, logs and metrics references are skipped. Uses the options' `fetch`,
 * timeout, retry settings and `signal`; credentials are not needed (references are public).
 */
export async function loadReferences(
  options: Pick<
    ClientOptions,
    | 'rootUrl'
    | 'fetch'
    | 'timeout'
    | 'retries'
    | 'maxRetries'
    | 'delayFactor'
    | 'randomizationFactor'
    | 'maxDelay'
    | 'signal'
  >,
): Promise<ApiReference[]> {
  const resolved = resolveClientOptions(options);
  const base = rootBase(resolved.rootUrl);
  const ctx = {
    base,
    signer: undefined,
    transport: transportFor(resolved.fetch, base),
    retry: resolved,
    timeout: resolved.timeout,
    log: undefined,
    traceId: undefined,
  };
  const { signal } = resolved;
  const manifest = await sendRequest(
    ctx,
    'GET',
    base.basePath + REFERENCES_MANIFEST_PATH,
    undefined,
    signal,
  );
  const urls = (manifest as { references?: unknown } | undefined)?.references;
  if (!isStringArray(urls)) {
    throw new InputError(`${REFERENCES_MANIFEST_PATH} has no list of references`);
  }
  const documents = await Promise.all(
    urls.map((url) =>
      sendRequest(ctx, 'GET', base.basePath + url.replace(/^\/+/, ''), undefined, signal),
    ),
  );
  return documents.filter(isApiReference);
}

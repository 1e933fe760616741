/**
 * The one runtime that turns a service table into a client class: every method is the same small
 * function bound to its precompiled entry; no per-method code is written or generated.
 */
import { InputError } from '../errors.js';
import { eitherSignal } from './abort.js';
import {
  CONTINUATION_TOKEN,
  type CompiledEntry,
  compileEntry,
  type ParsedCall,
  parseCall,
  parseUrlArgs,
} from './arguments.js';
import type {
  BareQuery,
  CallArgs,
  MethodShape,
  PositionalParams,
  QueryOf,
  ShapeOf,
  Without,
} from './calling.js';
import {
  callFake,
  type FakeCalls,
  type FakeResultSchemas,
  type FakeState,
  type Fakes,
  fakeState,
} from './fake.js';
import { transportFor } from './http-transport.js';
import { attemptLog } from './log.js';
import type { ClientOptions } from './options.js';
import { followPages, type Pages, paginate } from './pagination.js';
import type { ApiTable } from './reference.js';
import { type RequestContext, sendRequest } from './request.js';
import {
  derivedOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './resolved-options.js';
import { createSigner } from './signer.js';
import { buildQuery, serviceBase } from './url.js';

/** Options of `buildUrl`, after the route parameters. */
export interface UrlOptions<Query> {
  query?: Query;
}

/** Options of `buildSignedUrl`, after the route parameters. */
export interface SignedUrlOptions<Query> extends UrlOptions<Query> {
  /** Seconds the URL stays valid; defaults to the client's `signedUrlExpiration`. */
  expiration?: number;
}

/** What may follow the route parameters of `buildUrl` for a method of shape `S`. */
type UrlTail<S extends MethodShape> = [S['query']] extends [never]
  ? [options?: UrlOptions<undefined>]
  : [
      options?:
        | Without<UrlOptions<QueryOf<S['query']>>, S['query']>
        | BareQuery<S['query'], keyof UrlOptions<unknown> & string>,
    ];

/** What may follow the route parameters of `buildSignedUrl` for a method of shape `S`. */
type SignedUrlTail<S extends MethodShape> = [S['query']] extends [never]
  ? [options?: SignedUrlOptions<undefined>]
  :
      | [
          options?:
            | Without<SignedUrlOptions<QueryOf<S['query']>>, S['query']>
            | BareQuery<S['query'], keyof SignedUrlOptions<unknown> & string>,
        ]
      | [query: QueryOf<S['query']>, options: Omit<SignedUrlOptions<unknown>, 'query'>];

/**
 * The arguments of `buildUrl` (or, with `'signed'`, `buildSignedUrl`) after the method: its route
 * parameters, then a bare query or options `{ query, expiration }`; a signed URL also takes
 * `(...params, query, { expiration })` as the official client does.
 */
export type UrlArgs<M, Options extends 'url' | 'signed' = 'url'> = [ShapeOf<M>] extends [never]
  ? unknown[]
  : [
      ...PositionalParams<ShapeOf<M>['args']>,
      ...(Options extends 'signed' ? SignedUrlTail<ShapeOf<M>> : UrlTail<ShapeOf<M>>),
    ];

/** The arguments of a call of method type `M` (any convention). */
export type ArgsOf<M> = [ShapeOf<M>] extends [never] ? unknown[] : CallArgs<ShapeOf<M>>;

/** The response type of method type `M`. */
export type OutputOf<M> = [ShapeOf<M>] extends [never] ? unknown : ShapeOf<M>['output'];

/** The names of `Methods` that page with `continuationToken`. */
export type PaginatedMethodName<Methods> = {
  [K in keyof Methods & string]: [ShapeOf<Methods[K]>] extends [never]
    ? K
    : typeof CONTINUATION_TOKEN extends ShapeOf<Methods[K]>['query']
      ? K
      : never;
}[keyof Methods & string];

/** The options of a client of `Methods`: every client's, and the service's fakes. */
export interface ServiceOptions<Methods> extends ClientOptions {
  /**
   * Fake mode, as the official client's: each call is answered by the fake of its method
   * (typed from the method: its route parameters, payload and query in, its response out) and
   * recorded in `fakeCalls`; nothing is sent. A call of a method without a fake rejects with a
   * `FakeCallError` (`MissingFake`), as does a fake whose result is not JSON data (or nothing
   * where the method answers something: `InvalidFakeResult`).
   */
  fake?: Fakes<Methods>;
  /**
   * Checks every fake's result against its method's response schema at run time, as tsc
   * checks its type: e.g. `responseSchemas` from `taskcluster-pulse/testing`. A result that
   * does not match rejects the call with a `FakeCallError` (`InvalidFakeResult`) listing what
   * the schema found. Only with `fake`.
   */
  fakeSchemas?: FakeResultSchemas;
}

/** What every service client has besides its API methods. */
export interface ServiceClient<Methods> {
  /** The options in force, with defaults applied. */
  readonly options: ResolvedClientOptions;
  /**
   * The calls of a client made with `fake`, by method, each `{ ...params, payload?, query? }`
   * (e.g. `queue.fakeCalls.task[0].taskId`), shared with the clients made from it with `use()`.
   * Reading it on a client without fakes is an `InputError`.
   */
  readonly fakeCalls: FakeCalls<Methods>;
  /**
   * A new client of the same service with these options over this one's, as the official
   * client's `use()`: e.g. `queue.use({ authorizedScopes: ['queue:get-task:*'] })`, other
   * `credentials`, or a `traceId` per task. An option given as `undefined` keeps its value; an
   * unknown option is an `InputError`. This client is left as it is.
   */
  use(options: Partial<ServiceOptions<Methods>>): this;
  /** The URL of a call of `method`, e.g. `queue.buildUrl('getTask', taskId)`. */
  buildUrl<K extends keyof Methods & string>(method: K, ...args: UrlArgs<Methods[K]>): string;
  /** The URL of a call of `method`, given the method itself, e.g. `buildUrl(queue.getTask, id)`. */
  buildUrl<M extends Methods[keyof Methods]>(method: M, ...args: UrlArgs<M>): string;
  /**
   * A GET URL signed with a bewit (appended last), valid `expiration` seconds (default: the
   * `signedUrlExpiration` option). Needs credentials.
   */
  buildSignedUrl<K extends keyof Methods & string>(
    method: K,
    ...args: UrlArgs<Methods[K], 'signed'>
  ): string;
  /** As above, given the method itself. */
  buildSignedUrl<M extends Methods[keyof Methods]>(
    method: M,
    ...args: UrlArgs<M, 'signed'>
  ): string;
  /**
   * The pages of a paginated method, fetched lazily while iterating; `items()` iterates the
   * elements of each page's list, e.g.
   * `for await (const task of queue.paginate('listTaskGroup', taskGroupId).items())`.
   */
  paginate<K extends PaginatedMethodName<Methods>>(
    method: K,
    ...args: ArgsOf<Methods[K]>
  ): Pages<OutputOf<Methods[K]>>;
}

/** A client class made by {@link defineService}. */
export interface ServiceClass<Methods> {
  new (options: ServiceOptions<Methods>): ServiceClient<Methods> & Methods;
  /** The table the class was made from. */
  readonly table: ApiTable;
}

/** Per-client state, kept under a symbol so that API method names cannot collide with it. */
const state = Symbol('taskcluster-pulse.client-state');

interface ClientState {
  readonly ctx: RequestContext;
  readonly entries: ReadonlyMap<string, CompiledEntry>;
  /** The `signal` option: aborts every call, combined with the call's own. */
  readonly signal: AbortSignal | undefined;
  /** The `fake` option's fakes and calls: when set, calls go to them, never to the network. */
  readonly fake: FakeState | undefined;
  /** The `fakeSchemas` option: what the fakes' results are checked against. */
  readonly fakeSchemas: FakeResultSchemas | undefined;
  /** The service's name, for messages. */
  readonly serviceName: string;
}

/** Which compiled entry a method function of some service class stands for. */
const entryOfMethod = new WeakMap<object, CompiledEntry>();

const RESERVED_NAMES = new Set([
  'options',
  'use',
  'buildUrl',
  'buildSignedUrl',
  'paginate',
  'fakeCalls',
  'constructor',
]);

function serializePayload(compiled: CompiledEntry, payload: unknown): string | undefined {
  if (payload === undefined) return undefined;
  try {
    return JSON.stringify(payload);
  } catch (cause) {
    throw new InputError(`${compiled.signature}: the payload cannot be serialized as JSON`, {
      cause,
    });
  }
}

function send(
  client: ClientState,
  compiled: CompiledEntry,
  call: ParsedCall,
  body: string | undefined,
  query: Readonly<Record<string, unknown>> | undefined,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const resource =
    client.ctx.base.basePath +
    compiled.route(call.params) +
    buildQuery(compiled.entry.query, query);
  if (client.fake !== undefined) {
    const url = client.ctx.base.origin + resource;
    const request = { params: call.params, body, query, signal, url };
    return callFake(client.fake, compiled, request, client.fakeSchemas);
  }
  return sendRequest(client.ctx, compiled.httpMethod, resource, body, signal);
}

function pageFetcher(
  client: ClientState,
  compiled: CompiledEntry,
  call: ParsedCall,
  body: string | undefined,
) {
  // One signal for every page of the call.
  const signal = eitherSignal(client.signal, call.signal);
  return (token: string | undefined) =>
    send(
      client,
      compiled,
      call,
      body,
      token === undefined ? call.query : { ...call.query, [CONTINUATION_TOKEN]: token },
      signal,
    );
}

async function invoke(
  client: ClientState,
  compiled: CompiledEntry,
  args: readonly unknown[],
): Promise<unknown> {
  const call = parseCall(compiled, args);
  const body = serializePayload(compiled, call.payload);
  if (call.paginationHandler !== undefined) {
    return followPages(pageFetcher(client, compiled, call, body), call.paginationHandler);
  }
  return send(client, compiled, call, body, call.query, eitherSignal(client.signal, call.signal));
}

function lookup(client: ClientState, method: unknown): CompiledEntry {
  const compiled =
    typeof method === 'string' ? client.entries.get(method) : entryOfMethod.get(method as object);
  if (compiled === undefined) {
    throw new InputError(
      `unknown method ${typeof method === 'string' ? JSON.stringify(method) : 'function'}`,
    );
  }
  return compiled;
}

/** The runtime base class; API methods are added to each service's prototype. */
class ServiceClientRuntime {
  // Not enumerable (defined in the constructor): logging or serializing a client must not show
  // its credentials.
  declare readonly options: ResolvedClientOptions;
  declare readonly [state]: ClientState;

  constructor(
    table: ApiTable,
    entries: ReadonlyMap<string, CompiledEntry>,
    options: ServiceOptions<unknown>,
  ) {
    const resolved = resolveClientOptions(options);
    const base = serviceBase(resolved.rootUrl, table.serviceName, table.apiVersion);
    const credentials = resolved.credentials;
    const client: ClientState = {
      entries,
      signal: resolved.signal,
      fake: resolved.fake === undefined ? undefined : fakeState(table, resolved.fake),
      fakeSchemas: resolved.fakeSchemas,
      serviceName: table.serviceName,
      ctx: {
        base,
        signer:
          credentials === undefined
            ? undefined
            : createSigner(base, credentials, resolved.authorizedScopes),
        transport: transportFor(resolved.fetch, base),
        retry: resolved,
        timeout: resolved.timeout,
        log: attemptLog(resolved.logger),
        traceId: resolved.traceId,
      },
    };
    Object.defineProperty(this, 'options', { value: resolved, enumerable: false });
    Object.defineProperty(this, state, { value: client, enumerable: false });
  }

  get fakeCalls(): unknown {
    const client = this[state];
    if (client.fake === undefined) {
      throw new InputError(
        `${client.serviceName}: fakeCalls are the calls of a client made with the fake option, which this one was not`,
      );
    }
    return client.fake.calls;
  }

  use(updates: unknown): this {
    // The class of this client: a generated service class, or one made from a reference.
    const Client = this.constructor as new (options: ServiceOptions<unknown>) => this;
    return new Client(derivedOptions(this.options, updates));
  }

  buildUrl(method: unknown, ...args: unknown[]): string {
    const client = this[state];
    const compiled = lookup(client, method);
    const { params, query } = parseUrlArgs(compiled, args, false);
    return (
      client.ctx.base.origin +
      client.ctx.base.basePath +
      compiled.route(params) +
      buildQuery(compiled.entry.query, query)
    );
  }

  buildSignedUrl(method: unknown, ...args: unknown[]): string {
    const client = this[state];
    const compiled = lookup(client, method);
    if (compiled.httpMethod !== 'GET') {
      throw new InputError(`${compiled.signature}: only GET methods have signed URLs`);
    }
    const signer = client.ctx.signer;
    if (signer === undefined) {
      throw new InputError(`${compiled.signature}: a signed URL needs credentials`);
    }
    const { params, query, expiration } = parseUrlArgs(compiled, args, true);
    const queryString = buildQuery(compiled.entry.query, query);
    const resource = client.ctx.base.basePath + compiled.route(params) + queryString;
    const bewit = signer.bewit(resource, expiration ?? this.options.signedUrlExpiration);
    return `${client.ctx.base.origin}${resource}${queryString ? '&' : '?'}bewit=${bewit}`;
  }

  paginate(method: unknown, ...args: unknown[]): Pages<unknown> {
    const client = this[state];
    const compiled = lookup(client, method);
    if (!compiled.paginated) {
      throw new InputError(`${compiled.signature}: this method does not page`);
    }
    const call = parseCall(compiled, args);
    return paginate(pageFetcher(client, compiled, call, serializePayload(compiled, call.payload)));
  }
}

/**
 * Make the client class of a service from its table. The generator writes, per service,
 * `export const Queue = defineService<QueueMethods>(queueTable)`. Deprecated entries stay
 * callable; the generator marks them in the types.
 */
export function defineService<Methods>(table: ApiTable): ServiceClass<Methods> {
  const entries = new Map<string, CompiledEntry>();
  for (const entry of table.entries) {
    if (RESERVED_NAMES.has(entry.name) || entries.has(entry.name)) {
      throw new InputError(
        `${table.serviceName}: method name ${entry.name} is reserved or repeated`,
      );
    }
    entries.set(entry.name, compileEntry(table.serviceName, entry));
  }
  class Service extends ServiceClientRuntime {
    static readonly table = table;
    constructor(options: ServiceOptions<unknown>) {
      super(table, entries, options);
    }
  }
  for (const [name, compiled] of entries) {
    const method = function (this: ServiceClientRuntime, ...args: unknown[]): Promise<unknown> {
      return invoke(this[state], compiled, args);
    };
    Object.defineProperty(method, 'name', { value: name });
    entryOfMethod.set(method, compiled);
    Object.defineProperty(Service.prototype, name, {
      value: method,
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Service, 'name', { value: className(table.serviceName) });
  return Service as unknown as ServiceClass<Methods>;
}

/** `purge-cache` -> `PurgeCache`, for the class name shown in stack traces and the console. */
function className(serviceName: string): string {
  return serviceName
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The context a handler gets: a shutdown signal, a logger, and Taskcluster REST clients (the
 * handler's own `clients`, e.g. fakes, or built from its `taskcluster` options on first use: a
 * handler that never calls back costs nothing), whose requests the call's signal aborts.
 */

import { eitherSignal } from '../client/abort.js';
import { type RestClient, restServiceClass } from '../client/catalog.js';
import type { ClientOptions } from '../client/options.js';
import type { ResolvedClientOptions } from '../client/resolved-options.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The REST clients of a handler context, by name. Each aborts its requests (and the artifact
 * transfers made with it) when {@link HandlerContext.signal} fires, so that no call keeps
 * running behind a retried message; a call's own `signal` combines with it.
 */
export interface ContextClients {
  /** The Queue service client. */
  readonly queue: RestClient<'queue'>;
  /** The Index service client. */
  readonly index: RestClient<'index'>;
  /** The Auth service client. */
  readonly auth: RestClient<'auth'>;
  /** The Secrets service client. */
  readonly secrets: RestClient<'secrets'>;
  /** The Hooks service client. */
  readonly hooks: RestClient<'hooks'>;
  /** The Notify service client. */
  readonly notify: RestClient<'notify'>;
  /** The GitHub service client. */
  readonly github: RestClient<'github'>;
  /** The Purge Cache service client. */
  readonly purgeCache: RestClient<'purgeCache'>;
  /** The Worker Manager service client. */
  readonly workerManager: RestClient<'workerManager'>;
  /** The Object service client. */
  readonly object: RestClient<'object'>;
}

/** What a handler gets besides the message. */
export interface HandlerContext extends ContextClients {
  /**
   * Fires when this call times out (the message is then retried) or when the runner shuts down
   * and its grace period ends with the call still running (the message is redelivered, no
   * attempt used): give up. The context's clients abort their requests with it.
   */
  readonly signal: AbortSignal;
  /** Where to log. */
  readonly logger: Logger;
}

type ClientName = keyof ContextClients;

/**
 * The context's clients (every current service but the web server's), as a record so that tsc
 * fails when a client is added to {@link ContextClients} and not here.
 */
const CONTEXT_CLIENTS: Readonly<Record<ClientName, true>> = {
  auth: true,
  github: true,
  hooks: true,
  index: true,
  notify: true,
  object: true,
  purgeCache: true,
  queue: true,
  secrets: true,
  workerManager: true,
};

/** The names of the context's clients, sorted. */
const CONTEXT_CLIENT_NAMES = Object.keys(CONTEXT_CLIENTS) as ClientName[];

/**
 * Checks a handler's `clients` option: each a client of its service's class, e.g.
 * `{ queue: new Queue({ rootUrl, fake }) }`.
 */
export function checkContextClients(clients: unknown): void {
  if (clients === undefined) return;
  if (typeof clients !== 'object' || clients === null || Array.isArray(clients)) {
    throw new InputError(
      'clients must be an object of service clients, e.g. { queue: new Queue(options) }',
    );
  }
  for (const [name, client] of Object.entries(clients)) {
    if (!Object.hasOwn(CONTEXT_CLIENTS, name)) {
      throw new InputError(
        `clients.${name}: the context has no client of that name (names: ${CONTEXT_CLIENT_NAMES.join(', ')})`,
      );
    }
    const Client: new (options: never) => unknown = restServiceClass(name as ClientName);
    if (!(client instanceof Client)) {
      throw new InputError(`clients.${name} must be a ${Client.name} client`);
    }
  }
}

/** A service client, as far as the context needs to know it. */
interface DerivableClient {
  readonly options: ResolvedClientOptions;
  use(options: Partial<ClientOptions>): this;
}

/**
 * The REST clients of one handler runner: the handler's own `clients`, or built from its
 * `taskcluster` options on first use; shared by its calls.
 */
export class ClientCache {
  readonly #options: ClientOptions | undefined;
  readonly #clients = new Map<string, unknown>();

  constructor(options: ClientOptions | undefined, given: Partial<ContextClients> | undefined) {
    this.#options = options;
    for (const [name, client] of Object.entries(given ?? {})) this.#clients.set(name, client);
  }

  /** The client `name`: the one given, else built with its class the first time. */
  get<K extends ClientName>(name: K): ContextClients[K] {
    let client = this.#clients.get(name) as ContextClients[K] | undefined;
    if (client === undefined) {
      if (this.#options === undefined) {
        throw new InputError(
          `context.${name} needs Taskcluster options: pass { taskcluster: { rootUrl, credentials } } (or { clients: { ${name} } }) to handle()`,
        );
      }
      client = new (restServiceClass(name))(this.#options) as ContextClients[K];
      this.#clients.set(name, client);
    }
    return client;
  }

  /**
   * The client `name` of one call: the runner's, with `signal` combined with the client's own
   * `signal` option; a fake client's fakes and records stay shared.
   */
  forCall<K extends ClientName>(name: K, signal: AbortSignal): ContextClients[K] {
    const shared: DerivableClient = this.get(name);
    return shared.use({ signal: eitherSignal(shared.options.signal, signal) }) as ContextClients[K];
  }
}

/**
 * The {@link HandlerContext} of one handler call: its own signal, the runner's clients bound to
 * it. The signal is made when the handler first reads it (or a client): most handlers never
 * do, and an AbortController costs a few microseconds per message on Node 20.
 */
export class LazyHandlerContext implements HandlerContext {
  readonly logger: Logger;
  readonly #clients: ClientCache;
  /** This call's clients, by name, made on first use. */
  #own: Map<string, unknown> | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #abortReason: unknown;

  constructor(logger: Logger, clients: ClientCache) {
    this.logger = logger;
    this.#clients = clients;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Aborts the call's signal, now or when the handler first reads it. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** The client `name` of this call, made the first time. */
  #client<K extends ClientName>(name: K): ContextClients[K] {
    this.#own ??= new Map();
    let client = this.#own.get(name) as ContextClients[K] | undefined;
    if (client === undefined) {
      client = this.#clients.forCall(name, this.signal);
      this.#own.set(name, client);
    }
    return client;
  }

  get queue(): RestClient<'queue'> {
    return this.#client('queue');
  }
  get index(): RestClient<'index'> {
    return this.#client('index');
  }
  get auth(): RestClient<'auth'> {
    return this.#client('auth');
  }
  get secrets(): RestClient<'secrets'> {
    return this.#client('secrets');
  }
  get hooks(): RestClient<'hooks'> {
    return this.#client('hooks');
  }
  get notify(): RestClient<'notify'> {
    return this.#client('notify');
  }
  get github(): RestClient<'github'> {
    return this.#client('github');
  }
  get purgeCache(): RestClient<'purgeCache'> {
    return this.#client('purgeCache');
  }
  get workerManager(): RestClient<'workerManager'> {
    return this.#client('workerManager');
  }
  get object(): RestClient<'object'> {
    return this.#client('object');
  }
}

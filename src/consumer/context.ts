/**
 * The context a handler gets: a shutdown signal, a logger, and Taskcluster REST clients (the
 * handler's own `clients`, e.g. fakes, or built from its `taskcluster` options on first use: a
 * handler that never calls back costs nothing), whose requests the call's signal aborts.
 */

import { eitherSignal } from '../client/abort.js';
import { Auth } from '../client/generated/auth.js';
import { Github } from '../client/generated/github.js';
import { Hooks } from '../client/generated/hooks.js';
import { Index } from '../client/generated/index-service.js';
import { Notify } from '../client/generated/notify.js';
import { ObjectService } from '../client/generated/object.js';
import { PurgeCache } from '../client/generated/purge-cache.js';
import { Queue } from '../client/generated/queue.js';
import { Secrets } from '../client/generated/secrets.js';
import { WorkerManager } from '../client/generated/worker-manager.js';
import type { ClientOptions, Logger } from '../client/options.js';
import type { ResolvedClientOptions } from '../client/resolved-options.js';
import { InputError } from '../errors.js';

/**
 * The REST clients of a handler context, by name. Each aborts its requests (and the artifact
 * transfers made with it) when {@link HandlerContext.signal} fires, so that no call keeps
 * running behind a retried message; a call's own `signal` combines with it.
 */
export interface ContextClients {
  /** The Queue service client. */
  readonly queue: Queue;
  /** The Index service client. */
  readonly index: Index;
  /** The Auth service client. */
  readonly auth: Auth;
  /** The Secrets service client. */
  readonly secrets: Secrets;
  /** The Hooks service client. */
  readonly hooks: Hooks;
  /** The Notify service client. */
  readonly notify: Notify;
  /** The GitHub service client. */
  readonly github: Github;
  /** The Purge Cache service client. */
  readonly purgeCache: PurgeCache;
  /** The Worker Manager service client. */
  readonly workerManager: WorkerManager;
  /** The Object service client. */
  readonly object: ObjectService;
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

/** The class of each context client. */
const CLIENT_CLASSES = {
  queue: Queue,
  index: Index,
  auth: Auth,
  secrets: Secrets,
  hooks: Hooks,
  notify: Notify,
  github: Github,
  purgeCache: PurgeCache,
  workerManager: WorkerManager,
  object: ObjectService,
} as const satisfies {
  [K in keyof ContextClients]: new (
    options: ClientOptions,
  ) => ContextClients[K];
};

type ClientName = keyof ContextClients;

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
    if (!Object.hasOwn(CLIENT_CLASSES, name)) {
      throw new InputError(
        `clients.${name}: the context has no client of that name (names: ${Object.keys(CLIENT_CLASSES).join(', ')})`,
      );
    }
    const Client: new (options: never) => unknown = CLIENT_CLASSES[name as ClientName];
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
      client = new CLIENT_CLASSES[name](this.#options) as ContextClients[K];
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

  get queue(): Queue {
    return this.#client('queue');
  }
  get index(): Index {
    return this.#client('index');
  }
  get auth(): Auth {
    return this.#client('auth');
  }
  get secrets(): Secrets {
    return this.#client('secrets');
  }
  get hooks(): Hooks {
    return this.#client('hooks');
  }
  get notify(): Notify {
    return this.#client('notify');
  }
  get github(): Github {
    return this.#client('github');
  }
  get purgeCache(): PurgeCache {
    return this.#client('purgeCache');
  }
  get workerManager(): WorkerManager {
    return this.#client('workerManager');
  }
  get object(): ObjectService {
    return this.#client('object');
  }
}

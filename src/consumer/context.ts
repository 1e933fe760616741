/**
 * The context a handler gets: a shutdown signal, a logger, and Taskcluster REST clients built
 * from the handler's `taskcluster` options on first use (a handler that never calls back costs
 * nothing), whose requests the call's signal aborts.
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

/** What a handler gets besides the message. */
export interface HandlerContext {
  /**
   * Fires when this call times out (the message is then retried) or when the runner shuts down
   * and its grace period ends with the call still running (the message is redelivered, no
   * attempt used): give up. The context's clients abort their requests with it.
   */
  readonly signal: AbortSignal;
  /** Where to log. */
  readonly logger: Logger;
  /**
   * The Queue service client. This and the other clients abort their requests (and the
   * artifact transfers made with them) when {@link HandlerContext.signal} fires, so that no
   * call keeps running behind a retried message; a call's own `signal` combines with it.
   */
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

/** A service client, as far as the context needs to know it. */
interface DerivableClient {
  readonly options: ResolvedClientOptions;
  use(options: Partial<ClientOptions>): this;
}

/** The REST clients of one handler runner, built on first use and shared by its calls. */
export class ClientCache {
  readonly #options: ClientOptions | undefined;
  readonly #clients = new Map<string, unknown>();

  constructor(options: ClientOptions | undefined) {
    this.#options = options;
  }

  /** The client `name`, built with `Client` the first time. */
  get<T extends DerivableClient>(name: string, Client: new (options: ClientOptions) => T): T {
    let client = this.#clients.get(name) as T | undefined;
    if (client === undefined) {
      if (this.#options === undefined) {
        throw new InputError(
          `context.${name} needs Taskcluster options: pass { taskcluster: { rootUrl, credentials } } to handle()`,
        );
      }
      client = new Client(this.#options);
      this.#clients.set(name, client);
    }
    return client;
  }

  /**
   * The client `name` of one call: the runner's, with `signal` combined with the options'
   * own `signal`.
   */
  forCall<T extends DerivableClient>(
    name: string,
    Client: new (options: ClientOptions) => T,
    signal: AbortSignal,
  ): T {
    const shared = this.get(name, Client);
    return shared.use({ signal: eitherSignal(shared.options.signal, signal) });
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
  #client<T extends DerivableClient>(name: string, Client: new (options: ClientOptions) => T): T {
    this.#own ??= new Map();
    let client = this.#own.get(name) as T | undefined;
    if (client === undefined) {
      client = this.#clients.forCall(name, Client, this.signal);
      this.#own.set(name, client);
    }
    return client;
  }

  get queue(): Queue {
    return this.#client('queue', Queue);
  }
  get index(): Index {
    return this.#client('index', Index);
  }
  get auth(): Auth {
    return this.#client('auth', Auth);
  }
  get secrets(): Secrets {
    return this.#client('secrets', Secrets);
  }
  get hooks(): Hooks {
    return this.#client('hooks', Hooks);
  }
  get notify(): Notify {
    return this.#client('notify', Notify);
  }
  get github(): Github {
    return this.#client('github', Github);
  }
  get purgeCache(): PurgeCache {
    return this.#client('purgeCache', PurgeCache);
  }
  get workerManager(): WorkerManager {
    return this.#client('workerManager', WorkerManager);
  }
  get object(): ObjectService {
    return this.#client('object', ObjectService);
  }
}

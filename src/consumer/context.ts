/**
 * The context a handler gets: a shutdown signal, a logger, and Taskcluster REST clients built
 * from the handler's `taskcluster` options on first use (a handler that never calls back costs
 * nothing).
 */

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
import { InputError } from '../errors.js';

/** What a handler gets besides the message. */
export interface HandlerContext {
  /**
   * Fires when this call times out (the message is then retried) or the runner shuts down
   * (the message is redelivered): finish quickly or give up.
   */
  readonly signal: AbortSignal;
  /** Where to log. */
  readonly logger: Logger;
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

/** The REST clients of one handler runner, built on first use and shared by its calls. */
export class ClientCache {
  readonly #options: ClientOptions | undefined;
  readonly #clients = new Map<string, unknown>();

  constructor(options: ClientOptions | undefined) {
    this.#options = options;
  }

  /** The client `name`, built with `Client` the first time. */
  get<T>(name: string, Client: new (options: ClientOptions) => T): T {
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
}

/**
 * The {@link HandlerContext} of one handler call: its own signal, the runner's clients. The
 * signal is made when the handler first reads it: most handlers never do, and an
 * AbortController costs a few microseconds per message on Node 20.
 */
export class LazyHandlerContext implements HandlerContext {
  readonly logger: Logger;
  readonly #clients: ClientCache;
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

  get queue(): Queue {
    return this.#clients.get('queue', Queue);
  }
  get index(): Index {
    return this.#clients.get('index', Index);
  }
  get auth(): Auth {
    return this.#clients.get('auth', Auth);
  }
  get secrets(): Secrets {
    return this.#clients.get('secrets', Secrets);
  }
  get hooks(): Hooks {
    return this.#clients.get('hooks', Hooks);
  }
  get notify(): Notify {
    return this.#clients.get('notify', Notify);
  }
  get github(): Github {
    return this.#clients.get('github', Github);
  }
  get purgeCache(): PurgeCache {
    return this.#clients.get('purgeCache', PurgeCache);
  }
  get workerManager(): WorkerManager {
    return this.#clients.get('workerManager', WorkerManager);
  }
  get object(): ObjectService {
    return this.#clients.get('object', ObjectService);
  }
}

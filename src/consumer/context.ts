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
  /** Fires when the runner shuts down: finish quickly or give up (the message is redelivered). */
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

/** The {@link HandlerContext} of one handler runner, shared by its handler calls. */
export class LazyHandlerContext implements HandlerContext {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly #options: ClientOptions | undefined;
  readonly #clients = new Map<string, unknown>();

  constructor(signal: AbortSignal, logger: Logger, options: ClientOptions | undefined) {
    this.signal = signal;
    this.logger = logger;
    this.#options = options;
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

  #client<T>(name: string, Client: new (options: ClientOptions) => T): T {
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

/**
 * `connect()`: the entry point of the consumer. A {@link PulseClient} owns one connection
 * manager and hands out consumers, handler runners and publishers that share it.
 */

import type { Observable } from 'rxjs';
import {
  createMemoryBroker,
  MEMORY_TRANSPORT_DESCRIPTION,
} from '../broker/memory/memory-broker.js';
import type { BrokerTransport } from '../broker/transport.js';
import { InputError } from '../errors.js';
import type { Binding } from '../exchanges/types.js';
import type { Logger } from '../logger.js';
import { AmqpTransport } from './amqp-transport.js';
import { brokerNodes, firstNodeIndex, isTransport } from './broker-list.js';
import { type BrokerNode, ConnectionManager } from './connection.js';
import { consume } from './consume.js';
import type { DeadLetterQueue } from './dead-letters.js';
import { DurableQueue } from './durable-queue.js';
import { type Handler, type HandlerRunner, handle } from './handler.js';
import {
  type HealthServer,
  type HealthServerError,
  type HealthServerOptions,
  serveHealth,
} from './health-server.js';
import type { MessageOf } from './message.js';
import { PulseMetrics } from './metrics.js';
import { checkNamespace, ownQueueNames } from './names.js';
import {
  type BrokerAddress,
  type ConnectionOptions,
  type ConsumerOptions,
  DEFAULT_CONNECTION_NAME,
  type DEFAULT_GRACE_PERIOD_MS,
  type HandlerOptions,
  PUBLISHING_CONNECTION_SUFFIX,
  PULSE_URL_ENV,
} from './options.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import { distinctUntilChanged, map, startWith, subject } from './rx.js';
import type { PulseStatus } from './status.js';

/** A connection to Pulse and everything that uses it. */
export class PulseClient {
  /** The Pulse user that owns this client's queues and exchanges. */
  readonly namespace: string;
  /** Counters and timings of every consumer, handler and publisher of this client. */
  readonly metrics = new PulseMetrics();
  /** Connection and consumer events of every connection of this client; see {@link PulseStatus}. */
  readonly status$: Observable<PulseStatus>;
  readonly #statuses = subject<PulseStatus>();
  /** The options as given. */
  readonly #options: ConnectionOptions;
  /** The broker resolved (see {@link defaultBroker}): a transport, or the nodes' addresses. */
  readonly #broker: BrokerTransport | readonly (string | BrokerAddress)[];
  readonly #manager: ConnectionManager;
  /** The publishers' own connection, opened when a publisher asks for one. */
  #publishing: ConnectionManager | undefined;
  readonly #secrets: string[];
  #linkIds = 0;
  readonly #runners = new Set<HandlerRunner>();
  readonly #publishers = new Set<Publisher>();
  #closed: Promise<void> | undefined;

  constructor(options: ConnectionOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InputError('connect() needs options: { broker, namespace, ... }');
    }
    this.namespace = checkNamespace(options.namespace);
    this.#options = options;
    const broker = options.broker ?? defaultBroker(options.logger);
    this.#broker = isTransport(broker) ? broker : brokerNodes(broker);
    this.#secrets = isTransport(this.#broker)
      ? []
      : this.#broker.flatMap((node) => {
          const password = typeof node === 'string' ? passwordOf(node) : node.password;
          return password === undefined ? [] : [password];
        });
    this.status$ = this.#statuses.asObservable();
    this.#manager = this.#connection(options.connectionName, true);
  }

  /** A connection manager whose events go to `status$`; the main one's `closed` ends it. */
  #connection(connectionName: string | undefined, main: boolean): ConnectionManager {
    const options = this.#options;
    const broker = this.#broker;
    const nodes: BrokerNode[] = isTransport(broker)
      ? [{ transport: broker, host: broker.description }]
      : broker.map((address) => {
          const transport = new AmqpTransport({
            broker: address,
            credentials: options.credentials,
            heartbeat: options.heartbeat,
            tls: options.tls,
            connectionName,
          });
          return { transport, host: transport.host };
        });
    const manager = new ConnectionManager({
      nodes,
      firstNode: firstNodeIndex(nodes.length),
      secrets: this.#secrets,
      recycleInterval: options.recycleInterval,
      gracePeriod: options.gracePeriod,
      reconnect: options.reconnect,
      logger: options.logger,
      nextLinkId: () => ++this.#linkIds,
    });
    manager.status$.subscribe((status) => {
      if (status.type === 'disconnected') this.metrics.counts.reconnects++;
      if (status.type === 'closed' && !main) return;
      this.#statuses.next(status);
      if (status.type === 'closed') this.#statuses.complete();
    });
    return manager;
  }

  /** A safe description of the broker (no password). */
  get broker(): string {
    return this.#manager.describe();
  }

  /** False when a consumer or handler should be consuming but is not. */
  get healthy(): boolean {
    return this.#manager.healthy;
  }

  /**
   * Why the client is not {@link healthy}, or undefined when it is: no connection to the
   * broker (with the last error), or a consumer that is not consuming (and why). Never holds
   * a password.
   */
  get healthProblem(): string | undefined {
    return this.#manager.problem;
  }

  /** {@link healthy} as it changes (checked at every status event). */
  get health$(): Observable<boolean> {
    return this.status$.pipe(
      map(() => this.healthy),
      startWith(this.healthy),
      distinctUntilChanged(),
    );
  }

  /** Resolves once a connection is up. */
  async connected(): Promise<void> {
    await this.#manager.nextLink();
  }

  /** The messages of a queue bound to `options.bindings`; see {@link ConsumerOptions}. */
  consume<B extends Binding<unknown, unknown>>(
    options: ConsumerOptions<B>,
  ): Observable<MessageOf<B>> {
    return consume(this.#manager, this.namespace, options, this.metrics);
  }

  /** Runs `handler` on each message; see {@link HandlerOptions}. */
  handle<B extends Binding<unknown, unknown>>(
    options: HandlerOptions<B>,
    handler: Handler<B>,
  ): HandlerRunner {
    const runner = handle(this.#manager, this.namespace, options, handler, this.metrics);
    this.#runners.add(runner);
    return runner;
  }

  /** A publisher with confirms on this client's connection. */
  publisher(options: PublisherOptions = {}): Publisher {
    let manager = this.#manager;
    if (options.ownConnection) {
      const name = this.#options.connectionName ?? DEFAULT_CONNECTION_NAME;
      this.#publishing ??= this.#connection(`${name}${PUBLISHING_CONNECTION_SUFFIX}`, false);
      manager = this.#publishing;
    }
    const publisher = new Publisher(manager, options, this.metrics);
    this.#publishers.add(publisher);
    return publisher;
  }

  /**
   * A durable queue of this client's namespace, to inspect or delete with its companions:
   * `name` as given to `handle()` (`my-bot`), or in full (`queue/<namespace>/my-bot`).
   * @throws {InputError} for a queue outside the namespace or a companion's name
   * (`my-bot/dead`), before anything is sent.
   */
  durableQueue(name: string): DurableQueue {
    return new DurableQueue(this.#manager, ownQueueNames(this.namespace, name));
  }

  /**
   * The dead letters of a durable queue of this client's namespace (`queue/<ns>/<name>/dead`),
   * to list, replay or purge; `name` as for {@link durableQueue}.
   * @throws {InputError} as {@link durableQueue} does.
   */
  deadLetters(name: string): DeadLetterQueue {
    return this.durableQueue(name).deadLetters;
  }

  /**
   * Serves `/healthz` (200 while {@link healthy}, else 503 with {@link healthProblem}),
   * `/livez` and `/metrics` (Prometheus text, with prom-client installed) over HTTP, and shuts
   * the bot down gracefully on SIGTERM and SIGINT: this client is closed (running handlers get
   * the grace period, which defaults to the connection's), then the process exits. A port
   * already in use is a {@link HealthServerError} with code `PortInUse`.
   */
  serveHealth(options: HealthServerOptions = {}): Promise<HealthServer> {
    const gracePeriod = options.gracePeriod ?? this.#options.gracePeriod;
    return serveHealth(this, gracePeriod === undefined ? options : { ...options, gracePeriod });
  }

  /** Replaces the connection by a new one now, as the periodic recycling does. */
  recycle(): Promise<void> {
    return this.#manager.recycle();
  }

  /**
   * Closes handler runners (waiting up to `gracePeriod` ms for running handlers, and acking
   * what finished), publishers (waiting for confirms), then the connection. Idempotent.
   * `gracePeriod` defaults to the connection's, else {@link DEFAULT_GRACE_PERIOD_MS}.
   */
  close(gracePeriod: number | undefined = this.#options.gracePeriod): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.allSettled([...this.#runners].map((runner) => runner.close(gracePeriod)));
      await Promise.allSettled([...this.#publishers].map((publisher) => publisher.close()));
      await this.#publishing?.close();
      await this.#manager.close();
    })();
    return this.#closed;
  }
}

/** Connects to Pulse (in the background: see {@link PulseClient.connected} and `status$`). */
export function connect(options: ConnectionOptions): PulseClient {
  return new PulseClient(options);
}

/**
 * The broker of a `connect()` given none: `PULSE_URL`, else a fresh in-memory broker, so a new
 * user's bot runs without any setup; the one log line says which, since a bot that was meant
 * for a real Pulse must not quietly talk to itself.
 */
function defaultBroker(logger: Logger | undefined): string | BrokerTransport {
  const url = process.env[PULSE_URL_ENV];
  if (url) return url;
  const message = `no broker given and ${PULSE_URL_ENV} unset: using the in-memory broker`;
  if (logger) logger.info({ broker: MEMORY_TRANSPORT_DESCRIPTION }, message);
  else process.stderr.write(`taskcluster-pulse: ${message}\n`);
  return createMemoryBroker().transport();
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/**
 * The connection manager: keeps one broker connection up (reconnecting forever with backoff),
 * recycles it periodically (the new one up before the old one closes), and replays every
 * registered user's setup (queues, bindings, consumers, publisher channel) on each connection.
 * A broker of several nodes is gone round: each attempt, recycling included, takes the next.
 */

import type { Observable } from 'rxjs';
import type {
  BrokerConfirmChannel,
  BrokerConnection,
  BrokerTransport,
} from '../broker/transport.js';
import type { Logger } from '../logger.js';
import { type BackoffOptions, reconnectDelay } from './backoff.js';
import { ClosedError, PulseConnectionError, redact } from './errors.js';
import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_RECYCLE_INTERVAL_MS } from './options.js';
import { subject } from './rx.js';
import type { PulseStatus } from './status.js';

/** One broker connection of a {@link ConnectionManager}; users open their channels on it. */
export class Link {
  /** Numbers the connections of one manager from 1. */
  readonly id: number;
  readonly connection: BrokerConnection;
  /** The node the connection went to, as statuses name it ({@link BrokerNode.host}). */
  readonly host: string;
  /** False once the connection closed or is being closed. */
  open = true;
  readonly #confirm = new Map<ConfirmChannelPurpose, Promise<BrokerConfirmChannel>>();

  constructor(id: number, connection: BrokerConnection, host: string) {
    this.id = id;
    this.connection = connection;
    this.host = host;
  }

  /**
   * The link's confirm channel for a purpose, opened on first use and again after it closed.
   * Publishing and the consumers' retries use different ones, so a user's publish to a missing
   * exchange (which closes its channel) never disturbs a retry.
   */
  confirmChannel(purpose: ConfirmChannelPurpose): Promise<BrokerConfirmChannel> {
    let channel = this.#confirm.get(purpose);
    if (channel === undefined) {
      const opening = this.connection.createConfirmChannel();
      channel = opening;
      this.#confirm.set(purpose, opening);
      const forget = () => {
        if (this.#confirm.get(purpose) === opening) this.#confirm.delete(purpose);
      };
      opening.then((open) => {
        // The error is followed by `close`; pending publishes get it through their callbacks.
        open.on('error', () => undefined);
        open.on('close', forget);
      }, forget);
    }
    return channel;
  }
}

/** What a link's confirm channel is for. */
export type ConfirmChannelPurpose = 'publish' | 'republish';

/** Something that uses the connection: set up on every new link, released from old ones. */
export interface LinkUser {
  /**
   * Why the user should be consuming but is not, or undefined when it is (see
   * {@link ConnectionManager.problem}).
   */
  readonly problem?: string | undefined;
  /** Sets up on a new link (declare, bind, consume...). Failures are the user's to report. */
  attach(link: Link): Promise<void>;
  /**
   * Stops using a link. `graceful` (recycling, close): stop consuming, let in-flight messages
   * settle within `gracePeriod` ms. Not graceful: the link is already gone.
   */
  release(link: Link, graceful: boolean, gracePeriod: number): Promise<void>;
}

/** One node of the broker, as a {@link ConnectionManager} connects to it. */
export interface BrokerNode {
  transport: BrokerTransport;
  /** Names the node in statuses: `hostname:port` (no credentials), or the transport's description. */
  host: string;
}

/** Options of a {@link ConnectionManager}. */
export interface ConnectionManagerOptions {
  /** The broker's nodes, at least one; attempts go round them in this order. */
  nodes: readonly BrokerNode[];
  /** The index in `nodes` of the first attempt's node; defaults to 0. */
  firstNode?: number | undefined;
  /** Secrets that must not appear in reported errors (the password). */
  secrets?: readonly string[] | undefined;
  recycleInterval?: number | undefined;
  gracePeriod?: number | undefined;
  reconnect?: BackoffOptions | undefined;
  logger?: Logger | undefined;
  /** Numbers links; a client with several managers shares one counter so numbers are unique. */
  nextLinkId?: (() => number) | undefined;
}

/** Keeps a connection up and its users set up on it; see the module comment. */
export class ConnectionManager {
  readonly #options: ConnectionManagerOptions;
  readonly #status = subject<PulseStatus>();
  readonly #users = new Set<LinkUser>();
  readonly #waiters = new Set<(link: Link) => void>();
  #current: Link | undefined;
  #linkCount = 0;
  /** The index in the nodes of the next attempt's node. */
  #nextNode: number;
  #closing = false;
  /** Why the last connection attempt failed or the connection was lost (redacted). */
  #lastError: string | undefined;
  /** Recycles under way; see {@link ConnectionManager.recycle}. */
  readonly #recycles = new Set<Promise<void>>();
  #closed: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #recycleTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeUp: (() => void) | undefined;

  /** Every status event, as it happens (not replayed to late subscribers). */
  readonly status$: Observable<PulseStatus>;

  constructor(options: ConnectionManagerOptions) {
    this.#options = options;
    this.#nextNode = options.firstNode ?? 0;
    this.status$ = this.#status.asObservable();
    void this.#run();
  }

  /**
   * False when something should be consuming but is not: no connection, or a consumer that is
   * not (yet) set up again on it.
   */
  get healthy(): boolean {
    return this.problem === undefined;
  }

  /**
   * Why the connection is not {@link healthy}, or undefined when it is: no connection (with
   * the last connect error, redacted), or the first user's problem.
   */
  get problem(): string | undefined {
    if (this.#closing) return undefined;
    if (!this.#current?.open) {
      const why = this.#lastError === undefined ? '' : `: ${this.#lastError}`;
      return `no connection to the broker${why}`;
    }
    for (const user of this.#users) {
      const problem = user.problem;
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  /** The link in use, if a connection is up. */
  get current(): Link | undefined {
    return this.#current;
  }

  /** True once `close()` was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /** The broker (each node, comma-separated), described without password. */
  describe(): string {
    return this.#options.nodes.map((node) => node.transport.description).join(', ');
  }

  /** Reports a status event (users report theirs through here too). */
  report(status: PulseStatus): void {
    if (!this.#status.closed) this.#status.next(status);
    this.#options.logger?.debug({ status }, 'pulse status');
  }

  /** Makes a reported error safe to show: the password is replaced by `***`. */
  redact(error: unknown): string {
    return redact(error, this.#options.secrets ?? []);
  }

  /** Resolves with the current link, or the next one when no connection is up. */
  nextLink(): Promise<Link> {
    if (this.#closing) return Promise.reject(new ClosedError('the Pulse connection'));
    if (this.#current?.open) return Promise.resolve(this.#current);
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  /** Adds a user; it is attached now if a connection is up, and on every later one. */
  async register(user: LinkUser): Promise<void> {
    if (this.#closing) throw new ClosedError('the Pulse connection');
    this.#users.add(user);
    const link = this.#current;
    if (link?.open) await user.attach(link);
  }

  /** Removes a user (after it released its links). */
  unregister(user: LinkUser): void {
    this.#users.delete(user);
  }

  /** Closes users gracefully, then the connection; idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#recycleTimer);
    this.#wakeUp?.();
    await Promise.allSettled(this.#recycles);
    const link = this.#current;
    const grace = this.#options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS;
    if (link !== undefined) {
      await Promise.allSettled([...this.#users].map((user) => user.release(link, true, grace)));
      this.#current = undefined;
      link.open = false;
      await link.connection.close().catch(() => undefined);
    }
    this.#users.clear();
    this.report({ type: 'closed' });
    this.#status.complete();
  }

  /** Connects, retrying forever; after a lost connection, even the first attempt waits. */
  async #run(lostError?: PulseConnectionError): Promise<void> {
    let attempt = 0;
    let lastError = lostError ?? new PulseConnectionError('not connected yet');
    while (!this.#closing) {
      attempt++;
      const node = this.#takeNode();
      if (attempt > 1 || lostError !== undefined) {
        const delay = reconnectDelay(attempt, this.#options.reconnect);
        this.report({ type: 'reconnecting', attempt, delay, error: lastError, host: node.host });
        await this.#sleep(delay);
        if (this.#closing) return;
      }
      this.report({ type: 'connecting', attempt, host: node.host });
      try {
        const link = await this.#open(node);
        if (this.#closing) {
          link.open = false;
          await link.connection.close().catch(() => undefined);
          return;
        }
        this.#adopt(link);
        return;
      } catch (error) {
        lastError = new PulseConnectionError(this.redact(error));
        this.#lastError = lastError.message;
      }
    }
  }

  /**
   * The node of the next attempt. The rotation moves on at every attempt, so after a lost
   * connection or a failed attempt the next one goes to another node (a node that just failed
   * is the likeliest to fail again), and recycling moves the connection along the cluster.
   */
  #takeNode(): BrokerNode {
    const nodes = this.#options.nodes;
    const node = nodes[this.#nextNode]!;
    this.#nextNode = (this.#nextNode + 1) % nodes.length;
    return node;
  }

  async #open(node: BrokerNode): Promise<Link> {
    const connection = await node.transport.connect();
    const id = this.#options.nextLinkId?.() ?? ++this.#linkCount;
    const link = new Link(id, connection, node.host);
    connection.on('error', () => {
      // Followed by `close`, which is where the loss is handled.
    });
    connection.on('close', (error?: Error) => this.#onClose(link, error));
    connection.on('blocked', (reason: string) => this.report({ type: 'blocked', reason }));
    connection.on('unblocked', () => this.report({ type: 'unblocked' }));
    return link;
  }

  #adopt(link: Link): void {
    this.#current = link;
    this.#lastError = undefined;
    this.report({ type: 'connected', connection: link.id, host: link.host });
    for (const waiter of this.#waiters) waiter(link);
    this.#waiters.clear();
    for (const user of this.#users) void user.attach(link);
    this.#scheduleRecycle(link);
  }

  #onClose(link: Link, error: Error | undefined): void {
    if (!link.open) return;
    link.open = false;
    const grace = this.#options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS;
    for (const user of this.#users) void user.release(link, false, grace);
    if (this.#current !== link || this.#closing) return;
    this.#current = undefined;
    clearTimeout(this.#recycleTimer);
    // A new error of the message alone: the original's cause and properties may hold secrets.
    const reason = error === undefined ? undefined : new PulseConnectionError(this.redact(error));
    this.#lastError = reason?.message ?? 'connection closed';
    this.report({ type: 'disconnected', connection: link.id, error: reason });
    void this.#run(reason ?? new PulseConnectionError('connection closed'));
  }

  #scheduleRecycle(link: Link): void {
    const interval = this.#options.recycleInterval ?? DEFAULT_RECYCLE_INTERVAL_MS;
    if (interval <= 0) return;
    this.#recycleTimer = setTimeout(() => void this.recycle(link), interval);
    this.#recycleTimer.unref?.();
  }

  /**
   * Replaces `link` (default: the current one) by a new connection: the users are set up on
   * the new one first, then released gracefully from the old one, which is then closed.
   */
  recycle(link: Link | undefined = this.#current): Promise<void> {
    const run = this.#recycle(link);
    // close() waits for it, so that the old connection is closed before close() resolves.
    this.#recycles.add(run);
    return run.finally(() => this.#recycles.delete(run));
  }

  async #recycle(link: Link | undefined): Promise<void> {
    if (link === undefined || link !== this.#current || this.#closing) return;
    this.report({ type: 'recycling', connection: link.id });
    let next: Link;
    try {
      next = await this.#open(this.#takeNode());
    } catch (error) {
      // Keep the old connection and try again at the next interval.
      this.#options.logger?.warn({ error: this.redact(error) }, 'pulse recycling failed');
      this.#scheduleRecycle(link);
      return;
    }
    if (this.#closing || this.#current !== link) {
      next.open = false;
      await next.connection.close().catch(() => undefined);
      return;
    }
    const users = [...this.#users];
    this.#current = next;
    this.report({ type: 'connected', connection: next.id, host: next.host });
    await Promise.allSettled(users.map((user) => user.attach(next)));
    this.#scheduleRecycle(next);
    const grace = this.#options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS;
    await Promise.allSettled(users.map((user) => user.release(link, true, grace)));
    link.open = false;
    await link.connection.close().catch(() => undefined);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeUp = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}

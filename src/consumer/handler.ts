/**
 * `handle()`: runs an async handler on each message of a queue, at most `concurrency` at once
 * (a message delivered while every slot is taken waits in order for one). A message is acked
 * when its handler resolves; a failure sends it to the retry queue (it comes back after
 * `retryDelay`, with its attempt count in a header) until `maxAttempts`, then to the
 * dead-letter queue with the error. Nothing sleeps in the process holding a prefetch slot,
 * except on an exclusive queue: it has no retry queue, so a failed message waits here for its
 * next attempt, and after the last it is reported dropped.
 *
 * Per message this costs one call object (the handler's context, which also holds the call's
 * state) and one `then` on the handler's promise: the timeouts of all running calls share one
 * timer (see {@link Runner}), and a message only waits in the runner's queue when every slot is
 * taken.
 */

import type { Binding } from '../exchanges/types.js';
import type { Logger } from '../logger.js';
import { Fifo } from '../utils/fifo.js';
import type { ConnectionManager } from './connection.js';
import { QueueConsumer } from './consumer.js';
import { ClientCache, type HandlerContext, LazyHandlerContext } from './context.js';
import { ClosedError, HandlerTimeoutError, type RetryDelayError } from './errors.js';
import type { DeliveredMessage, MessageOf } from './message.js';
import type { PulseMetrics } from './metrics.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_GRACE_PERIOD_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PREFETCH,
  type HandlerOptions,
  MAX_RETRY_DELAY_MS,
  type RetryDelayFunction,
} from './options.js';
import { delayFor, retryDelayFunction } from './retry-delay.js';
import { checkHandlerOptions } from './validate.js';

/** Why a dead-lettered message's handler gave up. */
export const HANDLER_FAILED_REASON = 'handler-failed';
/**
 * Why a failed message was dead-lettered before its last attempt: the `retryDelay` function
 * gave no valid delay for it (a {@link RetryDelayError}).
 */
export const RETRY_DELAY_FAILED_REASON = 'retry-delay-failed';
/**
 * Why a message of an exclusive queue was dropped before its handler ran (or ran again): its
 * connection, and so its queue, was gone.
 */
export const LOST_REASON = 'connection-lost';

/** A message handler; resolving acks the message, throwing retries or dead-letters it. */
export type Handler<B> = (message: MessageOf<B>, context: HandlerContext) => Promise<void> | void;

/** A running handler, as `PulseClient.handle` returns it. */
export interface HandlerRunner {
  /** The durable queue's full name, or undefined for an exclusive queue. */
  readonly queue: string | undefined;
  /** False when the runner should be consuming but is not. */
  readonly healthy: boolean;
  /**
   * Stops consuming, waits (up to the grace period) for running handlers and acks what
   * finished, then aborts the `context.signal` of those still running (their context's REST
   * calls with it) and hands their messages back; unstarted messages stay in the queue.
   * Idempotent; after it resolves no handler starts.
   */
  close(gracePeriod?: number): Promise<void>;
  /** Rejects with the configuration error that stopped the runner, if one does. */
  readonly failed: Promise<never>;
  /**
   * Resolves once the queue is declared, bound and consumed for the first time, so no message
   * published from then on is missed; rejects as {@link HandlerRunner.failed} does.
   */
  readonly ready: Promise<void>;
}

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Runs `handler` on the messages of a queue; see the module comment. */
export function handle<B extends Binding<unknown, unknown>>(
  manager: ConnectionManager,
  namespace: string,
  options: HandlerOptions<B>,
  handler: Handler<B>,
  metrics: PulseMetrics,
): HandlerRunner {
  checkHandlerOptions(options);
  return new Runner(
    manager,
    namespace,
    options,
    handler as Handler<Binding<unknown, unknown>>,
    metrics,
  );
}

/**
 * One handler call: the {@link HandlerContext} the handler gets, and what the runner tracks of
 * the call, in one object (besides the `then` on the handler's promise, all that a call costs).
 */
class Call extends LazyHandlerContext {
  readonly message: DeliveredMessage;
  /** When the handler was called (`performance.now()`). */
  readonly start: number;
  /** Set once the call has an outcome: an outcome after that (a late settle) is ignored. */
  over = false;
  /** The running call started just before this one, while this one is in {@link CallList}. */
  older: Call | undefined;
  /** The running call started just after this one, while this one is in {@link CallList}. */
  newer: Call | undefined;

  constructor(logger: Logger, clients: ClientCache, message: DeliveredMessage, start: number) {
    super(logger, clients);
    this.message = message;
    this.start = start;
  }
}

/**
 * The running calls, oldest first: a list linked through the calls themselves, and not a Set,
 * whose outgrown hash tables V8 keeps with their entries (for iterators) and links to the next
 * table: once one table reached the old generation, every later call (its message, payload and
 * socket chunk) stayed alive through the scavenges after it ended and was promoted, and a
 * bot's heap grew by its whole traffic between full collections. A call leaves the list with
 * its links cleared, so an ended call holds no other.
 */
class CallList {
  #oldest: Call | undefined;
  #newest: Call | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends a call that just started. */
  add(call: Call): void {
    call.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = call;
    else this.#newest.newer = call;
    this.#newest = call;
    this.#size++;
  }

  /** Removes a call; false if it was not in the list. */
  delete(call: Call): boolean {
    const { older, newer } = call;
    if (older === undefined && newer === undefined && this.#oldest !== call) return false;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    call.older = undefined;
    call.newer = undefined;
    this.#size--;
    return true;
  }

  /** The calls, oldest first (removing the current call ends the walk: copy first to end calls). */
  *[Symbol.iterator](): IterableIterator<Call> {
    for (let call = this.#oldest; call !== undefined; call = call.newer) yield call;
  }
}

/**
 * Runs the handler on the consumer's messages. The running calls that returned a promise are
 * kept in start order; as every call of a runner has the same timeout, the oldest one is the
 * next to time out, so one timer (the sweep) armed for the oldest call's deadline serves them
 * all: when it fires it times out every call past its deadline and arms itself for the next.
 * A call that settles leaves the timer alone, so a call costs no timer of its own.
 */
class Runner implements HandlerRunner {
  readonly #consumer: QueueConsumer;
  /** No queue name: the queue dies with its connection, and has no retry or dead-letter queue. */
  readonly #exclusive: boolean;
  readonly #handler: Handler<Binding<unknown, unknown>>;
  readonly #metrics: PulseMetrics;
  readonly #concurrency: number;
  /** Calls holding a slot: running, or moving their failed message to the retry queue. */
  #running = 0;
  /** Messages waiting for a slot, oldest first (up to a prefetch's worth). */
  readonly #queued = new Fifo<DeliveredMessage>();
  /** Set while starting queued messages, so that a call that ends meanwhile starts no other. */
  #starting = false;
  /** The running calls that returned a promise, in start (so deadline) order. */
  readonly #calls = new CallList();
  /** The timer of the next deadline check, while one is due. */
  #sweep: ReturnType<typeof setTimeout> | undefined;
  readonly #onSweep = () => this.#sweepDeadlines();
  /** Resolves `close()`'s wait once no call holds a slot. */
  #onIdle: (() => void) | undefined;
  /** Messages of an exclusive queue waiting for their next attempt, by their timer. */
  readonly #waiting = new Map<ReturnType<typeof setTimeout>, DeliveredMessage>();
  readonly #clients: ClientCache;
  readonly #maxAttempts: number;
  readonly #retryDelay: RetryDelayFunction;
  readonly #timeout: number;
  readonly #logger: Logger;
  #closing = false;
  #closed: Promise<void> | undefined;
  #fail!: (error: Error) => void;
  readonly failed: Promise<never>;
  readonly ready: Promise<void>;

  constructor(
    manager: ConnectionManager,
    namespace: string,
    options: HandlerOptions<Binding<unknown, unknown>>,
    handler: Handler<Binding<unknown, unknown>>,
    metrics: PulseMetrics,
  ) {
    const prefetch = options.prefetch ?? Math.max(DEFAULT_PREFETCH, options.concurrency ?? 0);
    this.#exclusive = options.queueName === undefined;
    this.#handler = handler;
    this.#metrics = metrics;
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#retryDelay = retryDelayFunction(options.retryDelay);
    this.#timeout = options.handlerTimeout ?? DEFAULT_HANDLER_TIMEOUT_MS;
    this.#logger = options.logger ?? silentLogger;
    this.#concurrency = Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, prefetch);
    this.#clients = new ClientCache(options.taskcluster, options.clients);
    this.failed = new Promise<never>((_, reject) => {
      this.#fail = reject;
    });
    this.failed.catch(() => undefined);
    this.#consumer = new QueueConsumer(
      manager,
      namespace,
      { ...options, prefetch },
      {
        next: (message) => this.#submit(message),
        error: (error) => {
          this.#logger.error({ error: error.message }, 'pulse handler stopped');
          this.#fail(error);
        },
      },
      metrics,
    );
    this.ready = Promise.race([this.#consumer.consuming, this.failed]);
    // Like `failed`, `ready` rejects on a configuration error; whoever awaits it sees that.
    this.ready.catch(() => undefined);
    manager.register(this.#consumer).catch((error: unknown) => this.#fail(error as Error));
  }

  get queue(): string | undefined {
    return this.#consumer.names?.work;
  }

  get healthy(): boolean {
    return this.#consumer.healthy;
  }

  /** Runs a message's handler now if a slot is free and none waits before it, else queues it. */
  #submit(message: DeliveredMessage): void {
    if (this.#closing) {
      // Shutting down: leave the message for another consumer.
      message.nack(true);
      return;
    }
    if (this.#running < this.#concurrency && this.#queued.size === 0) this.#start(message);
    else {
      this.#queued.push(message);
      this.#startQueued();
    }
  }

  /** Starts queued messages while slots are free (a loop, not a recursion through `#end`). */
  #startQueued(): void {
    if (this.#starting) return;
    this.#starting = true;
    while (this.#running < this.#concurrency && this.#queued.size > 0 && !this.#closing) {
      this.#start(this.#queued.shift()!);
    }
    this.#starting = false;
  }

  #start(message: DeliveredMessage): void {
    if (!message.source.open) {
      // Its channel died before it started. A durable queue's broker redelivers it, so it must
      // not run twice; an exclusive queue died with the connection, and the message with it.
      if (this.#exclusive) this.#consumer.dropped(message.source.queue, LOST_REASON);
      return;
    }
    this.#running++;
    this.#metrics.counts.inFlight++;
    const call = new Call(this.#logger, this.#clients, message, performance.now());
    let result: unknown;
    try {
      result = this.#handler(message as never, call);
    } catch (error) {
      this.#end(call, true, error, false);
      return;
    }
    // A synchronous handler has finished already.
    if (!isPromiseLike(result)) {
      this.#end(call, false, undefined, false);
      return;
    }
    this.#calls.add(call);
    if (this.#sweep === undefined) this.#armSweep(this.#timeout);
    // The only running call: its deadline keeps the process alive, as a call's own timer did.
    else if (this.#calls.size === 1) this.#sweep.ref();
    result.then(
      () => this.#end(call, false, undefined, false),
      (error: unknown) => this.#end(call, true, error, false),
    );
  }

  #armSweep(delay: number): void {
    // A handler timeout may exceed the largest timer Node.js sets: check again then.
    this.#sweep = setTimeout(this.#onSweep, Math.min(delay, MAX_RETRY_DELAY_MS));
  }

  /** Times out every call past its deadline; arms the sweep for the oldest other one. */
  #sweepDeadlines(): void {
    this.#sweep = undefined;
    const now = performance.now();
    const due: Call[] = [];
    for (const call of this.#calls) {
      const left = call.start + this.#timeout - now;
      if (left > 0) {
        this.#armSweep(left);
        break;
      }
      due.push(call);
    }
    // Armed first, so that a call started in a slot freed here finds it set and sets no other.
    for (const call of due) {
      const error = new HandlerTimeoutError(this.#timeout);
      call.abort(error);
      this.#end(call, true, error, true);
    }
  }

  /** The outcome of a call (the first one only); the message is then settled or moved. */
  #end(call: Call, failed: boolean, failure: unknown, timedOut: boolean): void {
    if (call.over) return;
    call.over = true;
    const counts = this.#metrics.counts;
    counts.inFlight--;
    this.#metrics.recordHandlerTime(performance.now() - call.start);
    // Nothing else running: the sweep timer no longer holds the process.
    if (this.#calls.delete(call) && this.#calls.size === 0) this.#sweep?.unref();
    const message = call.message;
    if (!failed) {
      counts.handled++;
      message.ack();
      this.#release();
      return;
    }
    counts.failed++;
    if (this.#closing && !timedOut) {
      // A failure after shutdown began (often the abort itself) uses up no attempt.
      message.nack(true);
      this.#release();
      return;
    }
    // The slot stays taken until the message is moved, so moves count against the concurrency.
    void this.#retryOrDeadLetter(message, failure).finally(() => this.#release());
  }

  /** Frees a slot: starts the next queued message, or tells `close()` that all are done. */
  #release(): void {
    this.#running--;
    this.#startQueued();
    if (this.#running === 0) this.#onIdle?.();
  }

  async #retryOrDeadLetter(message: DeliveredMessage, failure: unknown): Promise<void> {
    // The handler settled the message itself before failing: nothing left to move.
    if (message.settled) return;
    const error = failure instanceof Error ? failure.message : String(failure);
    const attempts = message.attempt;
    this.#logger.warn(
      {
        queue: message.queue,
        exchange: message.exchange,
        routingKey: message.routingKey,
        attempt: attempts,
        error,
      },
      'pulse handler failed',
    );
    let delay: number | undefined;
    let reason = HANDLER_FAILED_REASON;
    let deadError = error;
    if (attempts < this.#maxAttempts) {
      try {
        delay = delayFor(this.#retryDelay, attempts, failure);
      } catch (delayError) {
        // No delay anybody chose: keep the message where it can be seen and replayed.
        reason = RETRY_DELAY_FAILED_REASON;
        deadError = `${(delayError as Error).message}; the handler failed with: ${error}`;
        this.#logger.error(
          { queue: message.queue, attempt: attempts, error: (delayError as Error).message },
          'pulse retryDelay failed: dead-lettering the message',
        );
      }
    }
    if (delay !== undefined && this.#exclusive) {
      this.#retryHere(message, delay);
      return;
    }
    // After the last attempt (or without a delay), a durable queue's message goes to its
    // dead-letter queue; an exclusive queue has none, and its message is reported dropped.
    const moved =
      delay === undefined
        ? await this.#consumer.deadLetter(message, reason, deadError, attempts)
        : await this.#consumer.retry(message, attempts, delay);
    // Not moved (the connection is going): hand it back; a redelivery uses up no attempt.
    if (moved) message.ack();
    else message.nack(true);
  }

  /**
   * Runs a failed message of an exclusive queue again after the retry delay, holding its
   * prefetch slot meanwhile: a copy sent to the queue would come back at once, and the queue
   * (with whatever it holds) is gone with its connection anyway.
   */
  #retryHere(message: DeliveredMessage, delay: number): void {
    const next = message.nextAttempt();
    this.#metrics.counts.retried++;
    const timer = setTimeout(() => {
      this.#waiting.delete(timer);
      this.#submit(next);
    }, delay);
    this.#waiting.set(timer, next);
  }

  close(gracePeriod = DEFAULT_GRACE_PERIOD_MS): Promise<void> {
    this.#closed ??= this.#close(gracePeriod);
    return this.#closed;
  }

  async #close(gracePeriod: number): Promise<void> {
    this.#closing = true;
    // Waiting retries and unstarted messages are handed back at once; once deliveries stopped,
    // so that the broker does not hand them straight back to this consumer.
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const [timer] of waiting) clearTimeout(timer);
    await this.#consumer.pause();
    for (const [, message] of waiting) message.nack(true);
    for (const message of this.#queued.drain()) message.nack(true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (this.#running > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#onIdle = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, gracePeriod);
        }),
      ]);
    }
    clearTimeout(timer);
    // The grace period is over: the calls still running are told, and their context's REST
    // calls and transfers cut off, so that none runs on beside its redelivered message.
    const closed = new ClosedError('the handler runner');
    // A copy: a call removed from the list while walking it would end the walk.
    for (const call of [...this.#calls]) call.abort(closed);
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    await this.#consumer.stop(0);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/**
 * `handle()`: runs an async handler on each message of a queue, at most `concurrency` at once
 * (p-queue). A message is acked when its handler resolves; a failure sends it to the retry
 * queue (it comes back after `retryDelay`, with its attempt count in a header) until
 * `maxAttempts`, then to the dead-letter queue with the error. Nothing sleeps in the process
 * holding a prefetch slot, except on an exclusive queue: it has no retry queue, so a failed
 * message waits here for its next attempt, and after the last it is reported dropped.
 */

import PQueue from 'p-queue';
import type { Binding } from '../exchanges/types.js';
import type { Logger } from '../logger.js';
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

class Runner implements HandlerRunner {
  readonly #consumer: QueueConsumer;
  /** No queue name: the queue dies with its connection, and has no retry or dead-letter queue. */
  readonly #exclusive: boolean;
  readonly #handler: Handler<Binding<unknown, unknown>>;
  readonly #metrics: PulseMetrics;
  readonly #queue: PQueue;
  /** The signals of the calls running now, aborted when a shutdown's grace period ends. */
  readonly #calls = new Set<LazyHandlerContext>();
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
    this.#queue = new PQueue({
      concurrency: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, prefetch),
    });
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
        next: (message) => {
          void this.#queue.add(() => this.#runOne(message));
        },
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

  async #runOne(message: DeliveredMessage): Promise<void> {
    if (this.#closing) {
      // Shutting down: leave the message for another consumer.
      message.nack(true);
      return;
    }
    if (!message.source.open) {
      // Its channel died before it started. A durable queue's broker redelivers it, so it must
      // not run twice; an exclusive queue died with the connection, and the message with it.
      if (this.#exclusive) this.#consumer.dropped(message.source.queue, LOST_REASON);
      return;
    }
    const counts = this.#metrics.counts;
    counts.inFlight++;
    const start = performance.now();
    let failure: unknown;
    let timedOut = false;
    const context = new LazyHandlerContext(this.#logger, this.#clients);
    this.#calls.add(context);
    try {
      const result = this.#handler(message as never, context);
      // A synchronous handler has finished already; an asynchronous one races its timeout with
      // one promise and one timer, and no error is built unless it times out.
      if (isPromiseLike(result)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            timedOut = true;
            const error = new HandlerTimeoutError(this.#timeout);
            context.abort(error);
            reject(error);
          }, this.#timeout);
          result.then(
            () => {
              clearTimeout(timer);
              resolve();
            },
            (error: unknown) => {
              clearTimeout(timer);
              reject(error);
            },
          );
        });
      }
    } catch (error) {
      failure = error;
    } finally {
      this.#calls.delete(context);
      counts.inFlight--;
      this.#metrics.recordHandlerTime(performance.now() - start);
    }
    if (failure === undefined) {
      counts.handled++;
      message.ack();
      return;
    }
    counts.failed++;
    if (this.#closing && !timedOut) {
      // A failure after shutdown began (often the abort itself) uses up no attempt.
      message.nack(true);
      return;
    }
    await this.#retryOrDeadLetter(message, failure);
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
      void this.#queue.add(() => this.#runOne(next));
    }, delay);
    this.#waiting.set(timer, next);
  }

  close(gracePeriod = DEFAULT_GRACE_PERIOD_MS): Promise<void> {
    this.#closed ??= this.#close(gracePeriod);
    return this.#closed;
  }

  async #close(gracePeriod: number): Promise<void> {
    this.#closing = true;
    // Waiting retries are handed back at once, as unstarted messages are; once deliveries
    // stopped, so that the broker does not hand them straight back to this consumer.
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const [timer] of waiting) clearTimeout(timer);
    await this.#consumer.pause();
    for (const [, message] of waiting) message.nack(true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#queue.onIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, gracePeriod);
      }),
    ]);
    clearTimeout(timer);
    // The grace period is over: the calls still running are told, and their context's REST
    // calls and transfers cut off, so that none runs on beside its redelivered message.
    const closed = new ClosedError('the handler runner');
    for (const call of this.#calls) call.abort(closed);
    this.#queue.clear();
    await this.#consumer.stop(0);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

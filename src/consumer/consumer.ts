/**
 * One queue consumer, set up again on every connection: declares its queue(s), reconciles the
 * bindings, consumes with a prefetch, decodes deliveries and hands them to a sink. Poison
 * messages go to the dead-letter queue here, before anyone sees them. A consumer the broker
 * cancels, or whose channel dies while the connection lives, is set up again.
 */

import type { Delivery, PublishOptions } from '../broker/transport.js';
import type { Binding } from '../exchanges/types.js';
import { reconnectDelay } from './backoff.js';
import { type BindingFailure, bindAll, distinctBindings, reconcileBindings } from './bindings.js';
import type { ConnectionManager, Link, LinkUser } from './connection.js';
import { MessageDecoder } from './decode.js';
import type { PoisonMessageError } from './errors.js';
import { QueueArgumentsMismatchError } from './errors.js';
import { type DeliveredMessage, DeliveryChannel } from './message.js';
import type { PulseMetrics } from './metrics.js';
import { exclusiveQueueName, type QueueNames, queueNames } from './names.js';
import { type ConsumerOptions, DEFAULT_PREFETCH } from './options.js';
import {
  declareDurableQueues,
  declareExclusiveQueue,
  type KeptQueue,
  queueCounts,
} from './queues.js';
import { copyOptions, type DeliveryOrigin, moveDelivery } from './republish.js';

/** Where a consumer's messages and fatal errors go. */
export interface ConsumerSink {
  /** A decoded message; the sink settles it. */
  next(message: DeliveredMessage): void;
  /** A configuration error that setting up again cannot fix; the consumer has stopped. */
  error(error: Error): void;
}

/** A queue consumer; see the module comment. */
export class QueueConsumer implements LinkUser {
  readonly #manager: ConnectionManager;
  readonly #namespace: string;
  readonly #options: ConsumerOptions<Binding<unknown, unknown>>;
  readonly #sink: ConsumerSink;
  readonly #metrics: PulseMetrics;
  readonly #decoder: MessageDecoder;
  readonly #names: QueueNames | undefined;
  readonly #channels = new Map<Link, DeliveryChannel>();
  #stopped = false;
  /** Stopped by a configuration error; unhealthy until `stop()`. */
  #failed = false;
  #paused = false;
  #exclusiveBefore = false;
  /** The last set-up error (redacted), until a set-up succeeds. */
  #lastError: string | undefined;
  /** Failed set-ups in a row, for the backoff of the next try. */
  #setupFailures = 0;
  /** Links a set-up is running on, so that one link never gets two. */
  readonly #attaching = new Set<Link>();
  #markConsuming!: () => void;
  /** Resolves the first time the queue is declared, bound and consumed. */
  readonly consuming = new Promise<void>((resolve) => {
    this.#markConsuming = resolve;
  });

  constructor(
    manager: ConnectionManager,
    namespace: string,
    options: ConsumerOptions<Binding<unknown, unknown>>,
    sink: ConsumerSink,
    metrics: PulseMetrics,
  ) {
    this.#manager = manager;
    this.#namespace = namespace;
    this.#options = options;
    this.#sink = sink;
    this.#metrics = metrics;
    this.#decoder = new MessageDecoder(options.bindings, options.schemas, options.maxMessageSize);
    this.#names =
      options.queueName === undefined ? undefined : queueNames(namespace, options.queueName);
  }

  /** Reports a companion queue kept with the arguments an earlier version gave it. */
  readonly #kept = ({ queue, argument }: KeptQueue): void => {
    this.#manager.report({ type: 'queue-kept', queue, argument });
  };

  /** The queue names of a durable consumer. */
  get names(): QueueNames | undefined {
    return this.#names;
  }

  /** False when the consumer should be consuming (not stopped) but is not on the current link. */
  get healthy(): boolean {
    return this.problem === undefined;
  }

  /**
   * Why the consumer should be consuming but is not, or undefined: stopped by a configuration
   * error, or not (yet) set up on the current connection (with the last set-up error).
   */
  get problem(): string | undefined {
    const queue = this.#names?.work ?? 'an exclusive queue';
    if (this.#failed) return `${queue} cannot be consumed: ${this.#lastError ?? 'set-up failed'}`;
    if (this.#stopped || this.#paused) return undefined;
    const link = this.#manager.current;
    if (link === undefined) return 'no connection to the broker';
    if (this.#channels.get(link)?.consuming === true) return undefined;
    const why = this.#lastError === undefined ? '' : ` (last set-up error: ${this.#lastError})`;
    return `${queue} is not consumed on the current connection yet${why}`;
  }

  async attach(link: Link): Promise<void> {
    if (this.#stopped || this.#paused || this.#failed || !link.open) return;
    if (this.#channels.has(link) || this.#attaching.has(link)) return;
    this.#attaching.add(link);
    try {
      await this.#attach(link);
    } finally {
      this.#attaching.delete(link);
    }
  }

  async #attach(link: Link): Promise<void> {
    const queue = this.#names?.work ?? exclusiveQueueName(this.#namespace);
    let failures: BindingFailure[] = [];
    let source: DeliveryChannel | undefined;
    try {
      const connection = link.connection;
      const keys = distinctBindings(this.#options.bindings);
      if (this.#names !== undefined) {
        // A work queue declared anew has no bindings, whatever its manifest says.
        const queueIsNew = (await queueCounts(connection, queue)) === undefined;
        await declareDurableQueues(connection, this.#names, this.#options, this.#kept);
        const manifest = this.#names.manifest;
        failures = await reconcileBindings(connection, queue, manifest, keys, queueIsNew);
      }
      const channel = await connection.createChannel();
      source = new DeliveryChannel(channel, link, queue, this.#metrics);
      const current = source;
      channel.on('error', () => undefined);
      channel.on('close', () => this.#onChannelClose(current));
      this.#channels.set(link, source);
      if (this.#names === undefined) {
        await declareExclusiveQueue(channel, queue, this.#options);
        failures = await bindAll(connection, queue, keys);
        // While recycling, the old connection's queue still receives: nothing is missed.
        const overlapping = [...this.#channels.values()].some(
          (other) => other !== current && other.open,
        );
        if (this.#exclusiveBefore && !overlapping) {
          this.#manager.report({ type: 'messages-may-be-missed', queue });
        }
        this.#exclusiveBefore = true;
      }
      for (const failure of failures) {
        this.#manager.report({
          type: 'binding-failed',
          queue,
          exchange: failure.exchange,
          routingKeyPattern: failure.routingKeyPattern,
          error: failure.error,
        });
      }
      await channel.prefetch(this.#options.prefetch ?? DEFAULT_PREFETCH);
      if (this.#stopped) {
        // Stopped while setting up: stop() did not see this channel.
        this.#channels.delete(link);
        source.open = false;
        await channel.close().catch(() => undefined);
        return;
      }
      if (this.#paused || !source.open) return;
      const onDelivery = (delivery: Delivery | null) => this.#onDelivery(current, delivery);
      const { consumerTag } = await channel.consume(queue, onDelivery);
      source.consumerTag = consumerTag;
      source.consuming = true;
      this.#setupFailures = 0;
      this.#lastError = undefined;
      this.#markConsuming();
      this.#manager.report({ type: 'consuming', queue, connection: link.id });
    } catch (error) {
      if (source !== undefined) {
        this.#channels.delete(link);
        source.open = false;
        await source.channel.close().catch(() => undefined);
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#lastError = this.#manager.redact(failure);
      if (failure instanceof QueueArgumentsMismatchError) {
        // Setting up again cannot fix this: report it, and stay unhealthy until stopped.
        this.#failed = true;
        this.#manager.report({ type: 'setup-failed', queue, error: failure });
        this.#sink.error(failure);
        return;
      }
      if (!link.open || this.#stopped) return;
      this.#manager.report({ type: 'setup-failed', queue, error: failure });
      this.#retryAttach(link);
    }
  }

  #retryAttach(link: Link): void {
    const delay = reconnectDelay(++this.#setupFailures);
    const timer = setTimeout(() => void this.attach(link), delay);
    timer.unref?.();
  }

  #onChannelClose(source: DeliveryChannel): void {
    source.open = false;
    source.consuming = false;
    const link = source.link;
    if (this.#channels.get(link) !== source) return;
    this.#channels.delete(link);
    // The channel died under a live connection (a channel error): set up again on it.
    if (link.open && !this.#stopped && !this.#paused && this.#manager.current === link) {
      this.#retryAttach(link);
    }
  }

  #onDelivery(source: DeliveryChannel, delivery: Delivery | null): void {
    if (delivery === null) {
      // The broker cancelled the consumer (its queue was deleted, for instance).
      source.consuming = false;
      this.#manager.report({ type: 'consumer-cancelled', queue: source.queue });
      void source.close();
      return;
    }
    this.#metrics.counts.delivered++;
    source.delivered(delivery);
    let message: DeliveredMessage;
    try {
      message = this.#decoder.decode(delivery, source);
    } catch (error) {
      void this.#deadLetterPoison(source, delivery, error as PoisonMessageError);
      return;
    }
    this.#sink.next(message);
  }

  async #deadLetterPoison(
    source: DeliveryChannel,
    delivery: Delivery,
    error: PoisonMessageError,
  ): Promise<void> {
    this.#metrics.counts.poison++;
    const { exchange, routingKey } = delivery.fields;
    const origin = { source, delivery, exchange, routingKey };
    const moved = await this.deadLetter(origin, error.reason, error.message, 0);
    if (moved) source.ack(delivery);
    else source.nack(delivery, true);
  }

  /**
   * Publishes a copy of a delivery to the dead-letter queue (or, for an exclusive queue that
   * has none, reports and drops it). Resolves false when the copy could not be published.
   */
  async deadLetter(
    origin: DeliveryOrigin,
    reason: string,
    error: string,
    attempts: number,
  ): Promise<boolean> {
    const { source, delivery, exchange, routingKey } = origin;
    if (this.#names === undefined) {
      this.dropped(source.queue, reason);
      this.#metrics.counts.deadLettered++;
      return true;
    }
    const options = copyOptions(delivery, exchange, routingKey, { attempts, reason, error });
    const moved = await this.#move(source, delivery, this.#names.dead, options);
    if (moved) this.#metrics.counts.deadLettered++;
    return moved;
  }

  /** Reports a message of an exclusive queue that is gone, and why. */
  dropped(queue: string, reason: string): void {
    this.#manager.report({ type: 'message-dropped', queue, reason });
  }

  /** Publishes a copy of a delivery to the retry queue; false if it could not be published. */
  async retry(origin: DeliveryOrigin, attempts: number, delay: number): Promise<boolean> {
    if (this.#names === undefined) return false;
    const { source, delivery, exchange, routingKey } = origin;
    const options = copyOptions(delivery, exchange, routingKey, { attempts, delay });
    const moved = await this.#move(source, delivery, this.#names.retry, options);
    if (moved) this.#metrics.counts.retried++;
    return moved;
  }

  /**
   * Moves a copy; when the target queue was deleted from outside (the copy comes back), the
   * queues are declared again and the copy sent once more.
   */
  async #move(
    source: DeliveryChannel,
    delivery: Delivery,
    queue: string,
    options: PublishOptions,
  ): Promise<boolean> {
    if (await moveDelivery(source, delivery, queue, options)) return true;
    if (this.#names === undefined || !source.link.open) return false;
    try {
      await declareDurableQueues(source.link.connection, this.#names, this.#options, this.#kept);
    } catch {
      return false;
    }
    return moveDelivery(source, delivery, queue, options);
  }

  async release(link: Link, graceful: boolean, gracePeriod: number): Promise<void> {
    const source = this.#channels.get(link);
    if (source === undefined) return;
    this.#channels.delete(link);
    if (!graceful || !source.open) {
      source.open = false;
      source.consuming = false;
      return;
    }
    await this.#cancel(source);
    await source.whenSettled(gracePeriod);
    await source.close();
  }

  async #cancel(source: DeliveryChannel): Promise<void> {
    if (!source.consuming) return;
    source.consuming = false;
    await source.channel.cancel(source.consumerTag).catch(() => undefined);
  }

  /** Stops deliveries on every channel; delivered messages can still be settled. */
  async pause(): Promise<void> {
    this.#paused = true;
    await Promise.all([...this.#channels.values()].map((source) => this.#cancel(source)));
  }

  /**
   * Stops for good: no more deliveries, waits up to `gracePeriod` ms for delivered messages to
   * be settled, then closes the channels (the broker requeues what is still unsettled).
   */
  async stop(gracePeriod: number): Promise<void> {
    this.#failed = false;
    if (this.#stopped) return;
    this.#stopped = true;
    this.#manager.unregister(this);
    const sources = [...this.#channels.values()];
    this.#channels.clear();
    await Promise.all(
      sources.map(async (source) => {
        await this.#cancel(source);
        if (source.open) await source.whenSettled(gracePeriod);
        await source.close();
      }),
    );
  }
}

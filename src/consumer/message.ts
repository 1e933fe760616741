/**
 * A delivered message as the user sees it, and the channel that delivered it: a message is
 * acknowledged on that channel only (an ack on another channel would close it with an
 * "unknown delivery tag"), and not at all once that channel is gone (the broker redelivers).
 */

import type { BrokerChannel, Delivery, MessageProperties } from '../broker/transport.js';
import { parseRoutes } from '../exchanges/routing-key.js';
import type { Binding } from '../exchanges/types.js';
import type { Link } from './connection.js';
import type { PulseMetrics } from './metrics.js';

/** Header of a copy (retry or dead-letter) that holds the exchange of the original delivery. */
export const EXCHANGE_HEADER = 'x-tc-exchange';
/** Header of a copy that holds the original routing key. */
export const ROUTING_KEY_HEADER = 'x-tc-routing-key';
/** Header of a copy that holds the original `CC` routes (a copy must not carry `CC` itself). */
export const CC_HEADER = 'x-tc-cc';
/** Header counting the failed handler attempts of a message. */
export const ATTEMPTS_HEADER = 'x-tc-attempts';
/** Header of a dead-lettered message: why (`handler-failed`, `not-json`, ...). */
export const DEAD_REASON_HEADER = 'x-tc-dead-reason';
/** Header of a dead-lettered message: the last error. */
export const DEAD_ERROR_HEADER = 'x-tc-dead-error';
/** The quorum queue header counting earlier deliveries of a message. */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/** A message delivered from a queue, with its payload and routing fields typed by the binding. */
export interface Message<
  Payload = unknown,
  Routing = Record<string, string | undefined>,
  Exchange extends string = string,
> {
  /** The exchange the message was published to (typed by its binding: compare to narrow). */
  readonly exchange: Exchange;
  /** The routing key it was published with. */
  readonly routingKey: string;
  /** The routing key's named fields (empty for a binding without routing-key reference). */
  readonly routing: Routing;
  /** Task routes from the `CC` header, without the `route.` prefix. */
  readonly routes: readonly string[];
  /** The JSON payload. */
  readonly payload: Payload;
  /** True when the broker delivered this message before (to this or another consumer). */
  readonly redelivered: boolean;
  /**
   * Deliveries of this message by the broker, this one included: from the quorum queue's
   * `x-delivery-count` when present, otherwise 2 for a redelivery and 1 else.
   */
  readonly deliveryCount: number;
  /** The handler attempt this delivery is for, from 1; redeliveries do not count. */
  readonly attempt: number;
  /** The queue it came from. */
  readonly queue: string;
  /** The AMQP properties (headers, message id, ...). */
  readonly properties: MessageProperties;
  /** Acknowledges the message; false if it was settled already or its channel is gone. */
  ack(): boolean;
  /**
   * Hands the message back (`requeue`, the default), or rejects it: a durable queue then
   * dead-letters it to its `/dead` queue. False as for `ack`.
   */
  nack(requeue?: boolean): boolean;
}

/** The message type of a binding; over a union of bindings, the union of their messages. */
export type MessageOf<B> = B extends Binding<infer P, infer R, infer E> ? Message<P, R, E> : never;

/**
 * A consumer's channel on one connection, and the messages it delivered that are unsettled.
 *
 * Acks are coalesced: they are sent once per turn of the event loop, as one `multiple` ack for
 * the pending acks older than every unsettled delivery, and one ack each for the others, so a
 * slow message never holds the prefetch slots of later ones. A `multiple` ack only ever names a
 * delivery whose own ack is pending, and nacks are sent at once, before it.
 */
export class DeliveryChannel {
  readonly channel: BrokerChannel;
  readonly link: Link;
  readonly queue: string;
  readonly metrics: PulseMetrics;
  /** False once the channel closed: its messages can no longer be settled. */
  open = true;
  /** False once the consumer was cancelled (no more deliveries come). */
  consuming = false;
  consumerTag = '';
  unsettled = 0;
  readonly #waiters = new Set<() => void>();
  /**
   * The tags of the unsettled deliveries, in delivery (so tag) order. Tags only, not the
   * deliveries: V8 keeps the entries of a Map's or Set's outgrown table (for iterators) and links
   * it to the next, so a table that reached the old generation kept every later table's
   * deliveries (and their payloads, and the socket chunks their content sits in) alive through
   * each scavenge, promoting them all to the old generation: a consumer's heap then grew by
   * its whole traffic between two full collections. Numbers hold nothing.
   */
  readonly #unsettledTags = new Set<number>();
  /** Acked deliveries whose ack is not sent yet. */
  readonly #pending: Delivery[] = [];
  #flushScheduled = false;
  readonly #flush = () => this.flush();

  constructor(channel: BrokerChannel, link: Link, queue: string, metrics: PulseMetrics) {
    this.channel = channel;
    this.link = link;
    this.queue = queue;
    this.metrics = metrics;
  }

  /** Records a delivery of this channel, unsettled until acked or nacked. */
  delivered(delivery: Delivery): void {
    this.unsettled++;
    this.#unsettledTags.add(delivery.fields.deliveryTag);
  }

  /** Acknowledges a delivery of this channel (sent at the next flush). */
  ack(delivery: Delivery): boolean {
    this.#settled(delivery);
    if (!this.open) return false;
    this.#pending.push(delivery);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    this.metrics.counts.acked++;
    return true;
  }

  /** Rejects a delivery of this channel, at once. */
  nack(delivery: Delivery, requeue: boolean): boolean {
    this.#settled(delivery);
    if (!this.open) return false;
    this.channel.nack(delivery, false, requeue);
    if (requeue) this.metrics.counts.requeued++;
    return true;
  }

  /** Sends the pending acks (see the class comment). */
  flush(): void {
    this.#flushScheduled = false;
    const pending = this.#pending;
    if (pending.length === 0) return;
    if (!this.open) {
      pending.length = 0;
      return;
    }
    const oldestUnsettled = this.#unsettledTags.values().next();
    const limit = oldestUnsettled.done ? Number.POSITIVE_INFINITY : oldestUnsettled.value;
    let cover: Delivery | undefined;
    try {
      for (const delivery of pending) {
        const tag = delivery.fields.deliveryTag;
        if (tag > limit) this.channel.ack(delivery);
        else if (cover === undefined || tag > cover.fields.deliveryTag) cover = delivery;
      }
      if (cover !== undefined) this.channel.ack(cover, true);
    } catch {
      // The connection is closing: the broker redelivers what was not acked.
      this.open = false;
    }
    pending.length = 0;
  }

  /** Sends the pending acks, then closes the channel (the broker requeues the unsettled). */
  async close(): Promise<void> {
    this.flush();
    this.open = false;
    await this.channel.close().catch(() => undefined);
  }

  /** Resolves when no delivery is unsettled, or after `timeoutMs`. */
  whenSettled(timeoutMs: number): Promise<void> {
    if (this.unsettled <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const waiters = this.#waiters;
      function finish() {
        clearTimeout(timer);
        waiters.delete(finish);
        resolve();
      }
      waiters.add(finish);
    });
  }

  #settled(delivery: Delivery): void {
    this.#unsettledTags.delete(delivery.fields.deliveryTag);
    this.unsettled--;
    if (this.unsettled <= 0 && this.#waiters.size > 0) {
      for (const finish of [...this.#waiters]) finish();
    }
  }
}

/** The implementation of {@link Message}: fields set once, methods on the prototype. */
export class DeliveredMessage implements Message<unknown, Record<string, string | undefined>> {
  readonly exchange: string;
  readonly routingKey: string;
  readonly routing: Record<string, string | undefined>;
  readonly payload: unknown;
  readonly redelivered: boolean;
  readonly attempt: number;
  readonly delivery: Delivery;
  readonly source: DeliveryChannel;
  #routes: readonly string[] | undefined;
  #settled = false;

  constructor(
    delivery: Delivery,
    source: DeliveryChannel,
    exchange: string,
    routingKey: string,
    routing: Record<string, string | undefined>,
    payload: unknown,
    attempt: number,
  ) {
    this.delivery = delivery;
    this.source = source;
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.routing = routing;
    this.payload = payload;
    this.redelivered = delivery.fields.redelivered;
    this.attempt = attempt;
  }

  get queue(): string {
    return this.source.queue;
  }

  get properties(): MessageProperties {
    return this.delivery.properties;
  }

  get routes(): readonly string[] {
    if (this.#routes === undefined) {
      const headers = this.delivery.properties.headers;
      this.#routes = headers === undefined ? [] : parseRoutes(headers.CC ?? headers[CC_HEADER]);
    }
    return this.#routes;
  }

  get deliveryCount(): number {
    const count = this.delivery.properties.headers?.[DELIVERY_COUNT_HEADER];
    if (typeof count === 'number') return count + 1;
    return this.redelivered ? 2 : 1;
  }

  /** True once acked or nacked (by the user, a retry or a dead-letter). */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return this.source.ack(this.delivery);
  }

  /**
   * The same delivery as the message of the next handler attempt, which settles it from now
   * on; this one can no longer be settled.
   */
  nextAttempt(): DeliveredMessage {
    this.#settled = true;
    return new DeliveredMessage(
      this.delivery,
      this.source,
      this.exchange,
      this.routingKey,
      this.routing,
      this.payload,
      this.attempt + 1,
    );
  }

  nack(requeue = true): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return this.source.nack(this.delivery, requeue);
  }
}

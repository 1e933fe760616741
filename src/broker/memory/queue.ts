/**
 * A queue of the in-memory broker: ready messages in order, round-robin delivery to consumers
 * within their prefetch, requeue to the original place, message TTL, length limit with its
 * overflow behaviour, dead-lettering, `x-expires` and auto-delete.
 */

import type { Delivery } from '../transport.js';
import type { DeathReason } from './dead-letter.js';
import type { BrokerMessage } from './message.js';
import type { QueueDeclaration, QueueSettings } from './queue-arguments.js';
import { ReadyQueue, type Sequenced } from './ready-queue.js';
import type { Scheduler } from './scheduler.js';

/** One message in one queue (a message routed to two queues has two entries). */
export interface QueueEntry extends Sequenced {
  readonly message: BrokerMessage;
  readonly expiresAt: number | undefined;
  redelivered: boolean;
  /** How many times it was returned to the queue (quorum queues' `x-delivery-count`). */
  returns: number;
  /** The dispatch turn that follows its arrival: until then it cannot have expired. */
  readonly arrivalTurn: number;
}

/** The side of a channel that receives deliveries. */
export interface DeliveryTarget {
  /** Whether the channel's own (global) prefetch leaves room. */
  hasCredit(): boolean;
  /** Hands an entry to a consumer of this channel. */
  deliver(consumer: Consumer, queue: MemoryQueue, entry: QueueEntry): void;
  /** The broker cancelled the consumer (its queue is gone): tell the client. */
  cancelled(consumer: Consumer): void;
}

/** A consumer, as a queue sees it. */
export interface Consumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** 0 means no limit. */
  readonly prefetch: number;
  readonly channel: DeliveryTarget;
  readonly onMessage: (message: Delivery | null) => void;
  unacked: number;
  /** False until the client has its `consume` reply: no delivery may come before it. */
  active: boolean;
}

/** What a queue needs from its broker. */
export interface QueueHost {
  readonly scheduler: Scheduler;
  nextSeq(): number;
  deadLetter(queue: MemoryQueue, message: BrokerMessage, reason: DeathReason): void;
  /** The queue deletes itself (unused past `x-expires`, or auto-delete). */
  dropQueue(queue: MemoryQueue): void;
}

/** A queue. */
export class MemoryQueue {
  readonly ready = new ReadyQueue<QueueEntry>();
  readonly consumers: Consumer[] = [];
  unacked = 0;
  deleted = false;
  #next = 0;
  #hadConsumer = false;
  #dispatchScheduled = false;
  // Counts dispatch runs. A message whose TTL ran out before the first run after its arrival
  // (TTL 0) is still delivered to a consumer ready for it, as RabbitMQ delivers it at once.
  #turn = 0;
  #ttlTimer: NodeJS.Timeout | undefined;
  #ttlAt = 0;
  #expiresTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly declaration: QueueDeclaration,
    readonly settings: QueueSettings,
    readonly owner: object | undefined,
    readonly host: QueueHost,
  ) {
    this.touch();
  }

  /** Adds a published message; false when the queue refuses it (overflow `reject-publish`). */
  enqueue(message: BrokerMessage, now: number): boolean {
    const ttl = minTtl(this.settings.messageTtl, message.properties.expiration);
    const entry: QueueEntry = {
      seq: this.host.nextSeq(),
      message,
      expiresAt: ttl === undefined ? undefined : now + ttl,
      redelivered: false,
      returns: 0,
      arrivalTurn: this.#turn,
    };
    const { maxLength, overflow } = this.settings;
    // A quorum queue refuses only once it is over its limit, so with `reject-publish` it takes
    // one message more than `maxLength` (RabbitMQ documents this overshoot).
    const overshoot = overflow === 'reject-publish' && this.settings.type === 'quorum' ? 1 : 0;
    if (maxLength !== undefined && this.ready.size >= maxLength + overshoot) {
      if (overflow !== 'drop-head') {
        if (overflow === 'reject-publish-dlx') this.#deadLetter(entry, 'maxlen');
        return false;
      }
      if (maxLength === 0) {
        this.#deadLetter(entry, 'maxlen');
        return true;
      }
      while (this.ready.size >= maxLength) this.#deadLetter(this.ready.shift()!, 'maxlen');
    }
    this.ready.push(entry);
    this.scheduleDispatch();
    return true;
  }

  /** Acknowledges a delivered entry. */
  ack(consumer: Consumer): void {
    this.#release(consumer);
  }

  /** Returns a delivered entry to its original place (`redelivered` from now on). */
  requeue(consumer: Consumer, entry: QueueEntry): void {
    this.#release(consumer);
    if (this.deleted) return;
    entry.redelivered = true;
    entry.returns += 1;
    const limit = this.settings.deliveryLimit;
    if (this.settings.type === 'quorum' && limit !== undefined && entry.returns > limit) {
      this.#deadLetter(entry, 'delivery_limit');
      return;
    }
    this.ready.requeue(entry);
    this.scheduleDispatch();
  }

  /** Rejects a delivered entry without requeue: dead-lettered, or dropped without a target. */
  reject(consumer: Consumer, entry: QueueEntry): void {
    this.#release(consumer);
    if (!this.deleted) this.#deadLetter(entry, 'rejected');
  }

  /** Adds a consumer (inactive until its reply is sent). */
  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.#hadConsumer = true;
    this.touch();
  }

  /** Removes a consumer; the last one leaving an auto-delete queue deletes it. */
  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (this.#next > index) this.#next -= 1;
    if (this.consumers.length === 0 && this.declaration.autoDelete && this.#hadConsumer) {
      this.host.dropQueue(this);
      return;
    }
    this.touch();
  }

  /** Restarts the `x-expires` clock (a declaration, or the last consumer leaving). */
  touch(): void {
    clearTimeout(this.#expiresTimer);
    this.#expiresTimer = undefined;
    const expires = this.settings.expires;
    if (expires === undefined || this.consumers.length > 0 || this.deleted) return;
    this.#expiresTimer = setTimeout(() => this.host.dropQueue(this), expires);
    this.#expiresTimer.unref();
  }

  /** Removes the ready messages; returns how many. */
  purge(): number {
    const count = this.ready.drain().length;
    this.#armTtl();
    return count;
  }

  /** Marks the queue deleted and stops its timers; returns the count of ready messages. */
  markDeleted(): number {
    this.deleted = true;
    clearTimeout(this.#expiresTimer);
    clearTimeout(this.#ttlTimer);
    this.#ttlTimer = undefined;
    const count = this.ready.size;
    this.ready.drain();
    return count;
  }

  /** Delivers on a later turn (at most one pending dispatch per queue). */
  scheduleDispatch(): void {
    if (this.#dispatchScheduled || this.deleted) return;
    this.#dispatchScheduled = true;
    this.host.scheduler.defer(this.#dispatch);
  }

  /** Delivers now (the caller is already running on a broker turn). */
  dispatchNow(): void {
    this.#dispatch();
  }

  readonly #dispatch = (): void => {
    this.#dispatchScheduled = false;
    const turn = this.#turn;
    this.#turn += 1;
    const now = Date.now();
    while (!this.deleted && this.ready.size > 0) {
      const head = this.ready.peek()!;
      if (head.expiresAt !== undefined && head.expiresAt <= now && head.arrivalTurn !== turn) {
        this.#deadLetter(this.ready.shift()!, 'expired');
        continue;
      }
      const consumer = this.#nextConsumer();
      if (consumer === undefined) break;
      this.ready.shift();
      if (!consumer.noAck) {
        consumer.unacked += 1;
        this.unacked += 1;
      }
      consumer.channel.deliver(consumer, this, head);
    }
    this.#armTtl();
  };

  #nextConsumer(): Consumer | undefined {
    if (this.settings.singleActiveConsumer) {
      // The single active consumer, or none while it is full: the others only stand by.
      const active = this.consumers.find((consumer) => consumer.active);
      if (active === undefined) return undefined;
      if (active.prefetch > 0 && active.unacked >= active.prefetch) return undefined;
      return active.channel.hasCredit() ? active : undefined;
    }
    const count = this.consumers.length;
    for (let i = 0; i < count; i += 1) {
      const index = (this.#next + i) % count;
      const consumer = this.consumers[index]!;
      if (!consumer.active) continue;
      if (consumer.prefetch > 0 && consumer.unacked >= consumer.prefetch) continue;
      if (!consumer.channel.hasCredit()) continue;
      this.#next = index + 1;
      return consumer;
    }
    return undefined;
  }

  #release(consumer: Consumer): void {
    consumer.unacked -= 1;
    if (this.deleted) return;
    this.unacked -= 1;
    this.scheduleDispatch();
  }

  #deadLetter(entry: QueueEntry, reason: DeathReason): void {
    this.host.deadLetter(this, entry.message, reason);
  }

  // Expired messages leave from the head only, as in RabbitMQ: one timer for the head's expiry.
  #armTtl(): void {
    const head = this.ready.peek();
    const at = head?.expiresAt;
    if (at === undefined || this.deleted) {
      clearTimeout(this.#ttlTimer);
      this.#ttlTimer = undefined;
      return;
    }
    if (this.#ttlTimer !== undefined && this.#ttlAt === at) return;
    clearTimeout(this.#ttlTimer);
    this.#ttlAt = at;
    this.#ttlTimer = setTimeout(
      () => {
        this.#ttlTimer = undefined;
        this.#expireHead();
      },
      Math.max(0, at - Date.now()),
    );
    this.#ttlTimer.unref();
  }

  #expireHead(): void {
    const now = Date.now();
    for (let head = this.ready.peek(); head?.expiresAt !== undefined; head = this.ready.peek()) {
      if (head.expiresAt > now) break;
      this.#deadLetter(this.ready.shift()!, 'expired');
    }
    this.#armTtl();
  }
}

function minTtl(queueTtl: number | undefined, expiration: string | undefined): number | undefined {
  const messageTtl = expiration === undefined ? undefined : Number(expiration);
  if (messageTtl === undefined || !Number.isFinite(messageTtl)) return queueTtl;
  return queueTtl === undefined ? messageTtl : Math.min(queueTtl, messageTtl);
}

/**
 * A durable queue of the caller's namespace with its companions (`/retry`, `/dead`,
 * `/bindings`), as operators see it: what it holds, what it is bound to, and deleting it with
 * everything it made. Only AMQP is used, as Pulse users may have nothing else: it tells a
 * queue's ready messages and consumers, not its unacknowledged ones.
 */

import type { BrokerConnection } from '../broker/transport.js';
import type { BindingKey } from './binding-batch.js';
import { recordedBindings } from './bindings.js';
import type { ConnectionManager } from './connection.js';
import { DeadLetterQueue } from './dead-letters.js';
import { QueueInUseError, QueueNotFoundError } from './errors.js';
import type { QueueNames } from './names.js';
import { queueCounts, withChannel } from './queues.js';

/** What a durable queue holds; counts are of messages ready for delivery. */
export interface QueueReport {
  /** The work queue's full name. */
  readonly queue: string;
  /**
   * Messages waiting for a consumer. Messages delivered and not yet acknowledged are not
   * counted: AMQP does not tell them (the management API's `messages_unacknowledged` does).
   */
  readonly ready: number;
  /** Consumers of the work queue (running bots, `tc-pulse listen --queue`). */
  readonly consumers: number;
  /** Messages waiting for their retry in `/retry`; undefined when there is no such queue. */
  readonly retry: number | undefined;
  /** Dead letters in `/dead` (not counting those a listing holds); undefined without one. */
  readonly dead: number | undefined;
  /**
   * The bindings the queue's manifest records (what its consumers asked for last), or
   * undefined when it has none (no consumer reconciled it, or a reader held the manifest).
   */
  readonly bindings: readonly BindingKey[] | undefined;
}

/** What {@link DurableQueue.delete} removed: the messages each queue held. */
export interface QueueDeletion {
  /** The work queue's full name. */
  readonly queue: string;
  /** Messages deleted with each queue, by its full name; a companion that did not exist is absent. */
  readonly messages: Readonly<Record<string, number>>;
}

/** A durable queue and its companions; `PulseClient.durableQueue(name)` gives one. */
export class DurableQueue {
  /** The full names of the work queue and its companions. */
  readonly names: QueueNames;
  /** Its dead letters. */
  readonly deadLetters: DeadLetterQueue;
  readonly #manager: ConnectionManager;

  /** @internal Made by `PulseClient.durableQueue()`, which checks the name. */
  constructor(manager: ConnectionManager, names: QueueNames) {
    this.#manager = manager;
    this.names = names;
    this.deadLetters = new DeadLetterQueue(manager, names);
  }

  /**
   * The queue's counts and bindings.
   * @throws {QueueNotFoundError} when the work queue does not exist.
   */
  async inspect(): Promise<QueueReport> {
    const { connection } = await this.#manager.nextLink();
    const work = await this.#work(connection, 'nothing to show');
    const [retry, dead] = await Promise.all([
      queueCounts(connection, this.names.retry),
      queueCounts(connection, this.names.dead),
    ]);
    const manifest = await queueCounts(connection, this.names.manifest);
    const bindings =
      manifest === undefined ? undefined : await recordedBindings(connection, this.names.manifest);
    return {
      queue: this.names.work,
      ready: work.messageCount,
      consumers: work.consumerCount,
      retry: retry?.messageCount,
      dead: dead?.messageCount,
      bindings,
    };
  }

  /**
   * Deletes the work queue, then its `/retry`, `/dead` and `/bindings` queues (its bindings go
   * with it), and every message they hold.
   * @throws {QueueNotFoundError} when the work queue does not exist; {@link QueueInUseError}
   * when it has consumers (they would make it again): nothing is deleted then.
   */
  async delete(): Promise<QueueDeletion> {
    const { connection } = await this.#manager.nextLink();
    const work = await this.#work(connection, 'nothing was deleted');
    if (work.consumerCount > 0) throw new QueueInUseError(this.names.work, work.consumerCount);
    const messages: Record<string, number> = {};
    for (const queue of [this.names.work, this.names.retry, this.names.dead, this.names.manifest]) {
      // Deleting a queue that does not exist succeeds on RabbitMQ: ask first, to report only
      // what there was.
      if (queue !== this.names.work && (await queueCounts(connection, queue)) === undefined)
        continue;
      const deleted = (await withChannel(connection, (channel) => channel.deleteQueue(queue))) as {
        messageCount?: number;
      };
      messages[queue] = deleted.messageCount ?? 0;
    }
    return { queue: this.names.work, messages };
  }

  async #work(connection: BrokerConnection, consequence: string) {
    const work = await queueCounts(connection, this.names.work);
    if (work === undefined) throw new QueueNotFoundError(this.names.work, consequence);
    return work;
  }
}

/**
 * The state of the in-memory broker (one virtual host): exchanges, queues, bindings, and the
 * server side of every operation, with RabbitMQ's checks and refusals. Channels call in here;
 * replies and deliveries go back through the scheduler.
 */

import { randomBytes } from 'node:crypto';
import { ReplyCode } from '../reply-codes.js';
import { type AmqpMethod, type BrokerRefusal, Method, refusal } from './amqp-errors.js';
import { type DeathReason, deadLetteredMessage, isAutomaticCycle } from './dead-letter.js';
import { type ExchangeDeclaration, type ExchangeType, MemoryExchange } from './exchange.js';
import { type BrokerMessage, expirationProblem } from './message.js';
import { type Consumer, MemoryQueue, type QueueHost } from './queue.js';
import { checkEquivalence, type QueueDeclaration, queueSettings } from './queue-arguments.js';
import { Scheduler } from './scheduler.js';

/** The reply to a queue declaration, as amqplib returns it. */
export interface QueueReply {
  queue: string;
  messageCount: number;
  consumerCount: number;
}

/** What happened to a published message. */
export interface PublishOutcome {
  /** Whether at least one queue took it (or was meant to: a refused one counts). */
  routed: boolean;
  /** Whether a queue refused it (overflow `reject-publish`): the publisher gets a nack. */
  refused: boolean;
}

/** The connection side the broker knows of: identity for exclusivity, and its channels. */
export type Owner = object;

const PREDECLARED: [string, ExchangeType][] = [
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
  ['amq.topic', 'topic'],
];

const RESERVED_PREFIX = 'amq.';

/** Broker-generated names: 16 random bytes, as RabbitMQ makes them. */
export function generatedName(prefix: 'amq.gen' | 'amq.ctag'): string {
  return `${prefix}-${randomBytes(16).toString('base64url')}`;
}

/** One virtual host of the in-memory broker. */
export class BrokerState implements QueueHost {
  readonly scheduler = new Scheduler();
  readonly exchanges = new Map<string, MemoryExchange<MemoryQueue>>();
  readonly queues = new Map<string, MemoryQueue>();
  #seq = 0;

  constructor() {
    for (const [name, type] of PREDECLARED) {
      this.exchanges.set(
        name,
        new MemoryExchange(name, { type, durable: true, autoDelete: false, internal: false }),
      );
    }
  }

  /** The next broker-wide sequence number (publication order, for requeue placement). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  // --- queues

  /** queue.declare: creates, or checks equivalence and access; `''` gets a generated name. */
  declareQueue(owner: Owner, name: string, declaration: QueueDeclaration): QueueReply {
    const existing = name === '' ? undefined : this.queues.get(name);
    if (existing) {
      this.#checkAccess(existing, owner, Method.queueDeclare, declaration.exclusive);
      checkEquivalence(name, existing.declaration, declaration);
      existing.touch();
      return this.#reply(existing);
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw refusal(
        ReplyCode.accessRefused,
        `queue name '${name}' contains reserved prefix 'amq.*'`,
        Method.queueDeclare,
      );
    }
    const queueName = name === '' ? generatedName('amq.gen') : name;
    const settings = queueSettings(queueName, declaration);
    const queue = new MemoryQueue(
      queueName,
      declaration,
      settings,
      declaration.exclusive ? owner : undefined,
      this,
    );
    this.queues.set(queueName, queue);
    return this.#reply(queue);
  }

  /** queue.declare with `passive`: 404 when missing. */
  checkQueue(owner: Owner, name: string): QueueReply {
    return this.#reply(this.queue(owner, name, Method.queueDeclare));
  }

  /** queue.delete, with RabbitMQ's `ifUnused` and `ifEmpty` refusals. */
  deleteQueue(
    owner: Owner,
    name: string,
    options: { ifUnused?: boolean; ifEmpty?: boolean },
  ): { messageCount: number } {
    const queue = this.queues.get(name);
    // Deleting a queue that does not exist succeeds, as in RabbitMQ.
    if (queue === undefined) return { messageCount: 0 };
    this.#checkAccess(queue, owner, Method.queueDelete);
    if (options.ifUnused && queue.consumers.length > 0) {
      throw refusal(
        ReplyCode.preconditionFailed,
        `${where(queue.name)} in use`,
        Method.queueDelete,
      );
    }
    if (options.ifEmpty && queue.ready.size > 0) {
      throw refusal(
        ReplyCode.preconditionFailed,
        `${where(queue.name)} is not empty`,
        Method.queueDelete,
      );
    }
    return { messageCount: this.dropQueue(queue) };
  }

  /** queue.purge: drops the ready messages. */
  purgeQueue(owner: Owner, name: string): { messageCount: number } {
    return { messageCount: this.queue(owner, name, Method.queuePurge).purge() };
  }

  /** Deletes a queue: bindings go, consumers are cancelled; returns its ready count. */
  dropQueue(queue: MemoryQueue): number {
    if (queue.deleted) return 0;
    const count = queue.markDeleted();
    this.queues.delete(queue.name);
    for (const exchange of [...this.exchanges.values()]) {
      if (exchange.unbindAll(queue)) this.#autoDeleteExchange(exchange);
    }
    for (const consumer of queue.consumers.splice(0)) consumer.channel.cancelled(consumer);
    return count;
  }

  /** The queue named, checked for existence and exclusive access. */
  queue(owner: Owner, name: string, method: AmqpMethod): MemoryQueue {
    const queue = this.queues.get(name);
    if (queue === undefined) {
      throw refusal(ReplyCode.notFound, `no queue '${name}' in vhost '/'`, method);
    }
    this.#checkAccess(queue, owner, method);
    return queue;
  }

  // --- exchanges and bindings

  /** exchange.declare: creates, or checks equivalence; `amq.*` names are reserved. */
  declareExchange(name: string, declaration: ExchangeDeclaration): { exchange: string } {
    if (name === '') throw defaultExchangeRefusal(Method.exchangeDeclare);
    const existing = this.exchanges.get(name);
    if (existing) {
      for (const key of ['type', 'durable', 'autoDelete', 'internal'] as const) {
        const before = existing.declaration[key];
        const now = declaration[key];
        if (before !== now) {
          const arg = key === 'autoDelete' ? 'auto_delete' : key;
          throw refusal(
            ReplyCode.preconditionFailed,
            `inequivalent arg '${arg}' for exchange '${name}' in vhost '/': received '${now}' but current is '${before}'`,
            Method.exchangeDeclare,
          );
        }
      }
      return { exchange: name };
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw refusal(
        ReplyCode.accessRefused,
        `exchange name '${name}' contains reserved prefix 'amq.*'`,
        Method.exchangeDeclare,
      );
    }
    this.exchanges.set(name, new MemoryExchange(name, declaration));
    return { exchange: name };
  }

  /** exchange.delete (amqplib's `deleteExchange`). */
  deleteExchange(name: string, ifUnused: boolean): Record<string, never> {
    if (name === '') throw defaultExchangeRefusal(Method.exchangeDelete);
    const exchange = this.exchanges.get(name);
    // Deleting an exchange that does not exist succeeds, as in RabbitMQ.
    if (exchange === undefined) return {};
    if (ifUnused && !exchange.unbound) {
      throw refusal(
        ReplyCode.preconditionFailed,
        `exchange '${name}' in vhost '/' in use`,
        Method.exchangeDelete,
      );
    }
    this.exchanges.delete(name);
    return {};
  }

  /** exchange.declare with `passive`: 404 when missing. */
  checkExchange(name: string): Record<string, never> {
    if (name !== '') this.exchange(name, Method.exchangeDeclare);
    return {};
  }

  /** queue.bind: 404 for a missing exchange or queue, 403 on the default exchange. */
  bind(owner: Owner, queueName: string, source: string, pattern: string): Record<string, never> {
    if (source === '') throw defaultExchangeRefusal(Method.queueBind);
    const exchange = this.exchange(source, Method.queueBind);
    exchange.bind(this.queue(owner, queueName, Method.queueBind), pattern);
    return {};
  }

  /** queue.unbind: unbinding what is not bound is fine. */
  unbind(owner: Owner, queueName: string, source: string, pattern: string): Record<string, never> {
    if (source === '') throw defaultExchangeRefusal(Method.queueUnbind);
    const exchange = this.exchange(source, Method.queueUnbind);
    exchange.unbind(this.queue(owner, queueName, Method.queueUnbind), pattern);
    this.#autoDeleteExchange(exchange);
    return {};
  }

  /** The exchange named, or a 404 refusal for `method`. */
  exchange(name: string, method: AmqpMethod): MemoryExchange<MemoryQueue> {
    const exchange = this.exchanges.get(name);
    if (exchange === undefined) {
      throw refusal(ReplyCode.notFound, `no exchange '${name}' in vhost '/'`, method);
    }
    return exchange;
  }

  // --- consumers

  /** Checks that a consumer may start on the queue, and adds it. */
  addConsumer(owner: Owner, queueName: string, consumer: Consumer): void {
    const queue = this.queue(owner, queueName, Method.basicConsume);
    if (
      queue.consumers.some((other) => other.exclusive) ||
      (consumer.exclusive && queue.consumers.length > 0)
    ) {
      throw refusal(
        ReplyCode.accessRefused,
        `${where(queue.name)} in exclusive use`,
        Method.basicConsume,
      );
    }
    queue.addConsumer(consumer);
  }

  // --- messages

  /** Routes a published message. Throws a refusal when the exchange does not exist. */
  publish(message: BrokerMessage): PublishOutcome {
    const problem = expirationProblem(message.properties.expiration);
    if (problem !== undefined) {
      throw refusal(
        ReplyCode.preconditionFailed,
        `invalid expiration '${message.properties.expiration}': ${problem}`,
        Method.basicPublish,
      );
    }
    if (message.exchange !== '') {
      const exchange = this.exchange(message.exchange, Method.basicPublish);
      if (exchange.declaration.internal) {
        throw refusal(
          ReplyCode.accessRefused,
          `cannot publish to internal exchange '${message.exchange}' in vhost '/'`,
          Method.basicPublish,
        );
      }
    }
    const targets = this.#route(message);
    const now = Date.now();
    let refused = false;
    for (const queue of targets) if (!queue.enqueue(message, now)) refused = true;
    return { routed: targets.size > 0, refused };
  }

  /** Sends a message that died in `queue` to the queue's dead-letter exchange, if any. */
  deadLetter(queue: MemoryQueue, message: BrokerMessage, reason: DeathReason): void {
    const { deadLetterExchange, deadLetterRoutingKey } = queue.settings;
    if (deadLetterExchange === undefined) return;
    // A dead-letter exchange that does not exist drops the message, as RabbitMQ does.
    if (deadLetterExchange !== '' && !this.exchanges.has(deadLetterExchange)) return;
    const dead = deadLetteredMessage(message, reason, queue.name, {
      exchange: deadLetterExchange,
      routingKey: deadLetterRoutingKey,
    });
    const now = Date.now();
    for (const target of this.#route(dead)) {
      if (!isAutomaticCycle(dead, target.name)) target.enqueue(dead, now);
    }
  }

  /** Deletes the exclusive queues of a connection that closed. */
  ownerGone(owner: Owner): void {
    for (const queue of [...this.queues.values()]) if (queue.owner === owner) this.dropQueue(queue);
  }

  #route(message: BrokerMessage): Set<MemoryQueue> {
    const targets = new Set<MemoryQueue>();
    if (message.exchange === '') {
      for (const key of message.routingKeys) {
        const queue = this.queues.get(key);
        if (queue) targets.add(queue);
      }
    } else {
      this.exchanges.get(message.exchange)?.route(message.routingKeys, targets);
    }
    return targets;
  }

  #reply(queue: MemoryQueue): QueueReply {
    return {
      queue: queue.name,
      messageCount: queue.ready.size,
      consumerCount: queue.consumers.length,
    };
  }

  #checkAccess(queue: MemoryQueue, owner: Owner, method: AmqpMethod, exclusive?: boolean): void {
    const locked = queue.owner !== undefined && queue.owner !== owner;
    const mismatch = exclusive !== undefined && exclusive !== (queue.owner !== undefined);
    if (locked || mismatch) {
      throw refusal(
        ReplyCode.resourceLocked,
        `cannot obtain exclusive access to locked ${where(queue.name)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
        method,
      );
    }
  }

  #autoDeleteExchange(exchange: MemoryExchange<MemoryQueue>): void {
    if (exchange.declaration.autoDelete && exchange.unbound) this.exchanges.delete(exchange.name);
  }
}

function where(queue: string): string {
  return `queue '${queue}' in vhost '/'`;
}

function defaultExchangeRefusal(method: AmqpMethod): BrokerRefusal {
  return refusal(
    ReplyCode.accessRefused,
    'operation not permitted on the default exchange',
    method,
  );
}

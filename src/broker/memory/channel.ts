/**
 * Channels of the in-memory broker, with amqplib's client-side behaviour: operations resolve
 * on a later turn, a refused operation closes the channel (the pending promise rejects, then
 * `error` and `close` are emitted), operations on a closed channel throw amqplib's
 * `IllegalOperationError`, delivery tags are per channel, and closing requeues what is unacked.
 */

import { EventEmitter } from 'node:events';
import { ReplyCode } from '../reply-codes.js';
import type {
  AssertQueueOptions,
  BrokerChannel,
  BrokerConfirmChannel,
  ConsumeOptions,
  Delivery,
  PublishOptions,
} from '../transport.js';
import {
  type AmqpMethod,
  BrokerRefusal,
  channelEnded,
  illegalOperation,
  Method,
  refusal,
} from './amqp-errors.js';
import { type BrokerState, generatedName } from './broker-state.js';
import type { ExchangeType } from './exchange.js';
import { type BrokerMessage, delivery, publishedMessage } from './message.js';
import type { Consumer, DeliveryTarget, MemoryQueue, QueueEntry } from './queue.js';
import { queueDeclaration } from './queue-arguments.js';

/** What a channel needs from its connection. */
export interface ChannelHost {
  readonly broker: BrokerState;
  /** Sends an operation to the broker (held while the connection is blocked). */
  submit(operation: () => void, publishing?: boolean): void;
  /** Runs a client callback; a callback that throws kills the connection, as in amqplib. */
  invoke(callback: () => void): void;
  /** The broker closes the whole connection (e.g. 530 NOT_ALLOWED). */
  refuseConnection(refusal: BrokerRefusal): void;
}

type ChannelState = 'open' | 'refused' | 'closing' | 'closed';

interface Unacked {
  readonly queue: MemoryQueue;
  readonly entry: QueueEntry;
  readonly consumer: Consumer;
}

type ConfirmCallback = (error: Error | null) => void;

const NO_ROUTE = { replyCode: ReplyCode.noRoute, replyText: 'NO_ROUTE' } as const;

/** The operations common to plain and confirm channels. */
export abstract class ChannelCore extends EventEmitter implements DeliveryTarget {
  #state: ChannelState = 'open';
  #refusal: BrokerRefusal | undefined;
  #closed: Promise<void> | undefined;
  #markClosed: (() => void) | undefined;
  #deliveryTag = 0;
  readonly #unacked = new Map<number, Unacked>();
  readonly #consumers = new Map<string, { consumer: Consumer; queue: MemoryQueue }>();
  #prefetch = 0;
  #globalPrefetch = 0;
  #publishSeq = 0;
  readonly #unconfirmed = new Map<number, ConfirmCallback | null>();
  /** Rejecters of the requests still waiting for their reply, with their methods, in order. */
  readonly #pending = new Map<(error: Error) => void, AmqpMethod>();
  #closedWithUnconfirmed = false;

  constructor(
    protected readonly host: ChannelHost,
    readonly confirming: boolean,
  ) {
    super();
  }

  prefetch(count: number, global = false): Promise<Record<string, never>> {
    return this.#rpc(Method.basicQos, () => {
      if (global) this.#globalPrefetch = count;
      else this.#prefetch = count;
      return {};
    });
  }

  assertQueue(
    queue: string,
    options?: AssertQueueOptions,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }> {
    return this.#rpc(Method.queueDeclare, () =>
      this.host.broker.declareQueue(this.host, queue ?? '', queueDeclaration(options)),
    );
  }

  checkQueue(
    queue: string,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }> {
    return this.#rpc(Method.queueDeclare, () => this.host.broker.checkQueue(this.host, queue));
  }

  deleteQueue(
    queue: string,
    options: { ifUnused?: boolean; ifEmpty?: boolean } = {},
  ): Promise<{ messageCount: number }> {
    return this.#rpc(Method.queueDelete, () =>
      this.host.broker.deleteQueue(this.host, queue, options),
    );
  }

  purgeQueue(queue: string): Promise<{ messageCount: number }> {
    return this.#rpc(Method.queuePurge, () => this.host.broker.purgeQueue(this.host, queue));
  }

  assertExchange(
    exchange: string,
    type: ExchangeType,
    options: { durable?: boolean; autoDelete?: boolean; internal?: boolean } = {},
  ): Promise<{ exchange: string }> {
    return this.#rpc(Method.exchangeDeclare, () =>
      this.host.broker.declareExchange(exchange, {
        type,
        durable: options.durable ?? true,
        autoDelete: options.autoDelete === true,
        internal: options.internal === true,
      }),
    );
  }

  /** Deletes an exchange and its bindings (amqplib's, beyond the transport contract). */
  deleteExchange(
    exchange: string,
    options: { ifUnused?: boolean } = {},
  ): Promise<Record<string, never>> {
    return this.#rpc(Method.exchangeDelete, () =>
      this.host.broker.deleteExchange(exchange, options.ifUnused === true),
    );
  }

  checkExchange(exchange: string): Promise<Record<string, never>> {
    return this.#rpc(Method.exchangeDeclare, () => this.host.broker.checkExchange(exchange));
  }

  bindQueue(queue: string, source: string, pattern: string): Promise<Record<string, never>> {
    return this.#rpc(Method.queueBind, () =>
      this.host.broker.bind(this.host, queue, source, pattern),
    );
  }

  unbindQueue(queue: string, source: string, pattern: string): Promise<Record<string, never>> {
    return this.#rpc(Method.queueUnbind, () =>
      this.host.broker.unbind(this.host, queue, source, pattern),
    );
  }

  consume(
    queue: string,
    onMessage: (message: Delivery | null) => void,
    options: ConsumeOptions = {},
  ): Promise<{ consumerTag: string }> {
    let started: Consumer | undefined;
    let target: MemoryQueue | undefined;
    return this.#rpc(
      Method.basicConsume,
      () => {
        const tag = options.consumerTag || generatedName('amq.ctag');
        if (this.#consumers.has(tag)) {
          throw refusal(
            ReplyCode.notAllowed,
            `attempt to reuse consumer tag '${tag}'`,
            Method.basicConsume,
          );
        }
        const consumer: Consumer = {
          tag,
          noAck: options.noAck === true,
          exclusive: options.exclusive === true,
          prefetch: this.#prefetch,
          channel: this,
          onMessage,
          unacked: 0,
          active: false,
        };
        this.host.broker.addConsumer(this.host, queue, consumer);
        target = this.host.broker.queues.get(queue);
        this.#consumers.set(tag, { consumer, queue: target! });
        started = consumer;
        return { consumerTag: tag };
      },
      () => {
        // Deliveries start with basic.consume-ok and, as with amqplib reading both from one
        // socket chunk, the first ones may run before the code awaiting `consume` resumes.
        if (started && this.#consumers.has(started.tag)) {
          started.active = true;
          target?.dispatchNow();
        }
      },
    );
  }

  cancel(consumerTag: string): Promise<{ consumerTag: string }> {
    return this.#rpc(Method.basicCancel, () => {
      const found = this.#consumers.get(consumerTag);
      if (found) {
        this.#consumers.delete(consumerTag);
        found.queue.removeConsumer(found.consumer);
      }
      return { consumerTag };
    });
  }

  ack(message: Delivery, allUpTo = false): void {
    this.#settle(message, allUpTo, 'ack', Method.basicAck);
  }

  nack(message: Delivery, allUpTo = false, requeue = true): void {
    this.#settle(message, allUpTo, requeue ? 'requeue' : 'reject', Method.basicNack);
  }

  close(): Promise<void> {
    const unusable = this.#unusable();
    if (unusable) return Promise.reject(unusable);
    if (this.#state === 'refused') return this.#whenClosed();
    this.#state = 'closing';
    return new Promise((resolve) => {
      this.host.submit(() => {
        this.release();
        this.host.broker.scheduler.defer(() => {
          this.toClosed();
          resolve();
        });
      });
    });
  }

  // --- what the broker and the connection call

  hasCredit(): boolean {
    return this.#globalPrefetch === 0 || this.#unacked.size < this.#globalPrefetch;
  }

  deliver(consumer: Consumer, queue: MemoryQueue, entry: QueueEntry): void {
    this.#deliveryTag += 1;
    const deliveryTag = this.#deliveryTag;
    if (!consumer.noAck) this.#unacked.set(deliveryTag, { queue, entry, consumer });
    const count =
      queue.settings.type === 'quorum' && entry.returns > 0
        ? { 'x-delivery-count': entry.returns }
        : undefined;
    const message = delivery(
      entry.message,
      { consumerTag: consumer.tag, deliveryTag, redelivered: entry.redelivered },
      count,
    );
    this.host.invoke(() => consumer.onMessage(message));
  }

  cancelled(consumer: Consumer): void {
    this.#consumers.delete(consumer.tag);
    this.host.broker.scheduler.defer(() => {
      if (this.#state === 'closing' || this.#state === 'closed') return;
      this.host.invoke(() => {
        consumer.onMessage(null);
        this.emit('cancel', { consumerTag: consumer.tag });
      });
    });
  }

  /** Server side of a closing channel: consumers stop, unacked messages are requeued. */
  release(): void {
    for (const { consumer, queue } of this.#consumers.values()) queue.removeConsumer(consumer);
    this.#consumers.clear();
    for (const { queue, entry, consumer } of this.#unacked.values()) queue.requeue(consumer, entry);
    this.#unacked.clear();
  }

  /** Client side of a closed channel: pending confirms fail, `close` is emitted. */
  toClosed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const fail of [...this.#pending.keys()]) fail(channelEnded());
    const error = new Error('channel closed');
    this.#closedWithUnconfirmed = this.#closedWithUnconfirmed || this.#unconfirmed.size > 0;
    const callbacks = [...this.#unconfirmed.values()];
    this.#unconfirmed.clear();
    for (const callback of callbacks) if (callback) this.host.invoke(() => callback(error));
    this.host.invoke(() => this.emit('close'));
    this.#markClosed?.();
  }

  // --- publishing (exposed by the subclasses with their own signatures)

  protected send(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishOptions | undefined,
    callback: ConfirmCallback | undefined,
  ): boolean {
    const unusable = this.#unusable();
    if (unusable) throw unusable;
    const message = publishedMessage(exchange, routingKey, content, options);
    let seq: number | undefined;
    if (this.confirming) {
      this.#publishSeq += 1;
      seq = this.#publishSeq;
      this.#unconfirmed.set(seq, callback ?? null);
    }
    this.host.submit(() => this.#route(message, options?.mandatory === true, seq), true);
    return true;
  }

  protected confirms(): Promise<void> {
    if (this.#closedWithUnconfirmed) return Promise.reject(new Error('channel closed'));
    const waits: Promise<void>[] = [];
    for (const [seq, callback] of this.#unconfirmed) {
      waits.push(
        new Promise((resolve, reject) => {
          this.#unconfirmed.set(seq, (error) => {
            callback?.(error);
            if (error === null) resolve();
            else reject(error);
          });
        }),
      );
    }
    return Promise.all(waits).then(() => undefined);
  }

  #route(message: BrokerMessage, mandatory: boolean, seq: number | undefined): void {
    if (this.#state !== 'open') return;
    let outcome: { routed: boolean; refused: boolean };
    try {
      outcome = this.host.broker.publish(message);
    } catch (error) {
      if (!(error instanceof BrokerRefusal)) throw error;
      this.#refuse(error);
      return;
    }
    const scheduler = this.host.broker.scheduler;
    if (!outcome.routed && mandatory) {
      scheduler.defer(() => {
        if (this.#state !== 'open') return;
        const returned = {
          fields: { ...NO_ROUTE, exchange: message.exchange, routingKey: message.routingKeys[0] },
          properties: { ...message.properties, headers: { ...message.properties.headers } },
          content: message.content,
        };
        this.host.invoke(() => this.emit('return', returned));
      });
    }
    if (seq !== undefined) {
      const result = outcome.refused ? new Error('message nacked') : null;
      scheduler.defer(() => {
        const callback = this.#unconfirmed.get(seq);
        if (callback === undefined) return;
        this.#unconfirmed.delete(seq);
        if (callback) this.host.invoke(() => callback(result));
      });
    }
  }

  #settle(
    message: Delivery,
    allUpTo: boolean,
    outcome: 'ack' | 'requeue' | 'reject',
    method: AmqpMethod,
  ): void {
    const unusable = this.#unusable();
    if (unusable) throw unusable;
    const tag = message.fields.deliveryTag;
    this.host.submit(() => {
      if (this.#state !== 'open') return;
      const settled: Unacked[] = [];
      if (allUpTo && tag === 0) {
        settled.push(...this.#unacked.values());
        this.#unacked.clear();
      } else if (!this.#unacked.has(tag)) {
        this.#refuse(refusal(ReplyCode.preconditionFailed, `unknown delivery tag ${tag}`, method));
        return;
      } else if (allUpTo) {
        for (const [key, value] of this.#unacked) {
          if (key > tag) break;
          settled.push(value);
          this.#unacked.delete(key);
        }
      } else {
        settled.push(this.#unacked.get(tag)!);
        this.#unacked.delete(tag);
      }
      for (const { queue, entry, consumer } of settled) {
        if (outcome === 'ack') queue.ack(consumer);
        else if (outcome === 'requeue') queue.requeue(consumer, entry);
        else queue.reject(consumer, entry);
      }
    });
  }

  #rpc<T>(method: AmqpMethod, operation: () => T, onReply?: () => void): Promise<T> {
    const unusable = this.#unusable();
    if (unusable) return Promise.reject(unusable);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.#pending.delete(fail);
        reject(error);
      };
      this.#pending.set(fail, method);
      this.host.submit(() => {
        if (this.#state !== 'open') {
          const refused = this.#refusal;
          this.host.broker.scheduler.defer(() =>
            fail(refused ? refused.operationError(method) : channelEnded()),
          );
          return;
        }
        let value: T;
        try {
          value = operation();
        } catch (error) {
          if (error instanceof BrokerRefusal) this.#refuse(error, fail, method);
          else fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.host.broker.scheduler.defer(() => {
          if (this.#state === 'closing' || this.#state === 'closed') {
            fail(channelEnded());
            return;
          }
          this.#pending.delete(fail);
          resolve(value);
          onReply?.();
        });
      });
    });
  }

  // The broker closes the channel: server state goes now, the client hears of it on a later turn.
  #refuse(cause: BrokerRefusal, reject?: (error: Error) => void, method?: AmqpMethod): void {
    if (cause.connection) {
      this.host.refuseConnection(cause);
      if (reject) this.host.broker.scheduler.defer(() => reject(channelEnded()));
      return;
    }
    this.#state = 'refused';
    this.#refusal = cause;
    this.release();
    this.host.broker.scheduler.defer(() => {
      if (reject && method) {
        reject(cause.operationError(method));
      } else {
        // Without a failing request, the request awaiting its reply gets the close frame
        // (amqplib sends one at a time); those queued behind it just end.
        const [first] = this.#pending;
        if (first) first[0](cause.operationError(first[1]));
      }
      if (this.#state === 'closed') return;
      this.host.invoke(() => this.emit('error', cause.channelError()));
      this.toClosed();
    });
  }

  #unusable(): Error | undefined {
    if (this.#state === 'closed') return illegalOperation('Channel closed');
    if (this.#state === 'closing') return illegalOperation('Channel closing');
    return undefined;
  }

  #whenClosed(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#markClosed = resolve;
    });
    return this.#closed;
  }
}

/** A plain channel of the in-memory broker. */
export class MemoryChannel extends ChannelCore implements BrokerChannel {
  constructor(host: ChannelHost) {
    super(host, false);
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: PublishOptions,
  ): boolean {
    return this.send(exchange, routingKey, content, options, undefined);
  }

  sendToQueue(queue: string, content: Buffer, options?: PublishOptions): boolean {
    return this.send('', queue, content, options, undefined);
  }
}

/** A channel in confirm mode: each publish is acked (or nacked) by the broker after routing. */
export class MemoryConfirmChannel extends ChannelCore implements BrokerConfirmChannel {
  constructor(host: ChannelHost) {
    super(host, true);
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishOptions,
    callback: (error: Error | null) => void,
  ): boolean {
    return this.send(exchange, routingKey, content, options, callback);
  }

  sendToQueue(
    queue: string,
    content: Buffer,
    options: PublishOptions,
    callback: (error: Error | null) => void,
  ): boolean {
    return this.send('', queue, content, options, callback);
  }

  waitForConfirms(): Promise<void> {
    return this.confirms();
  }
}

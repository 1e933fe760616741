/**
 * The broker interface the consumer and publisher are written against. Its shapes are a
 * subset of amqplib's `ChannelModel`, `Channel` and `ConfirmChannel`, so an amqplib
 * connection satisfies it without wrapping (nothing is added per message), and the
 * in-memory broker implements the same contract for demos and users' tests.
 */

/** Properties of a delivered or published message (the AMQP basic properties we use). */
export interface MessageProperties {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  headers?: Record<string, unknown> | undefined;
  deliveryMode?: number | undefined;
  messageId?: string | undefined;
  correlationId?: string | undefined;
  timestamp?: number | undefined;
  expiration?: string | undefined;
  type?: string | undefined;
  appId?: string | undefined;
}

/** Delivery metadata, as amqplib gives it in `message.fields`. */
export interface DeliveryFields {
  deliveryTag: number;
  redelivered: boolean;
  exchange: string;
  routingKey: string;
  consumerTag?: string;
}

/** A message delivered to a consumer. */
export interface Delivery {
  content: Buffer;
  fields: DeliveryFields;
  properties: MessageProperties;
}

/** `quorum` (replicated, the default) or `classic`. */
export type QueueType = 'quorum' | 'classic';

/** Options of a published message. */
export interface PublishOptions {
  contentType?: string;
  contentEncoding?: string;
  headers?: Record<string, unknown>;
  persistent?: boolean;
  messageId?: string;
  correlationId?: string;
  timestamp?: number;
  expiration?: string | number;
  type?: string;
  appId?: string;
  mandatory?: boolean;
  /** Sender-selected distribution: extra routing keys (Taskcluster's task routes). */
  CC?: string | string[];
}

/** Options of a queue declaration. */
export interface AssertQueueOptions {
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  arguments?: Record<string, unknown>;
  messageTtl?: number;
  expires?: number;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  maxLength?: number;
}

/** Options of a consumer. */
export interface ConsumeOptions {
  noAck?: boolean;
  exclusive?: boolean;
  consumerTag?: string;
  arguments?: Record<string, unknown>;
}

/** A channel: one ordered stream of operations, and the scope of delivery tags. */
export interface BrokerChannel {
  prefetch(count: number, global?: boolean): Promise<unknown>;
  assertQueue(
    queue: string,
    options?: AssertQueueOptions,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }>;
  checkQueue(
    queue: string,
  ): Promise<{ queue: string; messageCount: number; consumerCount: number }>;
  deleteQueue(queue: string, options?: { ifUnused?: boolean; ifEmpty?: boolean }): Promise<unknown>;
  purgeQueue(queue: string): Promise<unknown>;
  assertExchange(
    exchange: string,
    type: 'topic' | 'direct' | 'fanout' | 'headers',
    options?: { durable?: boolean; autoDelete?: boolean; internal?: boolean },
  ): Promise<unknown>;
  checkExchange(exchange: string): Promise<unknown>;
  bindQueue(queue: string, source: string, pattern: string): Promise<unknown>;
  unbindQueue(queue: string, source: string, pattern: string): Promise<unknown>;
  /** Starts a consumer; `null` is delivered when the broker cancels it. */
  consume(
    queue: string,
    onMessage: (message: Delivery | null) => void,
    options?: ConsumeOptions,
  ): Promise<{ consumerTag: string }>;
  cancel(consumerTag: string): Promise<unknown>;
  ack(message: Delivery, allUpTo?: boolean): void;
  nack(message: Delivery, allUpTo?: boolean, requeue?: boolean): void;
  /** Returns false when the write buffer is full (wait for `drain`). */
  publish(exchange: string, routingKey: string, content: Buffer, options?: PublishOptions): boolean;
  sendToQueue(queue: string, content: Buffer, options?: PublishOptions): boolean;
  close(): Promise<void>;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'return', listener: (message: Delivery) => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter so amqplib objects fit as they are
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** A channel in confirm mode: `publish` takes a callback called on the broker's ack or nack. */
export interface BrokerConfirmChannel extends Omit<BrokerChannel, 'publish' | 'sendToQueue'> {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: PublishOptions,
    callback: (error: Error | null) => void,
  ): boolean;
  sendToQueue(
    queue: string,
    content: Buffer,
    options: PublishOptions,
    callback: (error: Error | null) => void,
  ): boolean;
  waitForConfirms(): Promise<void>;
}

/** One connection to a broker. */
export interface BrokerConnection {
  createChannel(): Promise<BrokerChannel>;
  createConfirmChannel(): Promise<BrokerConfirmChannel>;
  close(): Promise<void>;
  on(event: 'close', listener: (error?: Error) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'blocked', listener: (reason: string) => void): unknown;
  on(event: 'unblocked', listener: () => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter so amqplib objects fit as they are
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** Opens connections: to RabbitMQ through amqplib, or to the in-memory broker. */
export interface BrokerTransport {
  /** `amqp` for a real broker, `memory` for the in-memory one. */
  readonly kind: 'amqp' | 'memory';
  /** A description safe to log (no password), e.g. `amqps://user@pulse.example.com/vhost`. */
  readonly description: string;
  connect(): Promise<BrokerConnection>;
}

/**
 * The publisher: JSON messages to an exchange definition, validated against its schema,
 * persistent, on the connection's confirm channel with a window of outstanding confirms (never
 * one awaited at a time), retried across reconnects until a deadline, waiting while the broker
 * applies flow control, and `mandatory` messages the broker returns reported.
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type { BrokerConfirmChannel, Delivery, PublishOptions } from '../broker/transport.js';
import { InputError } from '../errors.js';
import type { ExchangeMethod, RoutingFilter } from '../exchanges/events.js';
import { ROUTE_PREFIX } from '../exchanges/routing-key.js';
import { buildRoutingKey } from '../exchanges/routing-key-builder.js';
import type { RoutingKeyField } from '../exchanges/types.js';
import { Fifo } from '../utils/fifo.js';
import type { ConnectionManager, Link } from './connection.js';
import {
  ClosedError,
  MissingExchangeError,
  PayloadValidationError,
  PublishError,
} from './errors.js';
import type { PulseMetrics } from './metrics.js';
import { exchangeName } from './names.js';
import {
  DEFAULT_PUBLISH_DEADLINE_MS,
  DEFAULT_PUBLISH_WINDOW,
  RECONNECT_BASE_DELAY_MS,
} from './options.js';
import { brokerDetail, withChannel } from './queues.js';
import { subject } from './rx.js';
import { type PayloadSchema, schemaErrors, validatorOf } from './schema.js';

/**
 * Reply codes of a publish the broker refuses for good: 403 ACCESS_REFUSED (no write
 * permission) and 406 PRECONDITION_FAILED (a message above its size limit, a bad expiration).
 */
const REFUSED_FOR_GOOD = new Set<number>([ReplyCode.accessRefused, ReplyCode.preconditionFailed]);

/** An exchange messages are published to, with its routing-key fields and message schema. */
export interface ExchangeDefinition {
  /** The full exchange name (`exchange/<namespace>/...`). */
  readonly exchange: string;
  /** The routing-key fields, in order. */
  readonly routingKey: readonly RoutingKeyField[];
  /** The message schema, or a validator compiled from it; without one payloads are not checked. */
  readonly schema?: PayloadSchema;
}

/** Options of a {@link Publisher}. */
export interface PublisherOptions {
  /** How long one publish is retried, in milliseconds; defaults to 60 s. */
  deadline?: number;
  /** Messages awaiting a confirm at once; defaults to {@link DEFAULT_PUBLISH_WINDOW}. */
  window?: number;
  /**
   * Publish on a connection of the publishers' own (named `<connectionName>/publish`), so that
   * the broker's flow control on publishing never holds up the consumers' acks.
   */
  ownConnection?: boolean;
  /** Message schemas by full exchange name, for definitions that carry none (ours). */
  schemas?: Readonly<Record<string, PayloadSchema>>;
}

/**
 * What can be published to: an {@link ExchangeDefinition}, or an exchange method of an events
 * class (`new QueueEvents().taskCompleted`), whose payload and routing types then apply.
 */
export type PublishTarget<Payload = unknown, Routing = unknown> =
  | ExchangeDefinition
  | ExchangeMethod<Payload, Routing>;

/** One message to publish. */
export interface PublishRequest<Payload = unknown, Routing = unknown> {
  /** The JSON payload. */
  payload: Payload;
  /** The routing-key fields by name (missing optional fields are published as `_`). */
  routing?: RoutingFilter<Routing> & Readonly<Record<string, string | number | undefined>>;
  /** Task routes, CC'd as `route.<route>`. */
  routes?: readonly string[];
  /** Report the message as returned when no queue is bound to receive it. */
  mandatory?: boolean;
  /** The AMQP message id; a random one is used for `mandatory` messages without one. */
  messageId?: string;
  /** Extra AMQP headers. */
  headers?: Record<string, unknown>;
}

/** What happened to a published message. */
export interface PublishResult {
  /** False when the message was `mandatory` and the broker returned it as unroutable. */
  routed: boolean;
}

/** A message the broker returned as unroutable. */
export interface ReturnedMessage {
  exchange: string;
  routingKey: string;
  messageId: string | undefined;
}

/**
 * An exchange definition for the user's own exchange `exchange/<namespace>/<name>`.
 */
export function defineExchange(
  namespace: string,
  name: string,
  routingKey: readonly RoutingKeyField[],
  schema?: PayloadSchema,
): ExchangeDefinition {
  const exchange = exchangeName(namespace, name);
  return schema === undefined ? { exchange, routingKey } : { exchange, routingKey, schema };
}

/** Publishes messages; see the module comment. */
export class Publisher {
  readonly #manager: ConnectionManager;
  readonly #metrics: PulseMetrics;
  readonly #deadline: number;
  readonly #window: number;
  readonly #schemas: Readonly<Record<string, PayloadSchema>>;
  readonly #returned = subject<ReturnedMessage>();
  readonly #returnedIds = new Set<string>();
  /** The error that closed a channel, by channel: the callbacks only say "channel closed". */
  readonly #channelErrors = new WeakMap<BrokerConfirmChannel, Error>();
  readonly #listening = new WeakSet<BrokerConfirmChannel>();
  /** Publishes waiting for a window slot, oldest first (a burst may queue a great many). */
  readonly #slotWaiters = new Fifo<() => void>();
  readonly #blockWaiters: Array<() => void> = [];
  #outstanding = 0;
  #blocked = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly #idleWaiters: Array<() => void> = [];
  /** Messages the broker returned as unroutable (only `mandatory` ones are returned). */
  readonly returned$ = this.#returned.asObservable();

  constructor(manager: ConnectionManager, options: PublisherOptions, metrics: PulseMetrics) {
    this.#manager = manager;
    this.#metrics = metrics;
    this.#deadline = options.deadline ?? DEFAULT_PUBLISH_DEADLINE_MS;
    this.#window = options.window ?? DEFAULT_PUBLISH_WINDOW;
    this.#schemas = options.schemas ?? {};
    if (!Number.isInteger(this.#window) || this.#window < 1) {
      throw new InputError('window must be a positive integer');
    }
    manager.status$.subscribe((status) => {
      if (status.type === 'blocked') this.#blocked = true;
      if (status.type === 'unblocked' || status.type === 'disconnected') {
        this.#blocked = false;
        for (const wake of this.#blockWaiters.splice(0)) wake();
      }
    });
  }

  /** True while the broker applies flow control (publishing waits). */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Declares a durable topic exchange (the user's own, under `exchange/<namespace>/`). */
  async declareExchange(definition: ExchangeDefinition | string): Promise<void> {
    const exchange = typeof definition === 'string' ? definition : definition.exchange;
    const link = await this.#manager.nextLink();
    await withChannel(link.connection, (channel) =>
      channel.assertExchange(exchange, 'topic', { durable: true }),
    );
  }

  /**
   * Publishes a message and resolves once the broker confirmed it.
   * @throws {PayloadValidationError} or a routing-key error before anything is sent;
   * {@link PublishError} when the deadline passed or the broker refused the message.
   */
  async publish<Payload, Routing>(
    target: PublishTarget<Payload, Routing>,
    request: PublishRequest<Payload, Routing>,
  ): Promise<PublishResult> {
    if (this.#closing) throw new ClosedError('the publisher');
    const definition = definitionOf(target);
    const schema = definition.schema ?? this.#schemas[definition.exchange];
    const { exchange, routingKey, content, options } = prepare(definition, schema, request);
    const deadline = Date.now() + this.#deadline;
    let lastError: unknown;
    await this.#takeSlot();
    try {
      for (;;) {
        if (Date.now() > deadline) {
          throw new PublishError(
            `could not publish to "${exchange}" within ${this.#deadline} ms: ${this.#manager.redact(lastError)}`,
            { cause: lastError },
          );
        }
        try {
          const link = await this.#link(deadline);
          if (this.#blocked) await withDeadline(this.#unblocked(), deadline);
          const channel = await link.confirmChannel('publish');
          this.#listen(channel);
          await new Promise<void>((resolve, reject) => {
            channel.publish(exchange, routingKey, content, options, (error) =>
              error ? reject(this.#channelErrors.get(channel) ?? error) : resolve(),
            );
          });
          this.#metrics.counts.published++;
          const id = options.messageId;
          const returned = id !== undefined && this.#returnedIds.delete(id);
          return { routed: !returned };
        } catch (error) {
          if (error instanceof ClosedError) throw error;
          const code = replyCode(error);
          if (code === ReplyCode.notFound) {
            throw new PublishError(`cannot publish: exchange "${exchange}" does not exist`, {
              cause: new MissingExchangeError(exchange, error),
            });
          }
          if (code !== undefined && REFUSED_FOR_GOOD.has(code)) {
            // Sending it again would be refused again: say why at once.
            const text = error instanceof Error ? error.message : String(error);
            throw new PublishError(
              `the broker refused the message for "${exchange}": ${brokerDetail(this.#manager.redact(text))}`,
              { cause: error },
            );
          }
          lastError = error;
          await sleep(Math.min(RECONNECT_BASE_DELAY_MS, Math.max(0, deadline - Date.now())));
        }
      }
    } finally {
      this.#releaseSlot();
    }
  }

  /** Waits for outstanding confirms (up to their deadlines), then refuses new messages. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      if (this.#outstanding > 0)
        await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      this.#returned.complete();
    })();
    return this.#closed;
  }

  /** The open connection, without a timer or a promise of its own when one is up. */
  #link(deadline: number): Link | Promise<Link> {
    const current = this.#manager.current;
    if (current?.open && !this.#manager.closing) return current;
    return withDeadline(this.#manager.nextLink(), deadline);
  }

  #listen(channel: BrokerConfirmChannel): void {
    if (this.#listening.has(channel)) return;
    this.#listening.add(channel);
    channel.on('error', (error: Error) => this.#channelErrors.set(channel, error));
    channel.on('return', (message: Delivery) => {
      const messageId = message.properties.messageId;
      if (messageId !== undefined) this.#returnedIds.add(messageId);
      this.#metrics.counts.returned++;
      this.#returned.next({
        exchange: message.fields.exchange,
        routingKey: message.fields.routingKey,
        messageId,
      });
    });
  }

  async #takeSlot(): Promise<void> {
    while (this.#outstanding >= this.#window) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
    this.#outstanding++;
  }

  #releaseSlot(): void {
    this.#outstanding--;
    this.#slotWaiters.shift()?.();
    if (this.#outstanding === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #unblocked(): Promise<void> {
    return new Promise((resolve) => this.#blockWaiters.push(resolve));
  }
}

function definitionOf(target: PublishTarget<unknown, unknown>): ExchangeDefinition {
  if (typeof target === 'function' && typeof target.exchange === 'string') {
    return { exchange: target.exchange, routingKey: target.entry.routingKey };
  }
  if (
    target === null ||
    typeof target !== 'object' ||
    typeof target.exchange !== 'string' ||
    !Array.isArray(target.routingKey)
  ) {
    throw new InputError(
      'publish() needs an exchange definition { exchange, routingKey, schema? } or an exchange method of an events class',
    );
  }
  return target;
}

function prepare(
  definition: ExchangeDefinition,
  schema: PayloadSchema | undefined,
  request: PublishRequest,
) {
  if (request === null || typeof request !== 'object') {
    throw new InputError('publish() needs a request { payload, routing?, routes? }');
  }
  const { exchange } = definition;
  if (schema !== undefined) {
    const validate = validatorOf(schema);
    if (!validate(request.payload)) {
      throw new PayloadValidationError(exchange, schemaErrors(validate));
    }
  }
  const routingKey = buildRoutingKey(definition.routingKey, request.routing ?? {});
  let content: Buffer;
  try {
    content = Buffer.from(JSON.stringify(request.payload));
  } catch (error) {
    throw new InputError('the payload cannot be serialized as JSON', { cause: error });
  }
  const options: PublishOptions = {
    persistent: true,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
  };
  if (request.routes !== undefined && request.routes.length > 0) {
    options.CC = request.routes.map((route) => {
      if (typeof route !== 'string' || route === '') {
        throw new InputError('each route must be a non-empty string');
      }
      return ROUTE_PREFIX + route;
    });
  }
  if (request.headers !== undefined) options.headers = request.headers;
  if (request.mandatory) {
    options.mandatory = true;
    options.messageId = request.messageId ?? crypto.randomUUID();
  } else if (request.messageId !== undefined) {
    options.messageId = request.messageId;
  }
  return { exchange, routingKey, content, options };
}

function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('no connection before the deadline')),
      Math.max(0, deadline - Date.now()),
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

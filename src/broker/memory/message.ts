/**
 * Messages inside the in-memory broker: what a publish turns into (the properties amqplib would
 * have encoded, RabbitMQ's CC/BCC handling) and what a consumer receives (every basic property
 * present, `undefined` when unset, as amqplib decodes them).
 */

import type { Delivery, MessageProperties, PublishOptions } from '../transport.js';
import { type FieldTable, wireTable } from './wire.js';

/** The basic properties as amqplib decodes them: every key present. */
export interface DecodedProperties extends MessageProperties {
  headers: FieldTable;
  priority: number | undefined;
  replyTo: string | undefined;
  userId: string | undefined;
  clusterId: string | undefined;
}

/** A routed message; immutable once published, shared by every queue it reaches. */
export interface BrokerMessage {
  /** The exchange it was published (or dead-lettered) to. */
  readonly exchange: string;
  /** Its routing keys: the published key first, then the CC and BCC keys. */
  readonly routingKeys: readonly string[];
  readonly content: Buffer;
  readonly properties: DecodedProperties;
}

/**
 * RabbitMQ's objection to a per-message expiration (`no_integer`, `{value_negative,-5}`), or
 * undefined when it is a valid number of milliseconds.
 */
export function expirationProblem(expiration: string | undefined): string | undefined {
  if (expiration === undefined) return undefined;
  if (!/^-?\d+$/.test(expiration)) return 'no_integer';
  const value = Number(expiration);
  return value < 0 ? `{value_negative,${value}}` : undefined;
}

/** The header names of sender-selected distribution. */
export const CC_HEADER = 'CC';
const BCC_HEADER = 'BCC';

/**
 * Builds the message a publish produces. Throws a `TypeError` for headers amqplib cannot
 * encode, synchronously, as amqplib's `publish` does.
 */
export function publishedMessage(
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: PublishOptions = {},
): BrokerMessage {
  const raw = options as PublishOptions & Record<string, unknown>;
  const expiration = options.expiration === undefined ? undefined : String(options.expiration);
  const headers = wireTable(options.headers ?? {});
  if (options.CC !== undefined) headers[CC_HEADER] = keyList(options.CC);
  if (raw[BCC_HEADER] !== undefined) headers[BCC_HEADER] = keyList(raw[BCC_HEADER]);
  const cc = headerRoutes(headers[CC_HEADER]);
  const bcc = headerRoutes(headers[BCC_HEADER]);
  // RabbitMQ routes on BCC keys and then removes the header, so consumers never see it.
  delete headers[BCC_HEADER];
  const properties: DecodedProperties = {
    contentType: options.contentType,
    contentEncoding: options.contentEncoding,
    headers,
    deliveryMode: options.persistent === undefined ? undefined : options.persistent ? 2 : 1,
    priority: typeof raw.priority === 'number' ? raw.priority : undefined,
    correlationId: options.correlationId,
    replyTo: typeof raw.replyTo === 'string' ? raw.replyTo : undefined,
    expiration,
    messageId: options.messageId,
    timestamp: options.timestamp,
    type: options.type,
    userId: undefined,
    appId: options.appId,
    clusterId: undefined,
  };
  return {
    exchange,
    routingKeys: [routingKey, ...cc, ...bcc],
    content: Buffer.from(content),
    properties,
  };
}

function keyList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** The routing keys in a CC or BCC header; RabbitMQ ignores the header unless it is an array. */
export function headerRoutes(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((key) => typeof key === 'string') : [];
}

/** The object a consumer receives; fresh per delivery, so a consumer may mutate it. */
export function delivery(
  message: BrokerMessage,
  fields: { consumerTag: string; deliveryTag: number; redelivered: boolean },
  extraHeaders?: FieldTable,
): Delivery {
  const headers = extraHeaders
    ? { ...message.properties.headers, ...extraHeaders }
    : { ...message.properties.headers };
  return {
    fields: {
      consumerTag: fields.consumerTag,
      deliveryTag: fields.deliveryTag,
      redelivered: fields.redelivered,
      exchange: message.exchange,
      routingKey: message.routingKeys[0] ?? '',
    },
    properties: { ...message.properties, headers },
    content: message.content,
  };
}

/**
 * Retries and dead-letters: a copy of the delivery is published (confirmed) to the retry or
 * dead-letter queue, and only then is the original acked, on the channel that delivered it.
 * If the copy cannot be published, the original stays unacked and the broker redelivers it.
 */

import type { BrokerConfirmChannel, Delivery, PublishOptions } from '../broker/transport.js';
import {
  ATTEMPTS_HEADER,
  CC_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
  type DeliveryChannel,
  EXCHANGE_HEADER,
  ROUTING_KEY_HEADER,
} from './message.js';

/** Longest error text kept in a dead-lettered message's header. */
export const MAX_ERROR_HEADER_LENGTH = 2_000;

/** Headers the broker sets on deliveries, or that would route a copy elsewhere (`CC`, `BCC`). */
const DROPPED_HEADERS = new Set([
  'x-tc-copy-id',
  'CC',
  'BCC',
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
  'x-delivery-count',
]);

/** A delivery, its channel, and the exchange and routing key it was first published with. */
export interface DeliveryOrigin {
  readonly source: DeliveryChannel;
  readonly delivery: Delivery;
  readonly exchange: string;
  readonly routingKey: string;
}

/** What a copy of a delivery carries besides the original. */
export interface CopyDetails {
  /** Failed handler attempts so far. */
  attempts: number;
  /** For dead letters: why, and the last error. */
  reason?: string;
  error?: string;
  /** For retries: milliseconds to wait in the retry queue. */
  delay?: number;
}

/** The publish options of a copy of `delivery`, with its origin kept in headers. */
export function copyOptions(
  delivery: Delivery,
  exchange: string,
  routingKey: string,
  details: CopyDetails,
): PublishOptions {
  const properties = delivery.properties;
  const headers: Record<string, unknown> = {};
  const original = properties.headers;
  if (original !== undefined) {
    for (const name of Object.keys(original)) {
      if (!DROPPED_HEADERS.has(name)) headers[name] = original[name];
    }
    if (original.CC !== undefined && original[CC_HEADER] === undefined) {
      headers[CC_HEADER] = original.CC;
    }
  }
  headers[EXCHANGE_HEADER] = exchange;
  headers[ROUTING_KEY_HEADER] = routingKey;
  headers[ATTEMPTS_HEADER] = details.attempts;
  // Only a dead letter says why it died: a replayed message comes back without its old reason.
  delete headers[DEAD_REASON_HEADER];
  delete headers[DEAD_ERROR_HEADER];
  if (details.reason !== undefined) headers[DEAD_REASON_HEADER] = details.reason;
  if (details.error !== undefined) {
    headers[DEAD_ERROR_HEADER] = details.error.slice(0, MAX_ERROR_HEADER_LENGTH);
  }
  const options: PublishOptions = { headers, persistent: true };
  if (properties.contentType !== undefined) options.contentType = properties.contentType;
  if (properties.contentEncoding !== undefined) {
    options.contentEncoding = properties.contentEncoding;
  }
  if (properties.messageId !== undefined) options.messageId = properties.messageId;
  if (properties.correlationId !== undefined) options.correlationId = properties.correlationId;
  if (properties.timestamp !== undefined) options.timestamp = properties.timestamp;
  if (properties.type !== undefined) options.type = properties.type;
  if (properties.appId !== undefined) options.appId = properties.appId;
  if (details.delay !== undefined) options.expiration = String(Math.max(0, details.delay));
  return options;
}

/**
 * Publishes a copy of `delivery` to `queue` on the source link's confirm channel; the caller
 * then acks the original on its own channel. Resolves false when the copy could not be
 * published (the caller then hands the original back to the broker).
 */
export async function moveDelivery(
  source: DeliveryChannel,
  delivery: Delivery,
  queue: string,
  options: PublishOptions,
): Promise<boolean> {
  let channel: BrokerConfirmChannel;
  try {
    channel = await source.link.confirmChannel('republish');
  } catch {
    return false;
  }
  return sendCopy(channel, queue, delivery.content, options).catch(() => false);
}

/**
 * Publishes `content` to `queue` on a confirm channel, `mandatory`, so that a copy to a queue
 * that does not exist (deleted from outside) comes back instead of vanishing. Resolves true
 * once the broker confirmed it, false when it was returned; rejects when the broker refused it
 * or the channel closed. Only after true may the original be acked.
 */
export async function sendCopy(
  channel: BrokerConfirmChannel,
  queue: string,
  content: Buffer,
  options: PublishOptions,
): Promise<boolean> {
  const id = ++copies;
  const headers = { ...options.headers, [COPY_ID_HEADER]: id };
  watchReturns(channel);
  try {
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, content, { ...options, headers, mandatory: true }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  } catch (error) {
    returnedCopies.delete(id);
    throw error;
  }
  return !returnedCopies.delete(id);
}

/** Header numbering the copies of this process, to recognise one the broker returns. */
export const COPY_ID_HEADER = 'x-tc-copy-id';
let copies = 0;
/** Copies the broker returned as unroutable; the return arrives before the confirm. */
const returnedCopies = new Set<number>();
const watched = new WeakSet<BrokerConfirmChannel>();

function watchReturns(channel: BrokerConfirmChannel): void {
  if (watched.has(channel)) return;
  watched.add(channel);
  channel.on('return', (message: Delivery) => {
    const id = message.properties.headers?.[COPY_ID_HEADER];
    if (typeof id === 'number') returnedCopies.add(id);
  });
}

/**
 * Queue declarations: a durable work queue with its retry and dead-letter companions, or an
 * exclusive queue; a redeclare with other arguments becomes a {@link QueueArgumentsMismatchError}.
 */

import { ReplyCode, replyCode } from '../broker/reply-codes.js';
import type { BrokerChannel, BrokerConnection, QueueType } from '../broker/transport.js';
import { BrokerOperationError, QueueArgumentsMismatchError } from './errors.js';
import type { QueueNames } from './names.js';
import { DEFAULT_QUEUE_TYPE, type QueueOptions } from './options.js';

/**
 * Runs `work` on a channel of its own, closed afterwards: a broker error closes only that
 * channel, never the connection or the consumer's channel.
 */
export async function withChannel<T>(
  connection: BrokerConnection,
  work: (channel: BrokerChannel) => Promise<T>,
): Promise<T> {
  const channel = await connection.createChannel();
  let closed = false;
  // Without a listener, the `error` a channel emits when the broker closes it would crash.
  channel.on('error', () => undefined);
  channel.on('close', () => {
    closed = true;
  });
  try {
    return await work(channel);
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}

/** A queue's ready messages and consumers, or undefined when it does not exist. */
export async function queueCounts(
  connection: BrokerConnection,
  queue: string,
): Promise<{ messageCount: number; consumerCount: number } | undefined> {
  try {
    return await withChannel(connection, (channel) => channel.checkQueue(queue));
  } catch (error) {
    if (replyCode(error) === ReplyCode.notFound) return undefined;
    throw error;
  }
}

/** Keeps the manifest queue short; readers take the newest manifest anyway. */
const MANIFEST_MAX_LENGTH = 8;

/**
 * The arguments of a durable queue's bindings-manifest queue: of the queue's type, so that on a
 * cluster the manifest survives the loss of a node (a lost manifest would leave bindings no
 * longer asked for in place).
 */
export function manifestQueueArguments(
  queueType: QueueType,
  expires: number | undefined,
): Record<string, unknown> {
  const args: Record<string, unknown> = {
    'x-queue-type': queueType,
    'x-max-length': MANIFEST_MAX_LENGTH,
  };
  if (expires !== undefined) args['x-expires'] = expires;
  return args;
}

/** The arguments of a durable work queue. */
export function workQueueArguments(
  names: QueueNames,
  options: QueueOptions,
): Record<string, unknown> {
  const args: Record<string, unknown> = {
    'x-queue-type': options.queueType ?? DEFAULT_QUEUE_TYPE,
    // Whatever the broker itself dead-letters (a quorum queue's delivery limit, an overflow,
    // a rejected message) lands in the dead-letter queue rather than being dropped.
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.dead,
  };
  if (options.maxLength !== undefined) args['x-max-length'] = options.maxLength;
  if (options.expires !== undefined) args['x-expires'] = options.expires;
  if (options.overflow !== undefined) args['x-overflow'] = options.overflow;
  if (options.singleActiveConsumer === true) args['x-single-active-consumer'] = true;
  if (options.deliveryLimit !== undefined) args['x-delivery-limit'] = options.deliveryLimit;
  return { ...args, ...options.arguments };
}

/**
 * The arguments of a durable consumer's retry queue: messages wait there for their
 * per-message TTL, then the broker dead-letters them back to the work queue. Of the queue's
 * type, so that on a cluster a quorum retry queue survives the loss of a node; RabbitMQ 3.10+
 * gives quorum queues message TTL, and at-least-once dead-lettering (which needs
 * `reject-publish`) so that a node lost while a message moves back does not lose it.
 */
export function retryQueueArguments(
  names: QueueNames,
  options: QueueOptions,
): Record<string, unknown> {
  const type = options.queueType ?? DEFAULT_QUEUE_TYPE;
  const args: Record<string, unknown> = {
    'x-queue-type': type,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.work,
  };
  if (type === 'quorum') {
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  if (options.expires !== undefined) args['x-expires'] = options.expires;
  return args;
}

/** What a declaration says when it keeps a queue made with other arguments. */
export interface KeptQueue {
  queue: string;
  /** The argument that differs, when the broker names it. */
  argument: string | undefined;
}

/**
 * Declares a durable work queue, its dead-letter, retry and bindings-manifest queues. A retry
 * or manifest queue made by an earlier version with other arguments (a classic one) is kept as
 * it is, since it holds messages waiting for their retry or the manifest; `kept` hears of it
 * (such a queue is not replicated).
 */
export async function declareDurableQueues(
  connection: BrokerConnection,
  names: QueueNames,
  options: QueueOptions,
  kept: (queue: KeptQueue) => void = () => undefined,
): Promise<void> {
  const expires = options.expires === undefined ? {} : { 'x-expires': options.expires };
  // The work queue first: when it exists with other arguments, nothing else gets declared.
  await declare(connection, names.work, workQueueArguments(names, options));
  await declare(connection, names.dead, {
    'x-queue-type': options.queueType ?? DEFAULT_QUEUE_TYPE,
    ...expires,
  });
  await declareOrKeep(connection, names.retry, retryQueueArguments(names, options), kept);
  await declareOrKeep(
    connection,
    names.manifest,
    manifestQueueArguments(options.queueType ?? DEFAULT_QUEUE_TYPE, options.expires),
    kept,
  );
}

/**
 * Declares a companion queue; one that exists with other arguments is kept (and reported)
 * rather than failing the consumer: what it holds is the consumer's own state.
 */
export async function declareOrKeep(
  connection: BrokerConnection,
  queue: string,
  args: Record<string, unknown>,
  kept: (queue: KeptQueue) => void,
): Promise<void> {
  try {
    await declare(connection, queue, args);
  } catch (error) {
    if (!(error instanceof QueueArgumentsMismatchError)) throw error;
    kept({ queue, argument: error.argument });
  }
}

/** Declares an exclusive queue, deleted when its connection closes. */
export async function declareExclusiveQueue(
  channel: BrokerChannel,
  name: string,
  options: QueueOptions,
): Promise<void> {
  const args: Record<string, unknown> = { ...options.arguments };
  if (options.maxLength !== undefined) args['x-max-length'] = options.maxLength;
  if (options.overflow !== undefined) args['x-overflow'] = options.overflow;
  await channel.assertQueue(name, {
    exclusive: true,
    durable: false,
    autoDelete: true,
    arguments: args,
  });
}

async function declare(
  connection: BrokerConnection,
  queue: string,
  args: Record<string, unknown>,
): Promise<void> {
  try {
    await withChannel(connection, (channel) =>
      channel.assertQueue(queue, { durable: true, arguments: args }),
    );
  } catch (error) {
    throw queueError(queue, error);
  }
}

/** The typed error of a failed queue declaration. */
export function queueError(queue: string, error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  if (replyCode(error) === ReplyCode.preconditionFailed) {
    const argument = /inequivalent arg '([^']+)'/.exec(text)?.[1];
    return new QueueArgumentsMismatchError(queue, argument, brokerDetail(text), error);
  }
  return new BrokerOperationError(`cannot declare queue "${queue}": ${brokerDetail(text)}`, {
    cause: error,
  });
}

/** The broker's own words from an amqplib error message (after `with message`). */
export function brokerDetail(text: string): string {
  const match = /with message "([^"]*)"/.exec(text);
  return match?.[1] ?? text;
}

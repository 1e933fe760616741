/**
 * Queue declarations: a durable work queue with its retry and dead-letter companions, or an
 * exclusive queue; a redeclare with other arguments becomes a {@link QueueArgumentsMismatchError}.
 */

import { BrokerOperationError, QueueArgumentsMismatchError, replyCode } from './errors.js';
import type { QueueNames } from './names.js';
import { DEFAULT_QUEUE_TYPE, type QueueOptions } from './options.js';
import type { TransportChannel, TransportConnection } from './transport.js';

/** AMQP reply code of a redeclare with other arguments, or a bind to a missing exchange... */
export const PRECONDITION_FAILED = 406;
/** ...and of an operation on a queue or exchange that does not exist. */
export const NOT_FOUND = 404;

/**
 * Runs `work` on a channel of its own, closed afterwards: a broker error closes only that
 * channel, never the connection or the consumer's channel.
 */
export async function withChannel<T>(
  connection: TransportConnection,
  work: (channel: TransportChannel) => Promise<T>,
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
  return { ...args, ...options.arguments };
}

/** Declares a durable work queue, its dead-letter queue and its retry queue. */
export async function declareDurableQueues(
  connection: TransportConnection,
  names: QueueNames,
  options: QueueOptions,
): Promise<void> {
  const expires = options.expires === undefined ? {} : { 'x-expires': options.expires };
  // The work queue first: when it exists with other arguments, nothing else gets declared.
  await declare(connection, names.work, workQueueArguments(names, options));
  await declare(connection, names.dead, {
    'x-queue-type': options.queueType ?? DEFAULT_QUEUE_TYPE,
    ...expires,
  });
  // Classic, since messages wait here with a per-message TTL and then dead-letter back.
  await declare(connection, names.retry, {
    'x-queue-type': 'classic',
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.work,
    ...expires,
  });
}

/** Declares an exclusive queue, deleted when its connection closes. */
export async function declareExclusiveQueue(
  channel: TransportChannel,
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
  connection: TransportConnection,
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
  if (replyCode(error) === PRECONDITION_FAILED) {
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

/**
 * The RabbitMQ the benchmarks run against (`PULSE_TEST_URL`, or the local broker): unique
 * queues, the pre-fill of a backlog, and clean-up. Every queue and exchange made here is deleted
 * afterwards.
 */

import { randomBytes } from 'node:crypto';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import type { Binding } from '../src/index.js';
import { LOCAL_TEST_BROKER_URL, PULSE_TEST_URL_ENV } from '../src/testing/test-broker.js';
import { type BenchMessage, benchEvents, benchExchangePrefix } from './messages.js';

/** The broker URL: the test brokers' variable, else their local broker. */
export const BROKER_URL = process.env[PULSE_TEST_URL_ENV] ?? LOCAL_TEST_BROKER_URL;

/** The Pulse user (namespace) the benchmark's queues belong to. */
export const BENCH_NAMESPACE = 'bench';

/** Queues of one consume trial: the work queue and the companions our consumer declares. */
export interface TrialQueues {
  /** The queue name our consumer is given (`queue/<namespace>/<name>`). */
  name: string;
  /** The full work queue name, which the baseline consumes. */
  work: string;
  /** Every queue that may exist for this trial, deleted afterwards. */
  all: string[];
}

/** How long published messages may take to show in the queue's count, in milliseconds. */
const PREFILL_SETTLE_TIMEOUT_MS = 60_000;

/** Header holding the publisher's clock (epoch ms, fractional) in latency messages. */
export const SENT_AT_HEADER = 'x-bench-sent-at';

/** A unique queue name for one trial. */
export function trialQueues(prefix: string): TrialQueues {
  const name = `${prefix}-${randomBytes(6).toString('hex')}`;
  const work = `queue/${BENCH_NAMESPACE}/${name}`;
  return { name, work, all: [work, `${work}/dead`, `${work}/retry`, `${work}/bindings`] };
}

/** A raw amqplib connection; fails loudly, naming the broker without its password. */
export async function rawConnection(url = BROKER_URL): Promise<ChannelModel> {
  try {
    // TCP_NODELAY: with Nagle's algorithm the publisher's small frames waited for the broker's
    // delayed ACKs, which set a p50 of about 14 ms for every consumer in the latency figure.
    return await connect(url, { noDelay: true });
  } catch (error) {
    throw new Error(
      `RabbitMQ is not reachable at ${url.replace(/\/\/[^@]*@/, '//')}: start it or set PULSE_TEST_URL (${String(error)})`,
    );
  }
}

/**
 * Declares the topic exchange and a durable classic work queue bound to it, with the arguments
 * our consumer declares it with (so both consumers use one and the same queue).
 */
export async function declareTrialQueue(
  channel: Channel,
  queues: TrialQueues,
  binding: Binding<unknown, unknown>,
): Promise<void> {
  await channel.assertExchange(binding.exchange, 'topic', { durable: false, autoDelete: false });
  await channel.assertQueue(queues.work, {
    durable: true,
    arguments: {
      'x-queue-type': 'classic',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': `${queues.work}/dead`,
    },
  });
  await channel.bindQueue(queues.work, binding.exchange, binding.routingKeyPattern);
}

/** Publishes one message as the queue does: its routing key, CC routes, JSON, persistent. */
export function publishMessage(
  channel: Channel,
  exchange: string,
  message: BenchMessage,
  headers?: Record<string, unknown>,
): boolean {
  return channel.publish(exchange, message.routingKey, message.content, {
    contentType: 'application/json',
    persistent: true,
    CC: message.cc,
    ...(headers === undefined ? {} : { headers }),
  });
}

/**
 * Publishes `count` messages (cycling through `pool`) with flow control, then waits until the
 * queue holds all of them.
 */
export async function prefill(
  channel: Channel,
  exchange: string,
  queue: string,
  pool: readonly BenchMessage[],
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!publishMessage(channel, exchange, pool[i % pool.length]!)) await drained(channel);
  }
  const deadline = performance.now() + PREFILL_SETTLE_TIMEOUT_MS;
  for (;;) {
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount >= count) return;
    if (performance.now() > deadline) {
      throw new Error(`queue ${queue} holds ${messageCount} of the ${count} messages published`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves when the channel can take more; rejects if it closes first (the broker went away). */
function drained(channel: Channel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('the broker closed the channel during the pre-fill'));
    channel.once('close', onClose);
    channel.once('drain', () => {
      channel.off('close', onClose);
      resolve();
    });
  });
}

/** Deletes queues and exchanges (missing ones are fine), each on a fresh channel. */
export async function cleanUp(
  connection: ChannelModel,
  queues: readonly string[],
  exchanges: readonly string[],
): Promise<void> {
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  for (const exchange of exchanges) await channel.deleteExchange(exchange);
  await channel.close();
}

/** What a consume benchmark runs on: a raw connection, a channel, the run's own exchange. */
export interface BenchBroker {
  connection: ChannelModel;
  channel: Channel;
  /** A prefix of this run's own, so its exchange never meets another run's. */
  exchangePrefix: string;
  /** `taskCompleted` on that prefix, what every trial queue is bound with. */
  binding: ReturnType<ReturnType<typeof benchEvents>['taskCompleted']>;
}

/** Opens a {@link BenchBroker} (on `url`); close it with {@link closeBenchBroker}. */
export async function openBenchBroker(url = BROKER_URL): Promise<BenchBroker> {
  const connection = await rawConnection(url);
  const channel = await connection.createChannel();
  const exchangePrefix = benchExchangePrefix();
  return {
    connection,
    channel,
    exchangePrefix,
    binding: benchEvents(exchangePrefix).taskCompleted(),
  };
}

/** Deletes `queues` and the run's exchange, then closes the connection. */
export async function closeBenchBroker(
  broker: BenchBroker,
  queues: readonly string[] = [],
): Promise<void> {
  await cleanUp(broker.connection, queues, [broker.binding.exchange]);
  await broker.connection.close();
}

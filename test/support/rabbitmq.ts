/**
 * The real RabbitMQ the broker tests run against: the run's test broker (the global set-up
 * started or found it and handed it on in PULSE_TEST_URL), unique names, and faults made by the
 * broker itself (`rabbitmqctl close_connection`, run on the broker's node).
 */

import { randomBytes } from 'node:crypto';
import { type ChannelModel, connect, type GetMessage } from 'amqplib';
import { startTestBroker } from '../../src/testing/test-broker.js';

/** The run's test broker; a broker that does not accept a login fails here, loudly. */
export const TEST_BROKER = await startTestBroker();

/** The test broker's URL, with its user and password. */
export const BROKER_URL = TEST_BROKER.url;

/** Runs `rabbitmqctl -q <args>` on the test broker's node and returns what it printed. */
export function rabbitmqctl(...args: string[]): Promise<string> {
  return TEST_BROKER.rabbitmqctl(...args);
}

/** A unique suffix, so test files running in parallel never share queues or exchanges. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Opens a plain amqplib connection for test set-up; throws loudly when the broker is down. */
export async function rawConnection(): Promise<ChannelModel> {
  try {
    return await connect(BROKER_URL);
  } catch (error) {
    throw new Error(
      `the test broker at ${BROKER_URL.replace(/\/\/[^@]*@/, '//')} is not reachable: ${String(error)}`,
    );
  }
}

/** Runs `work` with a channel of a fresh raw connection, closed afterwards. */
export async function withRawChannel<T>(
  work: (channel: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<T>,
): Promise<T> {
  const connection = await rawConnection();
  try {
    const channel = await connection.createChannel();
    return await work(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Takes every ready message of a queue (acking each) with a raw channel, in queue order. */
export function drainQueue(queue: string): Promise<GetMessage[]> {
  return withRawChannel(async (channel) => {
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(queue);
      if (message === false) return messages;
      channel.ack(message);
      messages.push(message);
    }
  });
}

/** Ready messages in a queue. */
export function queueDepth(queue: string): Promise<number> {
  return withRawChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);
}

/** Deletes queues (missing ones are fine). */
export async function deleteQueues(...queues: string[]): Promise<void> {
  await withRawChannel(async (channel) => {
    for (const queue of queues) await channel.deleteQueue(queue);
  });
}

/** Deletes exchanges (missing ones are fine). */
export async function deleteExchanges(...exchanges: string[]): Promise<void> {
  await withRawChannel(async (channel) => {
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  });
}

/** Declares durable topic exchanges. */
export async function declareExchanges(...exchanges: string[]): Promise<void> {
  await withRawChannel(async (channel) => {
    for (const exchange of exchanges) await channel.assertExchange(exchange, 'topic');
  });
}

/**
 * Has the broker close every connection whose client named itself `connectionName`
 * (`rabbitmqctl close_connection`). Returns how many it closed.
 */
export async function closeConnectionsNamed(connectionName: string): Promise<number> {
  const stdout = await rabbitmqctl('list_connections', 'pid', 'client_properties');
  const needle = `{"connection_name","${connectionName}"}`;
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) {
    await rabbitmqctl('close_connection', pid, 'closed by a test');
  }
  return pids.length;
}

/** The heartbeat (seconds) the broker agreed with each connection named `connectionName`. */
export async function heartbeatsOf(connectionName: string): Promise<number[]> {
  const stdout = await rabbitmqctl('list_connections', 'timeout', 'client_properties');
  const needle = `{"connection_name","${connectionName}"}`;
  return stdout
    .split('\n')
    .filter((line) => line.includes(needle))
    .map((line) => Number(line.split('\t')[0]));
}

/** Waits until `condition` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One binding of a queue, as the broker lists it. */
export interface ListedBinding {
  exchange: string;
  routingKeyPattern: string;
}

/**
 * The bindings of `queue` as the broker lists them (`rabbitmqctl list_bindings`), without the
 * default exchange's, sorted.
 */
export async function queueBindings(queue: string): Promise<ListedBinding[]> {
  const stdout = await rabbitmqctl(
    'list_bindings',
    '--formatter',
    'json',
    'source_name',
    'destination_name',
    'destination_kind',
    'routing_key',
  );
  const rows = JSON.parse(stdout) as Array<Record<string, string>>;
  return sortBindings(
    rows
      .filter(
        (row) =>
          row.destination_kind === 'queue' &&
          row.destination_name === queue &&
          row.source_name !== '',
      )
      .map((row) => ({ exchange: row.source_name!, routingKeyPattern: row.routing_key! })),
  );
}

/** Bindings in one order (exchange, then pattern), for comparing lists. */
export function sortBindings<T extends ListedBinding>(bindings: readonly T[]): ListedBinding[] {
  const key = ({ exchange, routingKeyPattern }: ListedBinding) =>
    `${exchange}\n${routingKeyPattern}`;
  return bindings
    .map(({ exchange, routingKeyPattern }) => ({ exchange, routingKeyPattern }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Bindings by the thousand, on the in-memory broker and on RabbitMQ: a durable queue's
 * bindings are made, and dropped, many at once; a restart that changes nothing sends no bind;
 * a missing exchange among many fails only its own bindings, which the next start tries
 * again; the manifest is trusted, except for a work queue made anew or a manifest purged.
 * What the broker holds is read from the broker itself (`list_bindings`, the in-memory broker's
 * own listing); what was sent is counted by a transport around the real one.
 */

import { connect as amqpConnect } from 'amqplib';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import type { BrokerChannel, BrokerTransport } from '../../src/broker/transport.js';
import type { BindingKey } from '../../src/consumer/binding-batch.js';
import { MissingExchangeError } from '../../src/consumer/errors.js';
import { connect } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { type CountingTransport, countingTransport } from '../support/counting-transport.js';
import {
  BROKER_URL,
  closeConnectionsNamed,
  type ListedBinding,
  queueBindings,
  sortBindings,
  unique,
} from '../support/rabbitmq.js';

/** Bindings of the large cases. */
const MANY = 2_000;

type BindingFailed = Extract<PulseStatus, { type: 'binding-failed' }>;

/** A broker the cases run on, with the means to look at it. */
interface BrokerCase {
  readonly name: 'memory' | 'rabbitmq';
  readonly transport: BrokerTransport;
  /** The queue's bindings, as the broker lists them, sorted. */
  bindings(queue: string): Promise<ListedBinding[]>;
  /** The broker closes every connection of `transport` (an operator's action). */
  closeConnections(): Promise<number>;
}

function memoryCase(): BrokerCase {
  const broker = createMemoryBroker();
  return {
    name: 'memory',
    transport: broker.transport(),
    bindings: async (queue) =>
      sortBindings(
        broker
          .bindings(queue)
          .map(({ exchange, pattern }) => ({ exchange, routingKeyPattern: pattern })),
      ),
    closeConnections: async () => broker.closeConnections(),
  };
}

function rabbitmqCase(): BrokerCase {
  // Named connections, so that the broker can be told to close exactly these.
  const connectionName = unique('many-bindings');
  const open = () =>
    amqpConnect(BROKER_URL, { clientProperties: { connection_name: connectionName } });
  return {
    name: 'rabbitmq',
    transport: { kind: 'amqp', description: 'local RabbitMQ', connect: open },
    bindings: queueBindings,
    closeConnections: () => closeConnectionsNamed(connectionName),
  };
}

/** Runs `work` on a channel of a connection of `transport`, closed afterwards. */
async function withChannelOf<T>(
  transport: BrokerTransport,
  work: (channel: BrokerChannel & { deleteExchange(name: string): Promise<unknown> }) => Promise<T>,
): Promise<T> {
  const connection = await transport.connect();
  try {
    // Exchange deletion is outside the transport contract; both brokers implement amqplib's.
    const channel = (await connection.createChannel()) as BrokerChannel & {
      deleteExchange(name: string): Promise<unknown>;
    };
    return await work(channel);
  } finally {
    await connection.close();
  }
}

/** `count` bindings on `exchange`, one per task id. */
function taskBindings(exchange: string, count: number, from = 0): BindingKey[] {
  return Array.from({ length: count }, (_, i) => ({
    exchange,
    routingKeyPattern: `primary.task-${from + i}.*.#`,
  }));
}

describe.each([memoryCase(), rabbitmqCase()])('bindings by the thousand on $name', (broker) => {
  let namespace: string;
  let tasks: string;
  let others: string;
  let counting: CountingTransport;
  const queues: string[] = [];
  const exchanges: string[] = [];

  beforeEach(async () => {
    namespace = unique('ns');
    tasks = `exchange/${namespace}/v1/tasks`;
    others = `exchange/${namespace}/v1/others`;
    exchanges.push(tasks, others);
    await withChannelOf(broker.transport, async (channel) => {
      for (const exchange of [tasks, others]) await channel.assertExchange(exchange, 'topic');
    });
    counting = countingTransport(broker.transport);
  });

  afterEach(async () => {
    await withChannelOf(broker.transport, async (channel) => {
      for (const queue of queues.splice(0)) {
        for (const name of [queue, `${queue}/dead`, `${queue}/retry`, `${queue}/bindings`]) {
          await channel.deleteQueue(name);
        }
      }
      for (const exchange of exchanges.splice(0)) await channel.deleteExchange(exchange);
    });
  });

  /** A durable queue's full name, deleted after the test. */
  function durableQueue(name: string): string {
    const queue = `queue/${namespace}/${name}`;
    queues.push(queue);
    return queue;
  }

  /**
   * Starts a client with a handler runner on the queue (durable when named), waits until it
   * consumes, runs `whileConsuming` with the queue's full name, closes the client; returns the
   * bindings it reported failed, and the binds and unbinds it sent.
   */
  async function start(
    name: string | undefined,
    bindings: readonly BindingKey[],
    whileConsuming: (queue: string) => Promise<void> = async () => undefined,
  ): Promise<{ failed: BindingFailed[]; binds: number; unbinds: number }> {
    counting.reset();
    const pulse = connect({ broker: counting, namespace });
    const failed: BindingFailed[] = [];
    let consumed = '';
    pulse.status$.subscribe((status) => {
      if (status.type === 'binding-failed') failed.push(status);
      if (status.type === 'consuming') consumed = status.queue;
    });
    try {
      const runner = pulse.handle(
        name === undefined ? { bindings } : { queueName: name, bindings },
        async () => undefined,
      );
      await runner.ready;
      await whileConsuming(consumed);
    } finally {
      await pulse.close();
    }
    return { failed, binds: counting.binds, unbinds: counting.unbinds };
  }

  it(`binds ${MANY} bindings, sends none on a restart that changes nothing, then drops half`, async () => {
    const name = unique('many');
    const queue = durableQueue(name);
    const all = taskBindings(tasks, MANY);

    const first = await start(name, all);
    expect(first).toEqual({ failed: [], binds: MANY, unbinds: 0 });
    expect(await broker.bindings(queue)).toEqual(sortBindings(all));

    const again = await start(name, all);
    expect(again).toEqual({ failed: [], binds: 0, unbinds: 0 });
    expect(await broker.bindings(queue)).toEqual(sortBindings(all));

    // Half of them, and one more: only the difference is sent.
    const half = [...all.slice(0, MANY / 2), ...taskBindings(others, 1)];
    const changed = await start(name, half);
    expect(changed).toEqual({ failed: [], binds: 1, unbinds: MANY / 2 });
    expect(await broker.bindings(queue)).toEqual(sortBindings(half));
  });

  it('fails only the bindings of missing exchanges among many, and tries those again on the next start', async () => {
    const name = unique('missing');
    const queue = durableQueue(name);
    const missingA = `exchange/${namespace}/v1/missing-a`;
    const missingB = `exchange/${namespace}/v1/missing-b`;
    exchanges.push(missingA);
    const good = [...taskBindings(tasks, 300), ...taskBindings(others, 300)];
    const missing = [...taskBindings(missingA, 40), ...taskBindings(missingB, 40)];
    // Interleaved, so the refusals land among good binds on every channel.
    const bindings = good.flatMap((binding, i) =>
      i % 7 === 0 && missing.length > 0 ? [missing.pop()!, binding] : [binding],
    );
    bindings.push(...missing.splice(0));
    const wantedMissing = bindings.filter(
      (b) => b.exchange === missingA || b.exchange === missingB,
    );
    expect(wantedMissing).toHaveLength(80);

    const first = await start(name, bindings);
    expect(sortBindings(first.failed)).toEqual(sortBindings(wantedMissing));
    for (const failure of first.failed) {
      expect(failure.queue).toBe(queue);
      expect(failure.error).toBeInstanceOf(MissingExchangeError);
      expect((failure.error as MissingExchangeError).exchange).toBe(failure.exchange);
    }
    expect(await broker.bindings(queue)).toEqual(sortBindings(good));

    // One of them is declared now: the next start sends only the binds that failed.
    await withChannelOf(broker.transport, (channel) => channel.assertExchange(missingA, 'topic'));
    const second = await start(name, bindings);
    // Only the binds that failed are sent: all of missing-a's, and of missing-b's at least
    // the one refused (those not sent yet when it was fail with it).
    expect(counting.bindsTo(tasks) + counting.bindsTo(others)).toBe(0);
    expect(counting.bindsTo(missingA)).toBe(40);
    expect(counting.bindsTo(missingB)).toBeGreaterThanOrEqual(1);
    expect(second.binds).toBe(40 + counting.bindsTo(missingB));
    expect(sortBindings(second.failed)).toEqual(
      sortBindings(wantedMissing.filter((b) => b.exchange === missingB)),
    );
    expect(await broker.bindings(queue)).toEqual(
      sortBindings(bindings.filter((b) => b.exchange !== missingB)),
    );
  });

  it('binds an exclusive queue to many bindings, a missing exchange failing only its own', async () => {
    const missing = `exchange/${namespace}/v1/missing`;
    const bindings = [
      ...taskBindings(tasks, 200),
      ...taskBindings(missing, 5),
      ...taskBindings(others, 200),
    ];
    let listed: ListedBinding[] = [];
    const { failed } = await start(undefined, bindings, async (queue) => {
      listed = await broker.bindings(queue);
    });
    expect(sortBindings(failed)).toEqual(sortBindings(taskBindings(missing, 5)));
    expect(listed).toEqual(sortBindings(bindings.filter((b) => b.exchange !== missing)));
  });

  it('fails a set-up whose connection ends among its binds, and makes every binding on the next one', async () => {
    const name = unique('lost');
    const queue = durableQueue(name);
    const bindings = taskBindings(tasks, 1_000);
    counting.reset();
    const held = counting.holdBindsAfter(300);
    const pulse = connect({
      broker: counting,
      namespace,
      reconnect: { baseDelay: 100, maxDelay: 1_000 },
    });
    const statuses: PulseStatus[] = [];
    pulse.status$.subscribe((status) => statuses.push(status));
    try {
      const runner = pulse.handle({ queueName: name, bindings }, async () => undefined);
      await held.reached;
      const disconnected = firstValueFrom(
        pulse.status$.pipe(filter((status) => status.type === 'disconnected')),
      );
      expect(await broker.closeConnections()).toBeGreaterThan(0);
      await disconnected;
      // The held binds go to channels that are gone now.
      held.release();
      await runner.ready;
    } finally {
      await pulse.close();
    }
    expect(statuses.filter((status) => status.type === 'binding-failed')).toEqual([]);
    const consuming = statuses.flatMap((status) =>
      status.type === 'consuming' ? [status.connection] : [],
    );
    expect(consuming).toEqual([2]);
    expect(await broker.bindings(queue)).toEqual(sortBindings(bindings));
  });

  it('binds everything again when the work queue was deleted by hand, though its manifest stayed', async () => {
    const name = unique('deleted');
    const queue = durableQueue(name);
    const bindings = taskBindings(tasks, 50);
    expect((await start(name, bindings)).binds).toBe(50);
    await withChannelOf(broker.transport, (channel) => channel.deleteQueue(queue));
    expect(await broker.bindings(queue)).toEqual([]);

    expect(await start(name, bindings)).toEqual({ failed: [], binds: 50, unbinds: 0 });
    expect(await broker.bindings(queue)).toEqual(sortBindings(bindings));
  });

  it('binds everything again once the manifest is purged, or was written by an earlier version', async () => {
    const name = unique('purged');
    const queue = durableQueue(name);
    const bindings = taskBindings(tasks, 30);
    await start(name, bindings);
    await withChannelOf(broker.transport, (channel) => channel.purgeQueue(`${queue}/bindings`));
    expect((await start(name, bindings)).binds).toBe(30);
    expect((await start(name, bindings)).binds).toBe(0);

    // An earlier version's manifest lists the bindings without saying which were made.
    await withChannelOf(broker.transport, async (channel) => {
      await channel.purgeQueue(`${queue}/bindings`);
      const manifest = { written: Date.now(), bindings };
      channel.sendToQueue(`${queue}/bindings`, Buffer.from(JSON.stringify(manifest)));
      await channel.checkQueue(`${queue}/bindings`);
    });
    expect((await start(name, bindings)).binds).toBe(30);
    expect((await start(name, bindings)).binds).toBe(0);
    expect(await broker.bindings(queue)).toEqual(sortBindings(bindings));
  });
});

/**
 * Consumer-level conformance: the framework's own `handle()` and publisher, run unchanged over
 * the in-memory broker and over RabbitMQ (bindings, routing-key parsing, CC routes, acks,
 * delayed retries through the broker, dead-lettering with the reason, close). Passing here on
 * both is what lets users test their handlers against the in-memory broker.
 */

import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerTransport, Delivery } from '../../src/broker/transport.js';
import {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
} from '../../src/consumer/message.js';
import { defineExchange, type ExchangeDefinition } from '../../src/consumer/publisher.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import { buildRoutingKeyPattern } from '../../src/exchanges/routing-key.js';
import type { Binding, RoutingKeyField } from '../../src/exchanges/types.js';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

const FIELDS: readonly RoutingKeyField[] = [
  { name: 'routingKeyKind', multipleWords: false, required: true, constant: 'primary' },
  { name: 'taskId', multipleWords: false, required: true },
  { name: 'workerType', multipleWords: false, required: false },
  { name: 'reserved', multipleWords: true, required: false },
];

interface Payload {
  n: number;
}
type Routing = Record<'routingKeyKind' | 'taskId' | 'workerType' | 'reserved', string | undefined>;

interface Setup {
  namespace: string;
  tasks: ExchangeDefinition;
  pulse: PulseClient;
  binding(filter: Record<string, string>): Binding<Payload, Routing>;
  queueName(name: string): string;
}

describe.each(brokersUnderTest())('consumer on $name', (broker) => {
  const { transport } = broker;
  let session: Session;
  let setup: Setup;
  const queues: string[] = [];

  beforeEach(async () => {
    session = new Session(transport);
    setup = await prepare(transport, session);
  });
  afterEach(async () => {
    await setup.pulse.close();
    for (const queue of queues.splice(0)) {
      for (const suffix of ['', '/dead', '/retry', '/bindings']) session.queue(`${queue}${suffix}`);
    }
    await session.cleanup();
  });

  function durable(name: string): string {
    const full = setup.queueName(name);
    queues.push(full);
    return full;
  }

  it('delivers exactly the bound messages, with routing fields and routes parsed', async () => {
    const name = uniqueName('bound');
    durable(name);
    const seen: { n: number; routing: Routing; routes: readonly string[]; key: string }[] = [];
    const consuming = nextStatus(setup.pulse, 'consuming');
    const runner = setup.pulse.handle(
      {
        queueName: name,
        bindings: [
          setup.binding({ taskId: 'wanted' }),
          {
            exchange: setup.tasks.exchange,
            routingKeyPattern: 'route.watched.#',
            routingKeyReference: FIELDS,
          },
        ],
      },
      (message) => {
        seen.push({
          n: message.payload.n,
          routing: message.routing,
          routes: message.routes,
          key: message.routingKey,
        });
      },
    );
    await consuming;
    const publisher = setup.pulse.publisher();
    await publisher.publish(setup.tasks, { payload: { n: 1 }, routing: { taskId: 'wanted' } });
    await publisher.publish(setup.tasks, { payload: { n: 2 }, routing: { taskId: 'other' } });
    await publisher.publish(setup.tasks, {
      payload: { n: 3 },
      routing: { taskId: 'other', workerType: 'w', reserved: 'a.b' },
      routes: ['watched.x', 'unrelated'],
    });
    await publisher.publish(setup.tasks, {
      payload: { n: 4 },
      routing: { taskId: 'wanted' },
      routes: ['watched.y'],
    });
    await waitFor('three handled', () => seen.length === 3);
    await runner.close();
    expect(seen.sort((a, b) => a.n - b.n)).toEqual([
      {
        n: 1,
        key: 'primary.wanted._._',
        routing: {
          routingKeyKind: 'primary',
          taskId: 'wanted',
          workerType: undefined,
          reserved: undefined,
        },
        routes: [],
      },
      {
        n: 3,
        key: 'primary.other.w.a.b',
        routing: { routingKeyKind: 'primary', taskId: 'other', workerType: 'w', reserved: 'a.b' },
        routes: ['watched.x', 'unrelated'],
      },
      {
        n: 4,
        key: 'primary.wanted._._',
        routing: {
          routingKeyKind: 'primary',
          taskId: 'wanted',
          workerType: undefined,
          reserved: undefined,
        },
        routes: ['watched.y'],
      },
    ]);
  });

  it('acks each handled message, retries through the broker, dead-letters with the reason', async () => {
    const name = uniqueName('retries');
    const queue = durable(name);
    const total = 20;
    const maxAttempts = 3;
    const failsOnce = (n: number) => n % 4 === 1;
    const alwaysFails = (n: number) => n % 4 === 2;
    const attempts = new Map<number, number>();
    const handled = new Set<number>();
    const consuming = nextStatus(setup.pulse, 'consuming');
    const runner = setup.pulse.handle(
      {
        queueName: name,
        bindings: [setup.binding({})],
        concurrency: 4,
        maxAttempts,
        retryDelay: 50,
      },
      (message) => {
        const n = message.payload.n;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        expect(message.attempt).toBe(attempts.get(n));
        if (alwaysFails(n)) throw new Error(`always fails ${n}`);
        if (failsOnce(n) && message.attempt === 1) throw new Error(`fails once ${n}`);
        handled.add(n);
      },
    );
    await consuming;
    const publisher = setup.pulse.publisher();
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: `t${n}` } }),
      ),
    );
    // Poison: not JSON, published raw; it goes to the dead-letter queue at once.
    const raw = await session.channel();
    raw.publish(setup.tasks.exchange, 'primary.t-poison._._', Buffer.from('not json'));
    const failing = Array.from({ length: total }, (_, n) => n).filter(alwaysFails);
    const dead = await drain(session, `${queue}/dead`, failing.length + 1);
    await waitFor('every good message handled', () => handled.size === total - failing.length);
    await runner.close();

    for (let n = 0; n < total; n += 1) {
      const expected = alwaysFails(n) ? maxAttempts : failsOnce(n) ? 2 : 1;
      expect(attempts.get(n), `attempts of ${n}`).toBe(expected);
    }
    const reasons = dead.map((message) => {
      const headers = message.properties.headers ?? {};
      return [
        headers[DEAD_REASON_HEADER],
        headers[ATTEMPTS_HEADER],
        headers[DEAD_ERROR_HEADER] === undefined ? undefined : String(headers[DEAD_ERROR_HEADER]),
      ];
    });
    expect(reasons.filter(([reason]) => reason === 'not-json')).toHaveLength(1);
    expect(
      reasons
        .filter(([reason]) => reason === 'handler-failed')
        .map(([, count, error]) => [count, error])
        .sort(),
    ).toEqual(failing.map((n) => [maxAttempts, `always fails ${n}`]).sort());
    const checker = await session.channel();
    expect((await checker.checkQueue(queue)).messageCount).toBe(0);
    expect((await checker.checkQueue(`${queue}/retry`)).messageCount).toBe(0);
  });

  it('reconnects when the broker closes the connection; each message handled, repeats redelivered', async () => {
    const name = uniqueName('reconnect');
    const queue = durable(name);
    const total = 300;
    const counts = new Uint16Array(total);
    let repeatsNotRedelivered = 0;
    let handled = 0;
    const consuming = nextStatus(setup.pulse, 'consuming');
    const runner = setup.pulse.handle(
      { queueName: name, bindings: [setup.binding({})], concurrency: 4, prefetch: 8 },
      async (message) => {
        const n = message.payload.n;
        if (counts[n]! > 0 && !message.redelivered) repeatsNotRedelivered += 1;
        counts[n]! += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        handled += 1;
      },
    );
    await consuming;
    const publisher = setup.pulse.publisher();
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: `t${n}` } }),
      ),
    );
    await waitFor('a third handled', () => handled >= total / 3);
    const reconsuming = nextStatus(setup.pulse, 'consuming');
    expect(await broker.closeConnections()).toBeGreaterThan(0);
    await reconsuming;
    await waitFor('every message handled', () => counts.every((count) => count > 0));
    await runner.close();
    expect(repeatsNotRedelivered).toBe(0);
    const checker = await session.channel();
    expect((await checker.checkQueue(queue)).messageCount).toBe(0);
  });

  it('leaves unstarted messages in the queue on close, for the next runner', async () => {
    const name = uniqueName('close');
    const queue = durable(name);
    const total = 30;
    const firstSeen = new Set<number>();
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const consuming = nextStatus(setup.pulse, 'consuming');
    const first = setup.pulse.handle(
      { queueName: name, bindings: [setup.binding({})], concurrency: 2, prefetch: 4 },
      async (message) => {
        firstSeen.add(message.payload.n);
        await blocked;
      },
    );
    await consuming;
    const publisher = setup.pulse.publisher();
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: `t${n}` } }),
      ),
    );
    await waitFor('two handlers running', () => firstSeen.size === 2);
    const closing = first.close();
    release();
    await closing;
    const started = [...firstSeen];
    const afterClose: number[] = [];
    const second = setup.pulse.handle(
      { queueName: name, bindings: [setup.binding({})] },
      (message) => {
        afterClose.push(message.payload.n);
      },
    );
    await waitFor('the rest handled', () => afterClose.length >= total - started.length);
    await second.close();
    // Each message handled once: the two started before close, the rest by the next runner.
    expect([...started, ...afterClose].sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, n) => n),
    );
    const checker = await session.channel();
    expect((await checker.checkQueue(queue)).messageCount).toBe(0);
  });

  it('singleActiveConsumer: one replica gets every message, a standby takes over when it goes', async () => {
    const name = uniqueName('single');
    durable(name);
    const standby = connect({ broker: transport, namespace: setup.namespace });
    const seen = { first: [] as number[], second: [] as number[] };
    const options = {
      queueName: name,
      bindings: [setup.binding({ taskId: 'single' })],
      singleActiveConsumer: true,
      concurrency: 1,
    };
    const first = setup.pulse.handle(options, (message) => {
      seen.first.push(message.payload.n);
    });
    await first.ready;
    const second = standby.handle(options, (message) => {
      seen.second.push(message.payload.n);
    });
    await second.ready;
    const publisher = setup.pulse.publisher();
    const publish = (n: number) =>
      publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: 'single' } });
    for (let n = 0; n < 20; n++) await publish(n);
    await waitFor('20 handled by the active one', () => seen.first.length === 20);
    expect(seen.first).toEqual([...Array(20).keys()]);
    expect(seen.second).toEqual([]);
    await first.close();
    for (let n = 20; n < 30; n++) await publish(n);
    await waitFor('10 handled by the standby', () => seen.second.length === 10);
    expect(seen.second).toEqual([...Array(10).keys()].map((n) => n + 20));
    await second.close();
    await standby.close();
  });

  it('maxLength 3 with overflow drop-head on a durable queue: the oldest go to /dead', async () => {
    const name = uniqueName('capped');
    const queue = durable(name);
    const runner = setup.pulse.handle(
      {
        queueName: name,
        bindings: [setup.binding({ taskId: 'cap' })],
        maxLength: 3,
        overflow: 'drop-head',
      },
      () => undefined,
    );
    await runner.ready;
    await runner.close(); // the queue stays, with no consumer: messages pile up
    const publisher = setup.pulse.publisher();
    for (let n = 0; n < 5; n++) {
      await publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: 'cap' } });
    }
    const body = (d: Delivery) => (JSON.parse(d.content.toString()) as Payload).n;
    expect((await drain(session, queue, 3)).map(body)).toEqual([2, 3, 4]);
    expect((await drain(session, `${queue}/dead`, 2)).map(body)).toEqual([0, 1]);
  });

  it('maxLength 3 with overflow reject-publish on a durable queue: later publishes are refused, none lost', async () => {
    const name = uniqueName('refusing');
    const queue = durable(name);
    const runner = setup.pulse.handle(
      {
        queueName: name,
        bindings: [setup.binding({ taskId: 'cap' })],
        maxLength: 3,
        overflow: 'reject-publish',
      },
      () => undefined,
    );
    await runner.ready;
    await runner.close();
    const publisher = setup.pulse.publisher({ deadline: 500 });
    const accepted: number[] = [];
    const refused: number[] = [];
    for (let n = 0; n < 8; n++) {
      try {
        await publisher.publish(setup.tasks, { payload: { n }, routing: { taskId: 'cap' } });
        accepted.push(n);
      } catch {
        refused.push(n);
      }
    }
    // A quorum queue refuses once it is over its limit, and tells its publishers so a moment
    // later: it may take a message or two past the limit (RabbitMQ documents the overshoot).
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeLessThanOrEqual(5);
    expect(accepted).toEqual([...Array(accepted.length).keys()]);
    expect(refused.length).toBe(8 - accepted.length);
    const body = (d: Delivery) => (JSON.parse(d.content.toString()) as Payload).n;
    expect((await drain(session, queue, accepted.length)).map(body)).toEqual(accepted);
  });

  it('deliveryLimit: a message requeued past the limit goes to /dead', async () => {
    const name = uniqueName('limited');
    const queue = durable(name);
    const runner = setup.pulse.handle(
      { queueName: name, bindings: [setup.binding({ taskId: 'lim' })], deliveryLimit: 1 },
      () => undefined,
    );
    await runner.ready;
    await runner.close();
    await setup.pulse
      .publisher()
      .publish(setup.tasks, { payload: { n: 7 }, routing: { taskId: 'lim' } });
    // A consumer that hands every delivery back, as a crashing one does.
    const channel = await session.channel();
    let deliveries = 0;
    await channel.consume(queue, (message) => {
      if (message === null) return;
      deliveries++;
      channel.nack(message, false, true);
    });
    const [deadLettered] = await drain(session, `${queue}/dead`, 1);
    expect(JSON.parse(deadLettered!.content.toString())).toEqual({ n: 7 });
    expect(deliveries).toBe(2);
  });
});

async function prepare(transport: BrokerTransport, session: Session): Promise<Setup> {
  const namespace = uniqueName('ns');
  const tasks = defineExchange(namespace, 'v1/tasks', FIELDS);
  const channel = await session.channel();
  await channel.assertExchange(tasks.exchange, 'topic', { durable: false });
  session.exchange(tasks.exchange);
  const pulse = connect({
    broker: transport,
    namespace,
    reconnect: { baseDelay: 100, maxDelay: 1_000 },
  });
  await pulse.connected();
  return {
    namespace,
    tasks,
    pulse,
    binding: (f) => ({
      exchange: tasks.exchange,
      routingKeyPattern: buildRoutingKeyPattern(FIELDS, f),
      routingKeyReference: FIELDS,
    }),
    queueName: (name) => `queue/${namespace}/${name}`,
  };
}

/** Consumes `count` messages of a queue (acking them) with a plain channel. */
async function drain(session: Session, queue: string, count: number): Promise<Delivery[]> {
  const channel = await session.channel();
  const collector = await session.collect(channel, queue, (message) => channel.ack(message));
  return collector.waitForCount(count);
}

function nextStatus(pulse: PulseClient, type: string): Promise<unknown> {
  return firstValueFrom(pulse.status$.pipe(filter((status) => status.type === type)));
}

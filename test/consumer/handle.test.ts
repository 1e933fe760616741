import { describe, expect, it } from 'vitest';
import { LOST_REASON } from '../../src/consumer/handler.js';
import {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
  EXCHANGE_HEADER,
  ROUTING_KEY_HEADER,
} from '../../src/consumer/message.js';
import { connect } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import {
  BROKER_URL,
  closeConnectionsNamed,
  drainQueue,
  queueDepth,
  rawConnection,
  unique,
  waitFor,
} from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest, nextStatus, TASK_FIELDS } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

/**
 * A runner on an exclusive queue whose handler always fails, with one message published and
 * waiting (after its first attempt) for its retry in `retryDelay` ms.
 */
async function waitingRetry(f: Fixture, retryDelay: number) {
  let calls = 0;
  const consuming = nextStatus(f.pulse, 'consuming');
  const runner = f.pulse.handle({ bindings: [f.taskBinding({ taskId: 'w' })], retryDelay }, () => {
    calls++;
    throw new Error('fails');
  });
  await consuming;
  await f.pulse
    .publisher()
    .publish(f.tasks, { payload: { kind: 'task', n: 0 }, routing: { taskId: 'w' } });
  await waitFor(() => f.pulse.metrics.counts.retried === 1, 'the retry waiting');
  return { runner, calls: () => calls };
}

describe('handle', () => {
  it('is ready once its queue is bound and consumed: a message published then is handled', async () => {
    const f = await setUp();
    const name = unique('ready');
    queues.push(`queue/${f.namespace}/${name}`);
    const handled: number[] = [];
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({ taskId: 'r' })] },
      async (message) => {
        handled.push(message.payload.n);
      },
    );
    await runner.ready;
    expect(runner.healthy).toBe(true);
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 7 }, routing: { taskId: 'r' } });
    await waitFor(() => handled.length === 1, 'the message handled');
    await runner.close();
    expect(handled).toEqual([7]);
  });

  it('an ended call keeps no reference to another call, whatever order the calls end in', async () => {
    // A call that ended holding another (a link of the running calls' list) would keep every
    // later call, its message and payload, alive for as long as the garbage collector keeps it.
    const f = await setUp();
    const name = unique('links');
    queues.push(`queue/${f.namespace}/${name}`);
    const contexts: object[] = [];
    const release: (() => void)[] = [];
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({ taskId: 'l' })], concurrency: 4 },
      async (_message, context) => {
        contexts.push(context);
        await new Promise<void>((resolve) => release.push(resolve));
      },
    );
    await runner.ready;
    const publisher = f.pulse.publisher();
    for (let n = 0; n < 8; n++) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'l' } });
    }
    // Four running at once, ended from the middle, the newest, then the oldest; then the rest.
    for (const [running, order] of [
      [4, [1, 3, 0, 2]],
      [8, [6, 4, 7, 5]],
    ] as const) {
      await waitFor(() => release.length === running, `${running} calls started`);
      for (const i of order) release[i]!();
    }
    await waitFor(() => f.pulse.metrics.counts.handled === 8, 'every call ended');
    await runner.close();
    expect(contexts).toHaveLength(8);
    for (const context of contexts) {
      const held = Object.values(context).filter((value) => contexts.includes(value));
      expect(held).toEqual([]);
    }
  });

  it('handles 10,000 messages with concurrency 16, acks each, leaves the queue empty', async () => {
    const f = await setUp();
    const name = unique('bulk');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const total = 10_000;
    const seen = new Uint8Array(total);
    let running = 0;
    let maxRunning = 0;
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 16, prefetch: 64 },
      async (message) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setImmediate(resolve));
        seen[message.payload.n]! += 1;
        running--;
      },
    );
    await consuming;
    const publisher = f.pulse.publisher();
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        publisher.publish(f.tasks, {
          payload: { kind: 'task', n },
          routing: { taskId: `t${n % 50}` },
        }),
      ),
    );
    await waitFor(() => f.pulse.metrics.counts.acked >= total, 'every message acked', 120_000);
    await runner.close();
    expect(seen.every((count) => count === 1)).toBe(true);
    expect(maxRunning).toBeLessThanOrEqual(16);
    expect(maxRunning).toBeGreaterThan(1);
    expect(f.pulse.metrics.counts.handled).toBe(total);
    expect(await queueDepth(queue)).toBe(0);
  }, 180_000);

  it('retries failures after the delay, dead-letters after maxAttempts and poison at once', async () => {
    const f = await setUp();
    const name = unique('retries');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const retryDelay = 300;
    const maxAttempts = 3;
    const total = 60;
    // n % 3 === 0 fails twice then succeeds; n % 5 === 0 (and not the former) always fails.
    const failsTwice = (n: number) => n % 3 === 0;
    const alwaysFails = (n: number) => n % 5 === 0 && !failsTwice(n);
    const attempts = new Map<number, number[]>();
    const handled = new Set<number>();
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      {
        queueName: name,
        // The second binding lets a routing key through that the exchange's fields reject.
        bindings: [
          f.taskBinding({}),
          {
            exchange: f.tasks.exchange,
            routingKeyPattern: '#.bad',
            routingKeyReference: TASK_FIELDS,
          },
        ],
        concurrency: 4,
        maxAttempts,
        retryDelay,
      },
      async (message) => {
        const n = message.payload.n;
        const times = attempts.get(n) ?? [];
        times.push(Date.now());
        attempts.set(n, times);
        expect(message.attempt).toBe(times.length);
        expect(message.routing.taskId).toBe(`t${n}`);
        if (alwaysFails(n)) throw new Error(`always fails ${n}`);
        if (failsTwice(n) && message.attempt <= 2) throw new Error(`fails ${n}`);
        handled.add(n);
      },
    );
    await consuming;
    const publisher = f.pulse.publisher();
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: `t${n}` } }),
      ),
    );
    // Poison: not JSON, and a routing key that does not parse; published raw, with confirms, so
    // that both are surely in the queue (a CI run once saw only one of them arrive).
    const raw = await rawConnection();
    try {
      const channel = await raw.createConfirmChannel();
      channel.publish(f.tasks.exchange, 'primary.bad', Buffer.from('{"kind":"task","n":-1}'));
      channel.publish(f.tasks.exchange, 'primary.t-1._._', Buffer.from('not json'), {
        contentType: 'application/json',
      });
      await channel.waitForConfirms();
    } finally {
      await raw.close();
    }
    const alwaysFailing = Array.from({ length: total }, (_, n) => n).filter(alwaysFails);
    const expectedDead = alwaysFailing.length + 2;
    await waitFor(
      () =>
        handled.size === total - alwaysFailing.length &&
        f.pulse.metrics.counts.deadLettered === expectedDead,
      'every message handled or dead-lettered',
      120_000,
    ).catch((error: Error) => {
      // Say where it stands, so that a failure here can be understood.
      const pending = Array.from({ length: total }, (_, n) => n).filter(
        (n) => !handled.has(n) && !alwaysFails(n),
      );
      throw new Error(
        `${error.message}: ${JSON.stringify(f.pulse.metrics.snapshot())}, unhandled ${pending
          .map((n) => `${n}x${attempts.get(n)?.length ?? 0}`)
          .join(' ')}`,
      );
    });
    await runner.close();

    for (let n = 0; n < total; n++) {
      const times = attempts.get(n)!;
      const expectedAttempts = alwaysFails(n) ? maxAttempts : failsTwice(n) ? 3 : 1;
      expect(times.length, `attempts of ${n}`).toBe(expectedAttempts);
      for (let i = 1; i < times.length; i++) {
        // Timers may fire a little early; the broker's TTL does not.
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(retryDelay - 20);
      }
    }
    const dead = await drainQueue(`${queue}/dead`);
    expect(dead.length).toBe(expectedDead);
    const byReason = new Map<string, unknown[]>();
    for (const message of dead) {
      const headers = message.properties.headers ?? {};
      const reason = String(headers[DEAD_REASON_HEADER]);
      byReason.set(reason, [...(byReason.get(reason) ?? []), headers]);
      expect(headers[EXCHANGE_HEADER]).toBe(f.tasks.exchange);
      if (reason === 'handler-failed') {
        const n = JSON.parse(message.content.toString()).n as number;
        expect(alwaysFails(n)).toBe(true);
        expect(headers[ATTEMPTS_HEADER]).toBe(maxAttempts);
        expect(headers[DEAD_ERROR_HEADER]).toBe(`always fails ${n}`);
        expect(headers[ROUTING_KEY_HEADER]).toBe(`primary.t${n}._._`);
      } else {
        expect(headers[ATTEMPTS_HEADER]).toBe(0);
      }
    }
    expect(byReason.get('handler-failed')?.length).toBe(alwaysFailing.length);
    expect(byReason.get('bad-routing-key')?.length).toBe(1);
    expect(byReason.get('not-json')?.length).toBe(1);
    // Handled + dead-lettered = published, and nothing is left anywhere.
    expect(handled.size + dead.length).toBe(total + 2);
    expect(await queueDepth(queue)).toBe(0);
    expect(await queueDepth(`${queue}/retry`)).toBe(0);
  }, 180_000);

  it('on an exclusive queue, retries in the process after the delay, then reports the message dropped', async () => {
    const f = await setUp();
    const retryDelay = 200;
    const maxAttempts = 3;
    const statuses: PulseStatus[] = [];
    const subscription = f.pulse.status$.subscribe((status) => statuses.push(status));
    // 0 fails twice then succeeds, 1 always fails, 2 succeeds at once.
    const attempts = new Map<number, { attempt: number; at: number }[]>();
    const handled: number[] = [];
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { bindings: [f.taskBinding({ taskId: 'x' })], maxAttempts, retryDelay },
      (message) => {
        const n = message.payload.n;
        attempts.set(n, [...(attempts.get(n) ?? []), { attempt: message.attempt, at: Date.now() }]);
        if (n === 1 || (n === 0 && message.attempt <= 2)) throw new Error(`fails ${n}`);
        handled.push(n);
      },
    );
    await consuming;
    const publisher = f.pulse.publisher();
    for (const n of [0, 1, 2]) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'x' } });
    }
    await waitFor(
      () => statuses.some((status) => status.type === 'message-dropped') && handled.length === 2,
      'message 0 handled and message 1 dropped',
    );
    await runner.close();
    subscription.unsubscribe();

    expect(handled.sort()).toEqual([0, 2]);
    expect(attempts.get(0)?.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.get(1)?.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.get(2)?.map((a) => a.attempt)).toEqual([1]);
    for (const n of [0, 1]) {
      const times = attempts.get(n)!.map((a) => a.at);
      for (let i = 1; i < times.length; i++) {
        // Timers may fire a little early.
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(retryDelay - 20);
      }
    }
    const dropped = statuses.filter((status) => status.type === 'message-dropped');
    expect(dropped).toEqual([
      {
        type: 'message-dropped',
        queue: expect.stringMatching(/\/exclusive\//),
        reason: 'handler-failed',
      },
    ]);
    const counts = f.pulse.metrics.counts;
    expect(counts.retried).toBe(4);
    expect(counts.failed).toBe(5);
    expect(counts.handled).toBe(2);
    expect(counts.deadLettered).toBe(1);
    expect(counts.acked).toBe(3);
  });

  it('on an exclusive queue, close() hands back a message waiting for its retry at once', async () => {
    const f = await setUp();
    const { runner, calls } = await waitingRetry(f, 600_000);
    const closing = Date.now();
    await runner.close();
    // Far below the retry delay: close() did not wait for it.
    expect(Date.now() - closing).toBeLessThan(10_000);
    expect(calls()).toBe(1);
    expect(f.pulse.metrics.counts.requeued).toBe(1);
    expect(f.pulse.metrics.counts.acked).toBe(0);
  });

  it('on an exclusive queue, a message waiting for its retry when the connection is lost is reported dropped', async () => {
    const f = await setUp();
    const statuses: PulseStatus[] = [];
    const subscription = f.pulse.status$.subscribe((status) => statuses.push(status));
    // Long enough for the broker to close the connection first (two rabbitmqctl runs, which
    // take seconds in a container on a busy machine).
    const { runner, calls } = await waitingRetry(f, 8_000);
    const { queue } = statuses.find(
      (status): status is Extract<PulseStatus, { type: 'consuming' }> =>
        status.type === 'consuming',
    )!;
    expect(await closeConnectionsNamed(f.connectionName)).toBeGreaterThan(0);
    await waitFor(
      () => statuses.some((status) => status.type === 'message-dropped'),
      'the message reported dropped',
    );
    await runner.close();
    subscription.unsubscribe();
    expect(calls()).toBe(1);
    expect(statuses.filter((status) => status.type === 'message-dropped')).toEqual([
      { type: 'message-dropped', queue, reason: LOST_REASON },
    ]);
  });

  it('shares a durable queue between competing consumers of two connections', async () => {
    const f = await setUp();
    const name = unique('competing');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const other = connect({ broker: BROKER_URL, namespace: f.namespace });
    try {
      const byClient = [0, 0];
      const seen = new Set<number>();
      const options = {
        queueName: name,
        bindings: [f.taskBinding({})],
        concurrency: 2,
        prefetch: 2,
      };
      const slow = async (client: number, n: number) => {
        byClient[client]! += 1;
        seen.add(n);
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
      const firstUp = nextStatus(f.pulse, 'consuming');
      const secondUp = nextStatus(other, 'consuming');
      const first = f.pulse.handle(options, (m) => slow(0, m.payload.n));
      const second = other.handle(options, (m) => slow(1, m.payload.n));
      await Promise.all([firstUp, secondUp]);
      const publisher = f.pulse.publisher();
      await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'c' } }),
        ),
      );
      await waitFor(() => seen.size === 200, 'every message handled');
      await Promise.all([first.close(), second.close()]);
      expect(byClient[0]! + byClient[1]!).toBe(200);
      expect(byClient[0]).toBeGreaterThan(0);
      expect(byClient[1]).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  }, 120_000);
});

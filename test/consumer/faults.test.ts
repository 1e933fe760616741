import { describe, expect, it } from 'vitest';
import type { PulseStatus } from '../../src/consumer/status.js';
import { closeConnectionsNamed, queueDepth, unique, waitFor } from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

/** Publishes `total` task messages numbered from 0, in the background. */
async function publishAll(f: Fixture, total: number): Promise<void> {
  const publisher = f.pulse.publisher();
  await Promise.all(
    Array.from({ length: total }, (_, n) =>
      publisher.publish(f.tasks, {
        payload: { kind: 'task', n },
        routing: { taskId: `t${n % 7}` },
      }),
    ),
  );
}

describe('broker faults', () => {
  it('reconnects after the broker closes the connection mid-stream; every message handled, duplicates only redeliveries', async () => {
    const f = await setUp();
    const name = unique('reconnect');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const total = 3_000;
    const counts = new Uint16Array(total);
    let duplicates = 0;
    let duplicatesNotRedelivered = 0;
    const statuses: PulseStatus['type'][] = [];
    f.pulse.status$.subscribe((s) => statuses.push(s.type));
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 8, prefetch: 32 },
      async (message) => {
        const n = message.payload.n;
        if (counts[n]! > 0) {
          duplicates++;
          if (!message.redelivered) duplicatesNotRedelivered++;
        }
        counts[n]! += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    );
    await consuming;
    await publishAll(f, total);
    await waitFor(() => f.pulse.metrics.counts.handled >= total / 3, 'a third handled');
    const reconsuming = nextStatus(f.pulse, 'consuming');
    expect(await closeConnectionsNamed(f.connectionName)).toBeGreaterThan(0);
    await reconsuming;
    await waitFor(() => counts.every((c) => c > 0), 'every message handled', 120_000);
    await runner.close();
    expect(statuses).toContain('disconnected');
    expect(statuses).toContain('reconnecting');
    expect(f.pulse.metrics.counts.reconnects).toBeGreaterThanOrEqual(1);
    // Messages in flight when the connection died were redelivered: those are the only
    // duplicates, and there are at most prefetch of them.
    expect(duplicatesNotRedelivered).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(32);
    expect(await queueDepth(queue)).toBe(0);
  }, 180_000);

  it('recycles the connection mid-stream on a durable queue without losing or repeating a message', async () => {
    const f = await setUp({ gracePeriod: 10_000 });
    const name = unique('recycle');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const total = 3_000;
    const counts = new Uint16Array(total);
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 8, prefetch: 32 },
      async (message) => {
        counts[message.payload.n]! += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    );
    await consuming;
    await publishAll(f, total);
    await waitFor(() => f.pulse.metrics.counts.handled >= total / 3, 'a third handled');
    const recycling = nextStatus(f.pulse, 'recycling');
    await f.pulse.recycle();
    expect((await recycling).connection).toBe(1);
    await waitFor(() => counts.every((c) => c > 0), 'every message handled', 120_000);
    await runner.close();
    // The old connection let its in-flight messages finish and acked them there.
    expect(counts.every((c) => c === 1)).toBe(true);
    expect(f.pulse.metrics.counts.reconnects).toBe(0);
    expect(await queueDepth(queue)).toBe(0);
  }, 180_000);

  it('close() under load finishes running handlers and leaves unstarted messages for the next consumer', async () => {
    const f = await setUp();
    const name = unique('close');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const total = 500;
    const counts = new Uint16Array(total);
    let started = 0;
    let finished = 0;
    let startedAfterClose = 0;
    let closed = false;
    const consuming = nextStatus(f.pulse, 'consuming');
    const first = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 4, prefetch: 20 },
      async (message) => {
        if (closed) startedAfterClose++;
        started++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        counts[message.payload.n]! += 1;
        finished++;
      },
    );
    await consuming;
    await publishAll(f, total);
    await waitFor(() => finished >= 40, 'some handled');
    await first.close();
    closed = true;
    expect(started).toBe(finished);
    await first.close(); // idempotent
    // The broker requeues what the closed channel held; a quorum queue may take a moment.
    expect(total - finished).toBeGreaterThan(0);
    await waitFor(
      async () => (await queueDepth(queue)) === total - finished,
      'the unhandled messages back in the queue',
    );
    expect(startedAfterClose).toBe(0);

    const second = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 8 },
      async (message) => {
        counts[message.payload.n]! += 1;
      },
    );
    await waitFor(() => counts.every((c) => c > 0), 'the rest handled by the next consumer');
    await second.close();
    expect(counts.every((c) => c === 1)).toBe(true);
    expect(startedAfterClose).toBe(0);
  }, 120_000);
});

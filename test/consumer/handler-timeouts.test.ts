import { describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../src/consumer/context.js';
import { HandlerTimeoutError } from '../../src/consumer/errors.js';
import { queueDepth, unique, waitFor } from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

/** Resolves with the signal's reason once it aborts: a handler that hangs until then. */
function aborted(context: HandlerContext): Promise<unknown> {
  return new Promise((resolve) =>
    context.signal.addEventListener('abort', () => resolve(context.signal.reason)),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function durableQueue(f: Fixture, prefix: string): string {
  const name = unique(prefix);
  queues.push(`queue/${f.namespace}/${name}`);
  return name;
}

describe('handler timeouts (one deadline sweep per runner)', () => {
  it('a call that times out has its signal aborted and its message retried; a rejection with undefined fails too', async () => {
    const f = await setUp();
    const name = durableQueue(f, 'timeout-retry');
    const handlerTimeout = 300;
    const seen: { attempt: number; reason?: unknown; took?: number }[] = [];
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      {
        queueName: name,
        bindings: [f.taskBinding({})],
        handlerTimeout,
        maxAttempts: 3,
        retryDelay: 50,
      },
      async (message, context) => {
        const started = performance.now();
        if (message.attempt === 1) {
          const reason = await aborted(context);
          seen.push({ attempt: 1, reason, took: performance.now() - started });
          return;
        }
        seen.push({ attempt: message.attempt });
        // Not an error object, and still a failure: the message must not be acked for it.
        if (message.attempt === 2) throw undefined;
      },
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 't' } });
    await waitFor(() => f.pulse.metrics.counts.handled === 1, 'the third attempt handled');
    await runner.close();
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(seen[0]!.reason).toBeInstanceOf(HandlerTimeoutError);
    // Timers may fire a little early; the sweep never times a call out before its deadline.
    expect(seen[0]!.took).toBeGreaterThanOrEqual(handlerTimeout - 5);
    const counts = f.pulse.metrics.counts;
    expect(counts.failed).toBe(2);
    expect(counts.retried).toBe(2);
    // Each retry acks the delivery once its copy is in the retry queue; then the success.
    expect(counts.acked).toBe(3);
    expect(counts.inFlight).toBe(0);
    expect(await queueDepth(`queue/${f.namespace}/${name}`)).toBe(0);
  });

  it('calls started at different times each time out at their own deadline, in start order, across runners with different timeouts', async () => {
    const f = await setUp();
    const short = { name: durableQueue(f, 'short'), timeout: 400 };
    const long = { name: durableQueue(f, 'long'), timeout: 900 };
    type Record = {
      runner: string;
      n: number;
      start: number;
      abortedAt?: number;
      reason?: unknown;
    };
    const records: Record[] = [];
    const start = (runner: typeof short, taskId: string) => {
      const consuming = nextStatus(f.pulse, 'consuming');
      const handler = f.pulse.handle(
        {
          queueName: runner.name,
          bindings: [f.taskBinding({ taskId })],
          handlerTimeout: runner.timeout,
          maxAttempts: 1,
          concurrency: 8,
        },
        async (message, context) => {
          const record: Record = { runner: taskId, n: message.payload.n, start: performance.now() };
          records.push(record);
          // Odd messages finish at once: the sweep must not take their deadline for the others'.
          if (message.payload.n % 2 === 1) return;
          record.reason = await aborted(context);
          record.abortedAt = performance.now();
        },
      );
      return { handler, consuming };
    };
    const shortRunner = start(short, 'short');
    await shortRunner.consuming;
    const longRunner = start(long, 'long');
    await longRunner.consuming;
    const publisher = f.pulse.publisher();
    // Starts spread over about 600 ms, so that the deadlines differ by more than a timer's slack.
    for (let n = 0; n < 8; n++) {
      for (const taskId of ['short', 'long']) {
        await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId } });
      }
      await sleep(75);
    }
    const hanging = 8;
    await waitFor(
      () => records.filter((r) => r.abortedAt !== undefined).length === hanging,
      'every hanging call timed out',
      20_000,
    );
    await waitFor(() => f.pulse.metrics.counts.deadLettered === hanging, 'the dead letters');
    await Promise.all([shortRunner.handler.close(), longRunner.handler.close()]);

    expect(records).toHaveLength(16);
    for (const [taskId, timeout] of [
      ['short', short.timeout],
      ['long', long.timeout],
    ] as const) {
      const timedOut = records.filter((r) => r.runner === taskId && r.n % 2 === 0);
      expect(timedOut.map((r) => r.n)).toEqual([0, 2, 4, 6]);
      for (const record of timedOut) {
        expect(record.reason).toBeInstanceOf(HandlerTimeoutError);
        expect((record.reason as HandlerTimeoutError).message).toBe(
          new HandlerTimeoutError(timeout).message,
        );
        const took = record.abortedAt! - record.start;
        // Never before its own deadline (timers may fire a few ms early)...
        expect(took).toBeGreaterThanOrEqual(timeout - 5);
        // ...and not held back until some later call's deadline (starts are 75 ms apart).
        expect(took).toBeLessThan(timeout + 2_000);
      }
      // Deadlines come in start order.
      const abortOrder = [...timedOut].sort((a, b) => a.abortedAt! - b.abortedAt!);
      expect(abortOrder.map((r) => r.n)).toEqual([0, 2, 4, 6]);
    }
    const counts = f.pulse.metrics.counts;
    expect(counts.handled).toBe(8);
    expect(counts.failed).toBe(8);
    expect(counts.inFlight).toBe(0);
  }, 60_000);

  it('a message delivered while every slot is taken waits for one, in delivery order', async () => {
    const f = await setUp();
    const name = durableQueue(f, 'order');
    const order: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 1, prefetch: 50 },
      async (message) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        order.push(message.payload.n);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
      },
    );
    await consuming;
    const publisher = f.pulse.publisher();
    const total = 200;
    for (let n = 0; n < total; n++) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'o' } });
    }
    await waitFor(() => order.length === total, 'every message handled');
    await runner.close();
    expect(order).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(maxRunning).toBe(1);
  });
});

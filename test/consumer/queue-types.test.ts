/**
 * The queues of a durable consumer, as RabbitMQ holds them: work, `/dead`, `/retry` and
 * `/bindings` all of the consumer's queue type (quorum by default, so that each survives the
 * loss of a node of a cluster), the retry queue dead-lettering back at-least-once; and a
 * classic retry queue left by an earlier version kept, with what it holds, and reported.
 */

import { describe, expect, it } from 'vitest';
import type { PulseStatus } from '../../src/consumer/status.js';
import { rabbitmqctl, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

/** Each queue's type and arguments as `rabbitmqctl list_queues` shows them. */
async function declared(prefix: string): Promise<Map<string, { type: string; args: string }>> {
  const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'type', 'arguments');
  const found = new Map<string, { type: string; args: string }>();
  for (const line of out.split('\n')) {
    const [name, type, args] = line.split('\t');
    if (name?.startsWith(prefix)) found.set(name, { type: type!, args: args ?? '' });
  }
  return found;
}

describe('the queues of a durable consumer', () => {
  it.each([
    ['by default', undefined, 'quorum'],
    ['with queueType classic', 'classic' as const, 'classic'],
  ])('are all of one type %s', async (_, queueType, type) => {
    const f = await setUp();
    const runner = f.pulse.handle(
      {
        queueName: 'typed',
        bindings: [f.taskBinding({ taskId: 't' })],
        ...(queueType === undefined ? {} : { queueType }),
      },
      () => undefined,
    );
    await runner.ready;
    const work = `queue/${f.namespace}/typed`;
    queues.push(work);
    const found = await declared(work);
    expect([...found.keys()].sort()).toEqual(
      [work, `${work}/bindings`, `${work}/dead`, `${work}/retry`].sort(),
    );
    for (const [name, queue] of found) expect([name, queue.type]).toEqual([name, type]);
    const retry = found.get(`${work}/retry`)!.args;
    expect(retry).toContain(`{"x-dead-letter-routing-key","${work}"}`);
    if (type === 'quorum') {
      expect(retry).toContain('{"x-dead-letter-strategy","at-least-once"}');
      expect(retry).toContain('{"x-overflow","reject-publish"}');
    } else {
      expect(retry).not.toContain('x-dead-letter-strategy');
    }
    await runner.close();
  });

  it('retry through a quorum retry queue: a failed message comes back after its delay', async () => {
    const f = await setUp();
    const attempts: number[] = [];
    const runner = f.pulse.handle(
      { queueName: 'retried', bindings: [f.taskBinding({ taskId: 'r' })], retryDelay: 200 },
      (message) => {
        attempts.push(message.attempt);
        if (message.attempt === 1) throw new Error('first attempt fails');
      },
    );
    queues.push(`queue/${f.namespace}/retried`);
    await runner.ready;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'r' } });
    await waitFor(() => attempts.length === 2, 'the second attempt');
    expect(attempts).toEqual([1, 2]);
    await runner.close();
  });

  it('keep a classic retry queue an earlier version made, with its messages, and say so', async () => {
    const f = await setUp();
    const work = `queue/${f.namespace}/upgraded`;
    queues.push(work);
    // As an earlier version declared it: classic, dead-lettering back to the work queue.
    await withRawChannel(async (channel) => {
      await channel.assertQueue(`${work}/retry`, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': work,
        },
      });
    });
    const kept = nextStatus(f.pulse, 'queue-kept');
    const handled: number[] = [];
    const runner = f.pulse.handle(
      { queueName: 'upgraded', bindings: [f.taskBinding({ taskId: 'u' })], retryDelay: 200 },
      (message) => {
        handled.push(message.attempt);
        if (message.attempt === 1) throw new Error('first attempt fails');
      },
    );
    await runner.ready;
    // RabbitMQ names the first argument that differs.
    expect(await kept).toEqual<PulseStatus>({
      type: 'queue-kept',
      queue: `${work}/retry`,
      argument: expect.stringMatching(/^x-(queue-type|overflow|dead-letter-strategy)$/),
    });
    expect(runner.healthy).toBe(true);
    // Retries still go through the kept queue.
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 2 }, routing: { taskId: 'u' } });
    await waitFor(() => handled.length === 2, 'the retried attempt');
    expect((await declared(`${work}/retry`)).get(`${work}/retry`)?.type).toBe('classic');
    await runner.close();
  });
});

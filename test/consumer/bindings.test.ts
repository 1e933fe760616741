import { filter, firstValueFrom, take, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MissingExchangeError, QueueArgumentsMismatchError } from '../../src/consumer/errors.js';
import { queueNames } from '../../src/consumer/names.js';
import { workQueueArguments } from '../../src/consumer/queues.js';
import { queueDepth, unique, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

async function publishTask(f: Fixture, taskId: string, n: number): Promise<void> {
  await f.pulse.publisher().publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId } });
}

describe('bindings', () => {
  it('unbinds a binding removed from the configuration, also after a restart', async () => {
    const f = await setUp();
    const name = unique('reconcile');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);

    // First configuration: a and b.
    let consuming = nextStatus(f.pulse, 'consuming');
    const firstRun = f.pulse
      .consume({
        queueName: name,
        bindings: [f.taskBinding({ taskId: 'a' }), f.taskBinding({ taskId: 'b' })],
      })
      .pipe(
        tap((m) => m.ack()),
        take(2),
        toArray(),
      );
    const firstMessages = firstValueFrom(firstRun);
    await consuming;
    await publishTask(f, 'a', 1);
    await publishTask(f, 'b', 2);
    expect((await firstMessages).map((m) => m.routing.taskId).sort()).toEqual(['a', 'b']);

    // Second configuration: only b and c. With nobody consuming, messages for a must not
    // reach the queue any more.
    consuming = nextStatus(f.pulse, 'consuming');
    const second = f.pulse.consume({
      queueName: name,
      bindings: [f.taskBinding({ taskId: 'b' }), f.taskBinding({ taskId: 'c' })],
    });
    const secondMessages = firstValueFrom(
      second.pipe(
        tap((m) => m.ack()),
        take(2),
        toArray(),
      ),
    );
    await consuming;
    await publishTask(f, 'a', 3);
    await publishTask(f, 'b', 4);
    await publishTask(f, 'c', 5);
    expect((await secondMessages).map((m) => m.payload.n).sort()).toEqual([4, 5]);

    // The same configuration again changes nothing (the manifest remembers it).
    consuming = nextStatus(f.pulse, 'consuming');
    const third = firstValueFrom(
      f.pulse.consume({ queueName: name, bindings: [f.taskBinding({ taskId: 'c' })] }).pipe(
        tap((m) => m.ack()),
        take(1),
      ),
    );
    await consuming;
    await publishTask(f, 'b', 6);
    await publishTask(f, 'c', 7);
    expect((await third).payload.n).toBe(7);
    await waitFor(async () => (await queueDepth(queue)) === 0, 'an empty queue');
  });

  it('reports a binding to a missing exchange while the other bindings keep working', async () => {
    const f = await setUp();
    const name = unique('missing');
    queues.push(`queue/${f.namespace}/${name}`);
    const missing = `exchange/${f.namespace}/does-not-exist`;
    const failed = firstValueFrom(f.pulse.status$.pipe(filter((s) => s.type === 'binding-failed')));
    const consuming = nextStatus(f.pulse, 'consuming');
    const received = firstValueFrom(
      f.pulse
        .consume({
          queueName: name,
          bindings: [
            f.taskBinding({ taskId: 'x' }),
            { exchange: missing, routingKeyPattern: '#' },
            f.otherBinding({ taskId: 'y' }),
          ],
        })
        .pipe(
          tap((m) => m.ack()),
          take(2),
          toArray(),
        ),
    );
    const failure = await failed;
    expect(failure.type === 'binding-failed' && failure.exchange).toBe(missing);
    expect(failure.type === 'binding-failed' && failure.error).toBeInstanceOf(MissingExchangeError);
    await consuming;
    await publishTask(f, 'x', 1);
    await f.pulse
      .publisher()
      .publish(f.others, { payload: { kind: 'other', label: 'y' }, routing: { taskId: 'y' } });
    const messages = await received;
    expect(messages.map((m) => m.routing.taskId).sort()).toEqual(['x', 'y']);
    expect(f.pulse.healthy).toBe(true);
  });

  it('fails with a typed error naming the queue and argument when it exists with other arguments', async () => {
    const f = await setUp();
    const name = unique('mismatch');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    // The queue exists as the classic queue a `queueType: 'classic'` consumer declares.
    const classic = workQueueArguments(queueNames(f.namespace, name), { queueType: 'classic' });
    await withRawChannel(async (channel) => {
      await channel.assertQueue(queue, { durable: true, arguments: classic });
    });
    const error = await firstValueFrom(
      f.pulse.consume({ queueName: name, bindings: [f.taskBinding({})] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueArgumentsMismatchError);
    expect((error as QueueArgumentsMismatchError).queue).toBe(queue);
    expect((error as QueueArgumentsMismatchError).argument).toBe('x-queue-type');
    expect((error as Error).message).toContain(queue);

    // A handler runner on it stops, says why, and counts as unhealthy until closed.
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})] },
      async () => undefined,
    );
    await expect(runner.failed).rejects.toBeInstanceOf(QueueArgumentsMismatchError);
    await expect(runner.ready).rejects.toBeInstanceOf(QueueArgumentsMismatchError);
    expect(runner.healthy).toBe(false);
    expect(f.pulse.healthy).toBe(false);
    await runner.close();
    expect(f.pulse.healthy).toBe(true);

    // Asking for what it is works.
    const consuming = nextStatus(f.pulse, 'consuming');
    const subscription = f.pulse
      .consume({ queueName: name, queueType: 'classic', bindings: [f.taskBinding({})] })
      .subscribe();
    expect((await consuming).queue).toBe(queue);
    subscription.unsubscribe();
  });

  it('passes queue options through; what maxLength pushes out lands in the dead-letter queue', async () => {
    const f = await setUp();
    const name = unique('options');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const consuming = nextStatus(f.pulse, 'consuming');
    // Set the queue up, then stop consuming so that messages pile up.
    const subscription = f.pulse
      .consume({ queueName: name, bindings: [f.taskBinding({})], maxLength: 3, expires: 600_000 })
      .subscribe();
    await consuming;
    subscription.unsubscribe();
    const publisher = f.pulse.publisher();
    for (let n = 0; n < 5; n++) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'o' } });
    }
    await waitFor(async () => (await queueDepth(`${queue}/dead`)) === 2, 'two dead-lettered');
    expect(await queueDepth(queue)).toBe(3);
    // The arguments are the queue's: asking for another maxLength is a typed error.
    const error = await firstValueFrom(
      f.pulse.consume({
        queueName: name,
        bindings: [f.taskBinding({})],
        maxLength: 4,
        expires: 600_000,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueArgumentsMismatchError);
    expect((error as QueueArgumentsMismatchError).argument).toBe('x-max-length');
  });
});

import { describe, expect, it } from 'vitest';
import { QueueInUseError, QueueNotFoundError } from '../../src/consumer/errors.js';
import { unique, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { fixturePerTest } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

describe('durable queues', () => {
  it('reports ready messages, consumers, retries, dead letters and the manifest bindings', async () => {
    const f = await setUp();
    const name = unique('report');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const bindings = [f.taskBinding({ taskId: 'a' }), f.otherBinding({})];
    const runner = f.pulse.handle(
      { queueName: name, bindings, maxAttempts: 2, retryDelay: 600_000 },
      () => {
        throw new Error('fails');
      },
    );
    await runner.ready;
    const publisher = f.pulse.publisher();
    await publisher.publish(f.tasks, { payload: { kind: 'task', n: 0 }, routing: { taskId: 'a' } });
    await waitFor(() => f.pulse.metrics.counts.retried === 1, 'the retry waiting');
    const durable = f.pulse.durableQueue(queue);
    expect(await durable.inspect()).toEqual({
      queue,
      ready: 0,
      consumers: 1,
      retry: 1,
      dead: 0,
      bindings: bindings.map(({ exchange, routingKeyPattern }) => ({
        exchange,
        routingKeyPattern,
      })),
    });
    await expect(durable.delete()).rejects.toBeInstanceOf(QueueInUseError);
    await runner.close();
    expect(await durable.delete()).toEqual({
      queue,
      messages: {
        [queue]: 0,
        [`${queue}/retry`]: 1,
        [`${queue}/dead`]: 0,
        // The manifest written before binding, and the one that says they were made.
        [`${queue}/bindings`]: 2,
      },
    });
    await expect(durable.inspect()).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  it('reports companions that do not exist as undefined, and deletes only what there is', async () => {
    const f = await setUp();
    const name = unique('bare');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    // A queue made by someone else: no companions, no manifest.
    await withRawChannel((channel) => channel.assertQueue(queue, { durable: true }));
    const durable = f.pulse.durableQueue(name);
    expect(await durable.inspect()).toEqual({
      queue,
      ready: 0,
      consumers: 0,
      retry: undefined,
      dead: undefined,
      bindings: undefined,
    });
    expect((await durable.delete()).messages).toEqual({ [queue]: 0 });
  });
});

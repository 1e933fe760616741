import { afterEach, describe, expect, it } from 'vitest';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import type { Message } from '../../src/index.js';
import { BROKER_URL, queueDepth, unique, waitFor } from '../support/rabbitmq.js';
import { fixturePerTest, nextStatus, type TaskPayload, type TaskRouting } from './fixtures.js';

const { setUp, queues } = fixturePerTest();
const others: PulseClient[] = [];
afterEach(async () => {
  await Promise.all(others.splice(0).map((client) => client.close()));
});

describe('coalesced acks', () => {
  it('ack every settled message and none that is still held, whatever the order', async () => {
    const f = await setUp();
    const name = unique('coalesce');
    queues.push(`queue/${f.namespace}/${name}`);
    const count = 300;
    const isHeld = (n: number) => n % 10 === 3;
    const held: Array<Message<TaskPayload, TaskRouting>> = [];
    const seen = new Set<number>();
    let acked = 0;
    const ack = (message: Message<TaskPayload, TaskRouting>) => {
      if (message.ack()) acked++;
    };
    const bindings = [f.taskBinding({})];
    // A prefetch below the number of messages: the run only completes if the acks of the
    // settled messages reach the broker while older deliveries are still held.
    const consuming = nextStatus(f.pulse, 'consuming');
    const subscription = f.pulse.consume({ queueName: name, bindings, prefetch: 50 }).subscribe({
      next: (message) => {
        seen.add(message.payload.n);
        if (isHeld(message.payload.n)) held.push(message);
        // Every fourth message is acked a little later, out of delivery order.
        else if (message.payload.n % 4 === 0) setTimeout(() => ack(message), 5);
        else ack(message);
      },
    });
    await consuming;
    const publisher = f.pulse.publisher();
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: `t${n}` } }),
      ),
    );
    await waitFor(() => seen.size === count, 'every message delivered once');
    await waitFor(() => acked === count - held.length, 'every message not held acked');
    // Close without settling the held ones: the broker requeues exactly those.
    subscription.unsubscribe();
    await f.pulse.close();
    expect(await queueDepth(`queue/${f.namespace}/${name}`)).toBe(held.length);

    const again = connect({ broker: BROKER_URL, namespace: f.namespace });
    others.push(again);
    const redelivered: number[] = [];
    const second = again.consume({ queueName: name, bindings }).subscribe({
      next: (message) => {
        redelivered.push(message.payload.n);
        message.ack();
      },
    });
    await waitFor(() => redelivered.length === held.length, 'the held messages redelivered');
    second.unsubscribe();
    await again.close();
    expect(redelivered.sort((a, b) => a - b)).toEqual(
      Array.from({ length: count }, (_, n) => n).filter(isHeld),
    );
    expect(await queueDepth(`queue/${f.namespace}/${name}`)).toBe(0);
  });
});

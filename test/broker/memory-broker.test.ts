import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import { defineExchange } from '../../src/consumer/publisher.js';
import { connect } from '../../src/consumer/pulse.js';
import { buildRoutingKeyPattern } from '../../src/exchanges/routing-key.js';
import {
  nextStatus,
  TASK_FIELDS,
  type TaskPayload,
  type TaskRouting,
} from '../consumer/fixtures.js';
import { waitFor } from '../support/rabbitmq.js';

describe('the consumer on the in-memory broker', () => {
  it('handles, retries and dead-letters through the same Transport contract', async () => {
    const broker = createMemoryBroker();
    const pulse = connect({ broker: broker.transport(), namespace: 'me' });
    const tasks = defineExchange('me', 'v1/tasks', TASK_FIELDS);
    const publisher = pulse.publisher();
    await pulse.connected();
    await publisher.declareExchange(tasks);
    const handled: number[] = [];
    const consuming = nextStatus(pulse, 'consuming');
    const runner = pulse.handle(
      {
        queueName: 'bot',
        bindings: [
          {
            exchange: tasks.exchange,
            routingKeyPattern: buildRoutingKeyPattern(TASK_FIELDS, {}),
            routingKeyReference: TASK_FIELDS,
          } as import('../../src/exchanges/types.js').Binding<TaskPayload, TaskRouting>,
        ],
        maxAttempts: 2,
        retryDelay: 50,
      },
      async (message) => {
        if (message.payload.n === 3) throw new Error('three');
        if (message.payload.n === 2 && message.attempt === 1) throw new Error('two once');
        handled.push(message.payload.n);
      },
    );
    await consuming;
    for (let n = 0; n < 5; n++) {
      await publisher.publish(tasks, {
        payload: { kind: 'task', n },
        routing: { taskId: `t${n}` },
      });
    }
    await waitFor(
      () => handled.length === 4 && pulse.metrics.counts.deadLettered === 1,
      'handled and dead-lettered',
    );
    await runner.close();
    await pulse.close();
    expect(handled.sort()).toEqual([0, 1, 2, 4]);
    expect(pulse.metrics.counts.retried).toBe(2);
  });

  it('holds publishes while the broker is blocked and reports blocked and unblocked', async () => {
    const broker = createMemoryBroker();
    const pulse = connect({ broker: broker.transport(), namespace: 'me' });
    const statuses: string[] = [];
    pulse.status$.subscribe((s) => statuses.push(s.type));
    const tasks = defineExchange('me', 'v1/tasks', TASK_FIELDS);
    const publisher = pulse.publisher();
    await pulse.connected();
    await publisher.declareExchange(tasks);
    broker.block('low on memory');
    await waitFor(() => publisher.blocked, 'the blocked signal');
    let confirmed = false;
    const publishing = publisher
      .publish(tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'a' } })
      .then(() => {
        confirmed = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(confirmed).toBe(false);
    broker.unblock();
    await publishing;
    expect(confirmed).toBe(true);
    expect(publisher.blocked).toBe(false);
    expect(statuses).toEqual(expect.arrayContaining(['blocked', 'unblocked']));
    await pulse.close();
  });

  it('recycles the connection on its interval; an exclusive queue misses nothing meanwhile', async () => {
    const broker = createMemoryBroker();
    const pulse = connect({ broker: broker.transport(), namespace: 'me', recycleInterval: 150 });
    const recycled: number[] = [];
    const statuses: string[] = [];
    pulse.status$.subscribe((s) => {
      statuses.push(s.type);
      if (s.type === 'recycling') recycled.push(s.connection);
    });
    const tasks = defineExchange('me', 'v1/tasks', TASK_FIELDS);
    await pulse.connected();
    await pulse.publisher().declareExchange(tasks);
    const subscription = pulse
      .consume({ bindings: [{ exchange: tasks.exchange, routingKeyPattern: '#' }] })
      .subscribe();
    await waitFor(
      () => recycled.length >= 2 && statuses.filter((type) => type === 'consuming').length >= 3,
      'consuming on the third connection',
    );
    subscription.unsubscribe();
    await pulse.close();
    expect(recycled.slice(0, 2)).toEqual([1, 2]);
    expect(statuses).not.toContain('messages-may-be-missed');
    expect(broker.connectionCount).toBe(0);
  });
});

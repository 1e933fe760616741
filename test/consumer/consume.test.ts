import { firstValueFrom, take, tap, toArray } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Message } from '../../src/consumer/message.js';
import { taskRouteBinding } from '../../src/exchanges/routing-key.js';
import { queueDepth, unique, waitFor } from '../support/rabbitmq.js';
import {
  fixturePerTest,
  nextStatus,
  type OtherPayload,
  type TaskPayload,
  type TaskRouting,
} from './fixtures.js';

const { setUp, queues } = fixturePerTest();

describe('consume', () => {
  it('delivers exactly the messages the bindings match, with routing fields, routes and payloads', async () => {
    const f = await setUp();
    const name = unique('filters');
    queues.push(`queue/${f.namespace}/${name}`);
    const stream = f.pulse.consume({
      queueName: name,
      bindings: [
        f.taskBinding({ taskId: 'wanted' }),
        taskRouteBinding(f.taskBinding({}), 'index.project.#'),
        f.otherBinding({ workerType: 'builder' }),
      ],
    });
    expectTypeOf(stream).toEqualTypeOf<
      import('rxjs').Observable<
        Message<TaskPayload, TaskRouting> | Message<OtherPayload, TaskRouting>
      >
    >();

    // Every combination of task id, worker type, routes and exchange; the expected set is
    // computed from the rules the bindings state.
    const cases: Array<{
      exchange: 'tasks' | 'others';
      taskId: string;
      workerType?: string;
      routes: string[];
    }> = [];
    for (const exchange of ['tasks', 'others'] as const) {
      for (const taskId of ['wanted', 'other']) {
        for (const workerType of ['builder', 'tester', undefined]) {
          for (const routes of [
            [],
            ['index.project.a'],
            ['index.other.b', 'index.project.x.y'],
            ['notify.x'],
          ]) {
            cases.push(
              workerType === undefined
                ? { exchange, taskId, routes }
                : { exchange, taskId, workerType, routes },
            );
          }
        }
      }
    }
    const matches = (c: (typeof cases)[number]) =>
      c.exchange === 'tasks'
        ? c.taskId === 'wanted' || c.routes.some((r) => r.startsWith('index.project.'))
        : c.workerType === 'builder';
    const expected = cases.map((c, n) => ({ ...c, n })).filter(matches);

    const consuming = nextStatus(f.pulse, 'consuming');
    const received = firstValueFrom(
      stream.pipe(
        tap((m) => m.ack()),
        take(expected.length),
        toArray(),
      ),
    );
    await consuming;
    const publisher = f.pulse.publisher();
    await Promise.all(
      cases.map((c, n) =>
        publisher.publish(c.exchange === 'tasks' ? f.tasks : f.others, {
          payload:
            c.exchange === 'tasks' ? { kind: 'task', n } : { kind: 'other', label: String(n) },
          routing: { taskId: c.taskId, workerType: c.workerType },
          routes: c.routes,
        }),
      ),
    );
    const messages = await received;

    const summary = messages
      .map((m) => {
        const n = m.payload.kind === 'task' ? m.payload.n : Number(m.payload.label);
        return {
          n,
          exchange: m.exchange.endsWith('tasks') ? 'tasks' : 'others',
          taskId: m.routing.taskId,
          workerType: m.routing.workerType,
          routes: [...m.routes],
          kind: m.routing.routingKeyKind,
          reserved: m.routing.reserved,
        };
      })
      .sort((a, b) => a.n - b.n);
    expect(summary).toEqual(
      expected.map((c) => ({
        n: c.n,
        exchange: c.exchange,
        taskId: c.taskId,
        workerType: c.workerType,
        routes: c.routes,
        kind: 'primary',
        reserved: undefined,
      })),
    );
    // Nothing else arrives: the queue is empty once these are acked.
    await waitFor(
      async () => (await queueDepth(`queue/${f.namespace}/${name}`)) === 0,
      'an empty queue',
    );
    expect(messages.every((m) => m.redelivered === false && m.deliveryCount === 1)).toBe(true);
    expect(messages.every((m) => m.attempt === 1)).toBe(true);
  });

  it('nack with requeue redelivers the message, marked as redelivered', async () => {
    const f = await setUp();
    const name = unique('nack');
    queues.push(`queue/${f.namespace}/${name}`);
    const stream = f.pulse.consume({ queueName: name, bindings: [f.taskBinding({})] });
    const consuming = nextStatus(f.pulse, 'consuming');
    const two = firstValueFrom(
      stream.pipe(
        tap((m) => (m.redelivered ? m.ack() : m.nack())),
        take(2),
        toArray(),
      ),
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'a' } });
    const [first, second] = await two;
    expect([first?.redelivered, second?.redelivered]).toEqual([false, true]);
    expect(second?.deliveryCount).toBe(2);
    expect(second?.attempt).toBe(1);
    expect(second?.payload).toEqual({ kind: 'task', n: 1 });
  });

  it('nack without requeue sends the message to the dead-letter queue, not into the void', async () => {
    const f = await setUp();
    const name = unique('reject');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const consuming = nextStatus(f.pulse, 'consuming');
    const rejected = firstValueFrom(
      f.pulse.consume({ queueName: name, bindings: [f.taskBinding({})] }).pipe(
        tap((m) => m.nack(false)),
        take(1),
      ),
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 5 }, routing: { taskId: 'r' } });
    await rejected;
    await waitFor(async () => (await queueDepth(`${queue}/dead`)) === 1, 'the dead letter');
  });
});

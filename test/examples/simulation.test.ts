/**
 * The simulation the demo and the examples run on: plans are checked before anything plays, and
 * every message the simulated queue produces reaches the broker as it was built (exchange,
 * routing key, CC routes, payload), in order, on the in-memory broker and on RabbitMQ. A
 * message that cannot be published is reported, never dropped.
 */

import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/consumer/message.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import { InputError } from '../../src/errors.js';
import { ROUTE_PREFIX } from '../../src/exchanges/routing-key.js';
import { Auth } from '../../src/index.js';
import {
  checkPlan,
  DEMO_TASK_GROUP,
  forwardQueueMessages,
  QUEUE_EXCHANGE_PREFIX,
  type Simulation,
  startSimulation,
  type TaskGroupPlan,
} from '../../src/testing/index.js';
import { BROKER_URL, deleteExchanges, unique, waitFor } from '../support/rabbitmq.js';

const done = { type: 'completed' } as const;

describe('checkPlan', () => {
  it.each<[string, TaskGroupPlan, RegExp]>([
    ['no tasks', { name: 'p', tasks: [] }, /has no tasks/],
    ['a nameless task', { name: 'p', tasks: [{ name: '', outcome: done }] }, /needs a name/],
    [
      'a task listed twice',
      {
        name: 'p',
        tasks: [
          { name: 'a', outcome: done },
          { name: 'a', outcome: done },
        ],
      },
      /"a" is listed twice/,
    ],
    [
      'a dependency on a later task',
      {
        name: 'p',
        tasks: [
          { name: 'a', dependsOn: ['b'], outcome: done },
          { name: 'b', outcome: done },
        ],
      },
      /depends on "b", which is not an earlier task/,
    ],
    [
      'a dependency on a failing task',
      {
        name: 'p',
        tasks: [
          { name: 'a', outcome: { type: 'failed' } },
          { name: 'b', dependsOn: ['a'], outcome: done },
        ],
      },
      /which does not complete, so it would never be scheduled/,
    ],
  ])('refuses %s', (_, plan, message) => {
    expect(() => checkPlan(plan)).toThrow(InputError);
    expect(() => checkPlan(plan)).toThrow(message);
  });

  it('accepts the demo plan', () => {
    expect(() => checkPlan(DEMO_TASK_GROUP)).not.toThrow();
  });
});

/** Resolves when `pulse` next reports a consumer consuming. */
function consuming(pulse: PulseClient): Promise<unknown> {
  return firstValueFrom(pulse.status$.pipe(filter((s) => s.type === 'consuming')));
}

describe('playTaskGroup', () => {
  it('plays the runs the queue retries after a worker shutdown, then resolves the group', async () => {
    const simulation = await startSimulation();
    try {
      const plan: TaskGroupPlan = {
        name: 'retries',
        tasks: [{ name: 'flaky', outcome: { type: 'exception', reason: 'worker-shutdown' } }],
      };
      const group = await simulation.play(plan, { stepDelay: 0 });
      const status = simulation.server.queue.status(group.taskIds.get('flaky')!);
      // Five retries, then the last run's exception stands.
      expect(status.runs.map((run) => run.reasonResolved)).toEqual(
        Array(6).fill('worker-shutdown'),
      );
      expect(status.state).toBe('exception');
      expect(simulation.server.queue.messages.at(-1)).toMatchObject({ type: 'taskGroupResolved' });
    } finally {
      await simulation.close();
    }
  });
});

describe.each([
  ['the in-memory broker', undefined],
  ['RabbitMQ', BROKER_URL],
])('the simulation on %s', (_, broker) => {
  const exchangePrefix = `exchange/${unique('sim')}/queue/v1/`;
  let simulation: Simulation;

  beforeAll(async () => {
    simulation = await startSimulation(broker === undefined ? {} : { broker, exchangePrefix });
  });
  afterAll(async () => {
    await simulation?.close();
    if (broker !== undefined && simulation !== undefined) {
      const entries = simulation.forwarder.events.table.entries;
      await deleteExchanges(...entries.map((entry) => exchangePrefix + entry.exchange));
    }
  });

  it('publishes every queue message as built, in order', async () => {
    const consumer = connect({ broker: simulation.broker, namespace: 'sim-test' });
    try {
      const events = simulation.forwarder.events;
      const received: Message<unknown, unknown>[] = [];
      const bindings = events.table.entries.map((entry) => ({
        exchange: events.exchangePrefix + entry.exchange,
        routingKeyPattern: '#',
      }));
      const ready = consuming(consumer);
      const subscription = consumer.consume({ bindings }).subscribe((message) => {
        received.push(message);
        message.ack();
      });
      await ready;
      const group = await simulation.play(DEMO_TASK_GROUP, { stepDelay: 0 });
      const sent = simulation.server.queue.messages;
      await waitFor(() => received.length === sent.length, `${sent.length} messages`);
      subscription.unsubscribe();
      expect(simulation.forwarder.published).toBe(sent.length);
      expect(received.map((m) => [m.exchange, m.routingKey, m.routes, m.payload])).toEqual(
        sent.map((m) => [
          m.exchange.replace(QUEUE_EXCHANGE_PREFIX, events.exchangePrefix),
          m.routingKey,
          m.cc.map((cc) => cc.slice(ROUTE_PREFIX.length)),
          m.payload,
        ]),
      );
      expect(sent.at(-1)).toMatchObject({ type: 'taskGroupResolved' });
      expect(sent.at(-1)!.routingKey).toContain(group.taskGroupId);
    } finally {
      await consumer.close();
    }
  });

  it('reports a message it could not publish', async () => {
    const pulse = connect({ broker: simulation.broker, namespace: 'sim-test' });
    try {
      // Exchanges nobody declared: the broker refuses every message.
      const forwarder = forwardQueueMessages(simulation.server.queue, pulse.publisher(), {
        exchangePrefix: `exchange/${unique('missing')}/`,
      });
      simulation.server.queue.defineTask();
      forwarder.stop();
      await expect(forwarder.flush()).rejects.toThrow(/2 queue message\(s\) not published/);
      expect(forwarder.published).toBe(0);
    } finally {
      await pulse.close();
    }
  });
});

describe('startSimulation options', () => {
  it('gives the bots’ client the scopes asked for, expanded through the roles given', async () => {
    const simulation = await startSimulation({
      clientScopes: ['auth:current-scopes', 'assume:project:bot'],
      roles: { 'project:bot': ['secrets:get:project/bot/*'] },
    });
    try {
      const auth = new Auth(simulation.taskcluster);
      expect((await auth.currentScopes()).scopes).toEqual([
        'auth:current-scopes',
        'assume:project:bot',
        'secrets:get:project/bot/*',
      ]);
    } finally {
      await simulation.close();
    }
  });
});

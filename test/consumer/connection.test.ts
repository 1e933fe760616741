import { filter, firstValueFrom, take, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/consumer/errors.js';
import { connect } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import {
  BROKER_URL,
  closeConnectionsNamed,
  deleteQueues,
  heartbeatsOf,
  unique,
  waitFor,
} from '../support/rabbitmq.js';
import { statusText } from '../support/statuses.js';
import { fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

describe('connection', () => {
  it('calls the credentials function on every connect', async () => {
    const connectionName = unique('creds');
    const url = new URL(BROKER_URL);
    let calls = 0;
    const pulse = connect({
      broker: { protocol: 'amqp', hostname: url.hostname, port: Number(url.port || 5672) },
      credentials: async () => {
        calls++;
        return {
          username: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
        };
      },
      namespace: unique('ns'),
      connectionName,
      reconnect: { baseDelay: 50, maxDelay: 200 },
    });
    try {
      await pulse.connected();
      expect(calls).toBe(1);
      const reconnected = firstValueFrom(
        pulse.status$.pipe(
          filter((s) => s.type === 'connected'),
          take(1),
        ),
      );
      await closeConnectionsNamed(connectionName);
      await reconnected;
      expect(calls).toBe(2);
    } finally {
      await pulse.close();
    }
  });

  it('sets the heartbeat, from the options or the URL query', async () => {
    for (const [broker, heartbeat, expected] of [
      [BROKER_URL, 7, 7],
      [`${BROKER_URL}?heartbeat=9`, undefined, 9],
    ] as const) {
      const connectionName = unique('heartbeat');
      const pulse = connect({
        broker,
        namespace: unique('ns'),
        connectionName,
        ...(heartbeat === undefined ? {} : { heartbeat }),
      });
      try {
        await pulse.connected();
        expect(await heartbeatsOf(connectionName)).toEqual([expected]);
      } finally {
        await pulse.close();
      }
    }
  });

  it('keeps retrying a refused login and never shows the password', async () => {
    const url = new URL(BROKER_URL);
    const secret = `wrong-${unique('pw')}`;
    const statuses: PulseStatus[] = [];
    const pulse = connect({
      broker: `amqp://${url.username}:${secret}@${url.host}/`,
      namespace: unique('ns'),
      reconnect: { baseDelay: 50, maxDelay: 100, minDelay: 10 },
    });
    pulse.status$.subscribe((s) => statuses.push(s));
    await waitFor(
      () => statuses.filter((s) => s.type === 'reconnecting').length >= 3,
      'three reconnect attempts',
    );
    await pulse.close();
    const reconnecting = statuses.filter((s) => s.type === 'reconnecting');
    expect(reconnecting[0]).toMatchObject({ attempt: 2 });
    expect(statusText(statuses)).toMatch(/ACCESS.REFUSED|403/);
    expect(statusText(statuses)).not.toContain(secret);
    expect(pulse.broker).not.toContain(secret);
    expect(statuses.at(-1)).toEqual({ type: 'closed' });
  });

  it('sets the consumer up again when its queue is deleted from outside', async () => {
    const f = await setUp();
    const name = unique('deleted');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    let consuming = nextStatus(f.pulse, 'consuming');
    const cancelled = nextStatus(f.pulse, 'consumer-cancelled');
    const received = firstValueFrom(
      f.pulse.consume({ queueName: name, bindings: [f.taskBinding({})] }).pipe(
        tap((m) => m.ack()),
        take(2),
        toArray(),
      ),
    );
    await consuming;
    const publisher = f.pulse.publisher();
    await publisher.publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'a' } });
    consuming = nextStatus(f.pulse, 'consuming');
    const health: boolean[] = [];
    const watching = f.pulse.health$.subscribe((healthy) => health.push(healthy));
    await deleteQueues(queue);
    expect((await cancelled).queue).toBe(queue);
    expect(f.pulse.healthy).toBe(false);
    await consuming;
    expect(f.pulse.healthy).toBe(true);
    watching.unsubscribe();
    expect(health).toEqual([true, false, true]);
    await publisher.publish(f.tasks, { payload: { kind: 'task', n: 2 }, routing: { taskId: 'b' } });
    expect((await received).map((m) => m.payload.n)).toEqual([1, 2]);
  });

  it('gives an exclusive queue a new name after a reconnect and signals that messages may be missed', async () => {
    const f = await setUp();
    const consumingNames: string[] = [];
    f.pulse.status$.subscribe((s) => {
      if (s.type === 'consuming') consumingNames.push(s.queue);
    });
    const missed = nextStatus(f.pulse, 'messages-may-be-missed');
    const first = nextStatus(f.pulse, 'consuming');
    const received = firstValueFrom(
      f.pulse.consume({ bindings: [f.taskBinding({})] }).pipe(
        tap((m) => m.ack()),
        take(1),
      ),
    );
    await first;
    const second = firstValueFrom(
      f.pulse.status$.pipe(
        filter((s) => s.type === 'consuming'),
        take(1),
      ),
    );
    await closeConnectionsNamed(f.connectionName);
    await second;
    expect((await missed).queue).toBe(consumingNames[1]);
    expect(consumingNames[0]).toMatch(new RegExp(`^queue/${f.namespace}/exclusive/`));
    expect(consumingNames[1]).not.toBe(consumingNames[0]);
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 9 }, routing: { taskId: 'z' } });
    expect((await received).payload.n).toBe(9);
  });

  it('gives publishers a connection of their own on request', async () => {
    const f = await setUp();
    const connected: number[] = [];
    f.pulse.status$.subscribe((s) => {
      if (s.type === 'connected') connected.push(s.connection);
    });
    const publisher = f.pulse.publisher({ ownConnection: true });
    await publisher.publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'p' } });
    // The consumers' connection is 1, the publishers' 2: closing one leaves the other.
    expect(connected).toEqual([2]);
    expect(await closeConnectionsNamed(`${f.connectionName}/publish`)).toBe(1);
    await waitFor(() => connected.length === 2, 'the publishers reconnected');
    expect(connected).toEqual([2, 3]);
    expect(f.pulse.healthy).toBe(true);
    await publisher.publish(f.tasks, { payload: { kind: 'task', n: 2 }, routing: { taskId: 'p' } });
    expect(f.pulse.metrics.counts.published).toBe(2);
  });

  it('closes once; afterwards consumers, handlers and publishers are refused', async () => {
    const pulse = connect({ broker: BROKER_URL, namespace: unique('ns') });
    await pulse.connected();
    const statuses: string[] = [];
    pulse.status$.subscribe((s) => statuses.push(s.type));
    await Promise.all([pulse.close(), pulse.close()]);
    await pulse.close();
    expect(statuses).toEqual(['closed']);
    const binding = { exchange: 'exchange/x/y', routingKeyPattern: '#' };
    await expect(firstValueFrom(pulse.consume({ bindings: [binding] }))).rejects.toBeInstanceOf(
      ClosedError,
    );
    await expect(
      pulse.handle({ bindings: [binding] }, () => undefined).failed,
    ).rejects.toBeInstanceOf(ClosedError);
    await expect(
      pulse.publisher().publish({ exchange: 'exchange/x/y', routingKey: [] }, { payload: {} }),
    ).rejects.toBeInstanceOf(ClosedError);
  });
});

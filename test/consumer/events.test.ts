import { firstValueFrom, take, tap } from 'rxjs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { QueueEvents } from '../../src/exchanges/generated/queue-events.js';
import { declareExchanges, deleteExchanges, unique } from '../support/rabbitmq.js';
import { type Fixture, fixture, nextStatus } from './fixtures.js';

let current: Fixture | undefined;
let queues: string[] = [];
let exchanges: string[] = [];
afterEach(async () => {
  await current?.cleanup(...queues);
  await deleteExchanges(...exchanges);
  current = undefined;
  queues = [];
  exchanges = [];
});

describe('generated exchange definitions', () => {
  it('publish and consume with the payload and routing types of the events class', async () => {
    current = await fixture();
    const f = current;
    // The queue's exchanges under this test's own prefix, as a deployment could rename them.
    const events = new QueueEvents({ exchangePrefix: `exchange/${f.namespace}/queue/v1/` });
    const resolved = events.taskGroupResolved;
    exchanges.push(resolved.exchange);
    await declareExchanges(resolved.exchange);
    const name = unique('events');
    queues.push(`queue/${f.namespace}/${name}`);
    const consuming = nextStatus(f.pulse, 'consuming');
    const received = firstValueFrom(
      f.pulse.consume({ queueName: name, bindings: [resolved({ schedulerId: 'sched' })] }).pipe(
        tap((m) => m.ack()),
        take(1),
      ),
    );
    await consuming;
    const payload = {
      version: 1 as const,
      taskGroupId: 'tg1',
      schedulerId: 'sched',
      expires: '2030-01-01T00:00:00.000Z',
    };
    const publisher = f.pulse.publisher({
      schemas: {
        [resolved.exchange]: {
          type: 'object',
          required: ['version', 'taskGroupId', 'schedulerId'],
        },
      },
    });
    await publisher.publish(resolved, {
      payload,
      routing: { taskGroupId: 'tg1', schedulerId: 'sched' },
    });
    // The schema given for the exchange applies to the events method.
    await expect(
      publisher.publish(resolved, {
        payload: { ...payload, taskGroupId: undefined } as never,
        routing: { taskGroupId: 'tg1', schedulerId: 'sched' },
      }),
    ).rejects.toThrow(/taskGroupId/);
    await expect(publisher.publish({} as never, { payload })).rejects.toThrow(InputError);
    const message = await received;
    expectTypeOf(message.payload.taskGroupId).toEqualTypeOf<string>();
    expectTypeOf(message.routing.schedulerId).toEqualTypeOf<string>();
    expect(message.payload).toEqual(payload);
    expect(message.routing).toEqual({
      routingKeyKind: 'primary',
      taskGroupId: 'tg1',
      schedulerId: 'sched',
      reserved: undefined,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { DEAD_REASON_HEADER, EXCHANGE_HEADER } from '../../src/consumer/message.js';
import { deleteQueues, queueDepth, unique, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { fixturePerTest, nextStatus, TASK_FIELDS } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

const schema = {
  type: 'object',
  properties: { kind: { const: 'task' }, n: { type: 'integer' } },
  required: ['kind', 'n'],
};

describe('poison messages', () => {
  it('go to the dead-letter queue at once, each with its reason, while good ones are handled', async () => {
    const f = await setUp();
    const name = unique('poison');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const handled: number[] = [];
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      {
        queueName: name,
        bindings: [
          f.taskBinding({}),
          {
            exchange: f.tasks.exchange,
            routingKeyPattern: '#.short',
            routingKeyReference: TASK_FIELDS,
          },
        ],
        schemas: { [f.tasks.exchange]: schema },
        maxMessageSize: 1_000,
      },
      async (message) => {
        handled.push(message.payload.n);
      },
    );
    await consuming;
    const good = (n: number) => Buffer.from(JSON.stringify({ kind: 'task', n }));
    // [what is wrong, how it is published]
    const cases: Array<[string, (channel: import('amqplib').Channel) => void]> = [
      ['not-json', (c) => c.publish(f.tasks.exchange, 'primary.a._._', Buffer.from('{oops'))],
      [
        'wrong-content-type',
        (c) => c.publish(f.tasks.exchange, 'primary.a._._', good(1), { contentType: 'text/plain' }),
      ],
      ['unknown-exchange', (c) => c.sendToQueue(queue, good(2))],
      ['bad-routing-key', (c) => c.publish(f.tasks.exchange, 'primary.short', good(3))],
      [
        'schema-mismatch',
        (c) => c.publish(f.tasks.exchange, 'primary.a._._', Buffer.from('{"kind":"task"}')),
      ],
      [
        'too-large',
        (c) =>
          c.publish(
            f.tasks.exchange,
            'primary.a._._',
            Buffer.from(JSON.stringify({ kind: 'task', n: 4, pad: 'x'.repeat(2_000) })),
          ),
      ],
    ];
    await withRawChannel(async (channel) => {
      for (const [, publish] of cases) publish(channel);
      channel.publish(f.tasks.exchange, 'primary.a._._', good(100), {
        contentType: 'application/json',
      });
      await channel.close();
    });
    await waitFor(
      () => f.pulse.metrics.counts.deadLettered === cases.length && handled.length === 1,
      'poison dead-lettered, the good one handled',
    );
    await runner.close();
    expect(handled).toEqual([100]);
    expect(f.pulse.metrics.counts.poison).toBe(cases.length);
    expect(f.pulse.metrics.counts.failed).toBe(0);
    const reasons = await withRawChannel(async (channel) => {
      const found: Array<[string, unknown]> = [];
      for (;;) {
        const message = await channel.get(`${queue}/dead`);
        if (message === false) return found;
        channel.ack(message);
        const headers = message.properties.headers ?? {};
        found.push([String(headers[DEAD_REASON_HEADER]), headers[EXCHANGE_HEADER]]);
      }
    });
    expect(reasons.map(([reason]) => reason).sort()).toEqual(
      cases.map(([reason]) => reason).sort(),
    );
    expect(reasons.find(([reason]) => reason === 'unknown-exchange')?.[1]).toBe('');
    expect(await queueDepth(queue)).toBe(0);
  });

  it('re-declares a dead-letter queue deleted from outside rather than losing the copy', async () => {
    const f = await setUp();
    const name = unique('lost-dead');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})] },
      async () => undefined,
    );
    await consuming;
    await deleteQueues(`${queue}/dead`);
    await withRawChannel(async (channel) => {
      channel.publish(f.tasks.exchange, 'primary.a._._', Buffer.from('not json'));
      await channel.close();
    });
    await waitFor(() => f.pulse.metrics.counts.deadLettered === 1, 'the dead letter');
    await runner.close();
    await waitFor(async () => (await queueDepth(`${queue}/dead`)) === 1, 'the copy in /dead');
    expect(await queueDepth(queue)).toBe(0);
  });
});

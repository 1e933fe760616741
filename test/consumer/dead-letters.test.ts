import { describe, expect, it } from 'vitest';
import { BrokerOperationError, QueueNotFoundError } from '../../src/consumer/errors.js';
import {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
  DELIVERY_COUNT_HEADER,
} from '../../src/consumer/message.js';
import { DEAD_LETTER_REFRESH_DELIVERIES } from '../../src/consumer/options.js';
import { InputError } from '../../src/errors.js';
import {
  deleteQueues,
  drainQueue,
  queueDepth,
  rawConnection,
  unique,
  waitFor,
} from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

/** The bodies and headers of a queue's ready messages, read and acked. */
async function drain(queue: string) {
  return (await drainQueue(queue)).map((message) => ({
    body: message.content.toString(),
    headers: message.properties.headers ?? {},
  }));
}

/**
 * A durable queue with dead letters: messages 0..count-1 fail their only attempt (the odd ones
 * with a handler that rejects them itself, so the broker dead-letters them), and one body that
 * is not JSON. The runner is closed; the dead letters are in publishing order.
 */
async function withDeadLetters(f: Fixture, count: number) {
  const name = unique('dead');
  const queue = `queue/${f.namespace}/${name}`;
  queues.push(queue);
  const options = { queueName: name, bindings: [f.taskBinding({})], maxAttempts: 1 };
  const runner = f.pulse.handle(options, (message) => {
    if (message.payload.n % 2 === 1) {
      // Rejected by the handler: the work queue's own dead-lettering takes it to /dead.
      message.nack(false);
      return;
    }
    throw new Error(`fails ${message.payload.n}`);
  });
  await runner.ready;
  const publisher = f.pulse.publisher();
  for (let n = 0; n < count; n++) {
    await publisher.publish(f.tasks, {
      payload: { kind: 'task', n },
      routing: { taskId: `t${n}` },
    });
    // One at a time, so that the dead-letter queue's order is the publishing order.
    await waitFor(async () => (await queueDepth(`${queue}/dead`)) === n + 1, `dead letter ${n}`);
  }
  const raw = await rawConnection();
  try {
    const channel = await raw.createConfirmChannel();
    channel.publish(f.tasks.exchange, 'primary.poison._._', Buffer.from('not json'));
    await channel.waitForConfirms();
  } finally {
    await raw.close();
  }
  await waitFor(async () => (await queueDepth(`${queue}/dead`)) === count + 1, 'the poison');
  await runner.close();
  return { name, queue, options };
}

const bodies = (messages: Array<{ body: string }>) => messages.map((m) => m.body);

describe('dead letters', () => {
  it('lists each with its reason, error, attempts, origin and payload, and leaves the queue as it was', async () => {
    const f = await setUp();
    const { name, queue } = await withDeadLetters(f, 4);
    const dead = f.pulse.deadLetters(name);
    expect(dead.queue).toBe(`${queue}/dead`);
    const listing = await dead.list();
    expect(listing).toMatchObject({ queue: `${queue}/dead`, scanned: 5, matched: 5, refreshed: 0 });
    expect(listing.deadLetters.map((d) => [d.position, d.reason, d.error, d.attempts])).toEqual([
      [1, 'handler-failed', 'fails 0', 1],
      [2, 'rejected', undefined, 0],
      [3, 'handler-failed', 'fails 2', 1],
      [4, 'rejected', undefined, 0],
      [5, 'not-json', expect.stringContaining('not JSON'), 0],
    ]);
    for (const [n, letter] of listing.deadLetters.slice(0, 4).entries()) {
      expect(letter.exchange).toBe(f.tasks.exchange);
      expect(letter.routingKey).toBe(`primary.t${n}._._`);
      expect(letter.preview).toBe(`{"kind":"task","n":${n}}`);
      expect(letter.bytes).toBe(letter.preview.length);
      expect(letter.deliveries).toBe(1);
    }
    expect(listing.deadLetters[4]).toMatchObject({
      routingKey: 'primary.poison._._',
      preview: '"not json"',
    });
    const again = await dead.list();
    // Handed back once (a quorum queue counts it), in the same order.
    expect(again.deadLetters.map((d) => [d.position, d.deliveries])).toEqual(
      [1, 2, 3, 4, 5].map((p) => [p, 2]),
    );
    expect(bodies(await drain(`${queue}/dead`))).toEqual([
      ...[0, 1, 2, 3].map((n) => `{"kind":"task","n":${n}}`),
      'not json',
    ]);
  });

  it.each([
    [{ reason: 'rejected' }, [2, 4], 2],
    [{ limit: 2 }, [1, 2], 5],
    [{ reason: 'handler-failed', limit: 1 }, [1], 2],
    [{ reason: 'no-such-reason' }, [], 0],
  ])(
    'filters with %j, and a partial listing does not reorder the queue',
    async (filter, positions, matched) => {
      const f = await setUp();
      const { name, queue } = await withDeadLetters(f, 4);
      const listing = await f.pulse.deadLetters(name).list(filter);
      expect(listing.deadLetters.map((d) => d.position)).toEqual(positions);
      expect(listing.matched).toBe(matched);
      expect(listing.scanned).toBe(5);
      expect(bodies(await drain(`${queue}/dead`))).toEqual([
        ...[0, 1, 2, 3].map((n) => `{"kind":"task","n":${n}}`),
        'not json',
      ]);
    },
  );

  it('replays the chosen ones to the work queue with attempts reset, keeping the others in order', async () => {
    const f = await setUp();
    const { name, queue, options } = await withDeadLetters(f, 4);
    const result = await f.pulse.deadLetters(name).replay({ reason: 'handler-failed' });
    expect(result).toEqual({
      queue: `${queue}/dead`,
      target: queue,
      replayed: 2,
      scanned: 5,
      refreshed: 0,
    });
    expect(bodies(await drain(`${queue}/dead`))).toEqual([
      '{"kind":"task","n":1}',
      '{"kind":"task","n":3}',
      'not json',
    ]);
    // The bot sees them as new: first attempt, the original exchange and routing key.
    const seen: Array<[number, number, string]> = [];
    const runner = f.pulse.handle(options, (message) => {
      seen.push([message.payload.n, message.attempt, message.routingKey]);
      expect(message.properties.headers?.[DEAD_REASON_HEADER]).toBeUndefined();
      expect(message.properties.headers?.[DEAD_ERROR_HEADER]).toBeUndefined();
      expect(message.properties.headers?.[ATTEMPTS_HEADER]).toBe(0);
    });
    await waitFor(() => seen.length === 2, 'the replayed messages handled');
    await runner.close();
    expect(seen).toEqual([
      [0, 1, 'primary.t0._._'],
      [2, 1, 'primary.t2._._'],
    ]);
  });

  it('replays the oldest `limit`, and messages the broker dead-lettered with their origin from x-death', async () => {
    const f = await setUp();
    const { name, queue } = await withDeadLetters(f, 4);
    const result = await f.pulse.deadLetters(name).replay({ reason: 'rejected', limit: 1 });
    expect(result.replayed).toBe(1);
    const replayed = await drain(queue);
    expect(
      replayed.map((m) => [m.body, m.headers['x-tc-exchange'], m.headers['x-tc-routing-key']]),
    ).toEqual([['{"kind":"task","n":1}', f.tasks.exchange, 'primary.t1._._']]);
    expect(replayed[0]!.headers['x-death']).toBeUndefined();
    expect(await queueDepth(`${queue}/dead`)).toBe(4);
  });

  it('replays everything without a filter, and purges with a count', async () => {
    const f = await setUp();
    const { name, queue } = await withDeadLetters(f, 2);
    const dead = f.pulse.deadLetters(name);
    expect((await dead.replay()).replayed).toBe(3);
    expect(await queueDepth(`${queue}/dead`)).toBe(0);
    expect(bodies(await drain(queue))).toEqual([
      '{"kind":"task","n":0}',
      '{"kind":"task","n":1}',
      'not json',
    ]);
    expect(await dead.purge()).toBe(0);
    const more = await withDeadLetters(f, 2);
    expect(await f.pulse.deadLetters(more.name).purge()).toBe(3);
    expect(await queueDepth(`${more.queue}/dead`)).toBe(0);
  });

  it('refuses to replay to a work queue that does not exist, taking nothing', async () => {
    const f = await setUp();
    const { name, queue } = await withDeadLetters(f, 2);
    await deleteQueues(queue);
    const replay = f.pulse.deadLetters(name).replay();
    await expect(replay).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(replay).rejects.toThrow(`queue "${queue}" does not exist: nothing was replayed`);
    expect(await queueDepth(`${queue}/dead`)).toBe(3);
  });

  it('acks no dead letter whose copy the work queue refused', async () => {
    const f = await setUp();
    const name = unique('full');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    // A work queue that refuses a second message: the replay must stop there, losing nothing.
    const runner = f.pulse.handle(
      {
        queueName: name,
        bindings: [f.taskBinding({})],
        maxAttempts: 1,
        maxLength: 1,
        overflow: 'reject-publish',
        queueType: 'classic',
      },
      () => {
        throw new Error('fails');
      },
    );
    await runner.ready;
    const publisher = f.pulse.publisher();
    for (let n = 0; n < 3; n++) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'x' } });
      await waitFor(async () => (await queueDepth(`${queue}/dead`)) === n + 1, `dead letter ${n}`);
    }
    await runner.close();
    const replay = f.pulse.deadLetters(name).replay();
    await expect(replay).rejects.toBeInstanceOf(BrokerOperationError);
    await expect(replay).rejects.toThrow(/interrupted.*no message was taken out without its copy/);
    const work = bodies(await drain(queue));
    const dead = bodies(await drain(`${queue}/dead`));
    expect(work).toEqual(['{"kind":"task","n":0}']);
    expect(dead).toEqual(['{"kind":"task","n":1}', '{"kind":"task","n":2}']);
  });

  it(`writes a dead letter anew once listed ${DEAD_LETTER_REFRESH_DELIVERIES} times, so no delivery limit drops it`, async () => {
    const f = await setUp();
    const { name, queue } = await withDeadLetters(f, 1);
    const dead = f.pulse.deadLetters(name);
    const refreshed: number[] = [];
    for (let i = 0; i <= DEAD_LETTER_REFRESH_DELIVERIES; i++) {
      refreshed.push((await dead.list()).refreshed);
    }
    // Listings 1..10 hand both back (their count reaches 10); the eleventh writes both anew.
    expect(refreshed).toEqual([...Array(DEAD_LETTER_REFRESH_DELIVERIES).fill(0), 2]);
    const after = await dead.list();
    expect(after.deadLetters.map((d) => [d.reason, d.deliveries, d.attempts, d.exchange])).toEqual([
      ['handler-failed', 1, 1, f.tasks.exchange],
      ['not-json', 1, 0, f.tasks.exchange],
    ]);
    const left = await drain(`${queue}/dead`);
    expect(bodies(left)).toEqual(['{"kind":"task","n":0}', 'not json']);
    expect(left[0]!.headers[DEAD_ERROR_HEADER]).toBe('fails 0');
    // Counted from the copy on: only the last listing.
    expect(left[0]!.headers[DELIVERY_COUNT_HEADER]).toBe(1);
  }, 60_000);

  it.each([
    ['another namespace', 'queue/someone-else/bot', /outside the namespace/],
    ['a companion', 'bot/dead', /names the dead queue of "bot"/],
    ['an empty name', '', /non-empty/],
    ['a name too long', 'x'.repeat(250), /too long/],
  ])('refuses %s before anything is sent', async (_, name, message) => {
    const f = await setUp();
    expect(() => f.pulse.deadLetters(name)).toThrow(InputError);
    expect(() => f.pulse.deadLetters(name)).toThrow(message);
  });

  it.each([
    [{ limit: 0 }, /limit must be a positive integer/],
    [{ reason: '' }, /reason must be a non-empty string/],
  ])('refuses the filter %j', async (filter, message) => {
    const f = await setUp();
    await expect(f.pulse.deadLetters('bot').list(filter)).rejects.toThrow(message);
  });

  it('says so when a queue has no dead-letter queue', async () => {
    const f = await setUp();
    const dead = f.pulse.deadLetters(unique('none'));
    await expect(dead.list()).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(dead.purge()).rejects.toThrow(/does not exist: nothing was purged/);
  });
});

/**
 * Dead-lettering conformance: rejection with and without a dead-letter routing key, the
 * `x-death` and `x-first-death-*` headers, expiry by queue TTL and per-message expiration,
 * length limits, and the TTL-based retry loop the consumer's retries rely on.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

const anyTime = { '!': 'timestamp', value: expect.any(Number) };

describe.each(brokersUnderTest())('dead-lettering on $name', ({ transport }) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(transport);
  });
  afterEach(() => session.cleanup());

  it('dead-letters a rejected message with all its routing keys and x-death', async () => {
    const channel = await session.channel();
    const work = await session.topicExchange(channel, 'work');
    const dead = await session.topicExchange(channel, 'dead');
    const workQueue = session.queue(uniqueName('rejecting'));
    const deadQueue = session.queue(uniqueName('rejected'));
    await channel.assertQueue(workQueue, { durable: false, deadLetterExchange: dead });
    await channel.bindQueue(workQueue, work, 'task.#');
    await channel.assertQueue(deadQueue, { durable: false });
    await channel.bindQueue(deadQueue, dead, '#');
    channel.publish(work, 'task.one', Buffer.from('bad'), { CC: 'route.a', headers: { h: 'v' } });
    await session.collect(channel, workQueue, (message) => channel.nack(message, false, false));

    const reader = await session.channel();
    const collector = await session.collect(reader, deadQueue, (m) => reader.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.content.toString()).toBe('bad');
    expect(message!.fields).toMatchObject({
      exchange: dead,
      routingKey: 'task.one',
      redelivered: false,
    });
    expect(message!.properties.headers).toEqual({
      h: 'v',
      CC: ['route.a'],
      'x-death': [
        {
          count: 1,
          reason: 'rejected',
          queue: workQueue,
          time: anyTime,
          exchange: work,
          'routing-keys': ['task.one', 'route.a'],
        },
      ],
      'x-first-death-reason': 'rejected',
      'x-first-death-queue': workQueue,
      'x-first-death-exchange': work,
    });
  });

  it('uses the dead-letter routing key, drops CC, and keeps the original expiration', async () => {
    const channel = await session.channel();
    const workQueue = session.queue(uniqueName('dlrk-work'));
    const deadQueue = session.queue(uniqueName('dlrk-dead'));
    await channel.assertQueue(deadQueue, { durable: false });
    await channel.assertQueue(workQueue, {
      durable: false,
      deadLetterExchange: '',
      deadLetterRoutingKey: deadQueue,
    });
    channel.sendToQueue(workQueue, Buffer.from('x'), { CC: 'elsewhere', expiration: 60_000 });
    await session.collect(channel, workQueue, (message) => channel.nack(message, false, false));

    const collector = await session.collect(channel, deadQueue, (m) => channel.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.fields).toMatchObject({ exchange: '', routingKey: deadQueue });
    expect(message!.properties.expiration).toBeUndefined();
    expect(message!.properties.headers).toEqual({
      'x-death': [
        {
          count: 1,
          reason: 'rejected',
          queue: workQueue,
          time: anyTime,
          exchange: '',
          'routing-keys': [workQueue, 'elsewhere'],
          'original-expiration': '60000',
        },
      ],
      'x-first-death-reason': 'rejected',
      'x-first-death-queue': workQueue,
      'x-first-death-exchange': '',
    });
  });

  it('expires messages by queue TTL and per-message expiration into the dead-letter queue', async () => {
    const channel = await session.channel();
    const waiting = session.queue(uniqueName('ttl-waiting'));
    const expired = session.queue(uniqueName('ttl-expired'));
    await channel.assertQueue(expired, { durable: false });
    await channel.assertQueue(waiting, {
      durable: false,
      messageTtl: 60_000,
      deadLetterExchange: '',
      deadLetterRoutingKey: expired,
    });
    channel.sendToQueue(waiting, Buffer.from('short'), { expiration: 20 });
    channel.sendToQueue(waiting, Buffer.from('long'));

    const collector = await session.collect(channel, expired, (m) => channel.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.content.toString()).toBe('short');
    const [death] = message!.properties.headers!['x-death'] as Record<string, unknown>[];
    expect(death).toMatchObject({ reason: 'expired', queue: waiting, 'original-expiration': '20' });
    expect((await channel.checkQueue(waiting)).messageCount).toBe(1);
  });

  it('dead-letters the head when a queue over its length limit drops it', async () => {
    const channel = await session.channel();
    const bounded = session.queue(uniqueName('maxlen'));
    const dropped = session.queue(uniqueName('maxlen-dropped'));
    await channel.assertQueue(dropped, { durable: false });
    await channel.assertQueue(bounded, {
      durable: false,
      maxLength: 2,
      deadLetterExchange: '',
      deadLetterRoutingKey: dropped,
    });
    for (const body of ['m1', 'm2', 'm3']) channel.sendToQueue(bounded, Buffer.from(body));

    const collector = await session.collect(channel, dropped, (m) => channel.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.content.toString()).toBe('m1');
    expect(message!.properties.headers!['x-first-death-reason']).toBe('maxlen');
    const kept = await session.collect(channel, bounded, (m) => channel.ack(m));
    await kept.waitForCount(2);
    expect(kept.bodies()).toEqual(['m2', 'm3']);
  });

  it('delivers a TTL 0 message to a waiting consumer, and expires it without one', async () => {
    const channel = await session.confirmChannel();
    const instant = session.queue(uniqueName('ttl-zero'));
    const expired = session.queue(uniqueName('ttl-zero-expired'));
    await channel.assertQueue(expired, { durable: false });
    await channel.assertQueue(instant, {
      durable: false,
      messageTtl: 0,
      deadLetterExchange: '',
      deadLetterRoutingKey: expired,
    });
    channel.sendToQueue(instant, Buffer.from('nobody waits'), {}, () => {});
    await channel.waitForConfirms();
    const late = await session.collect(channel, expired, (m) => channel.ack(m));
    await late.waitForCount(1);
    expect(late.bodies()).toEqual(['nobody waits']);

    const waiting = await session.collect(channel, instant, (m) => channel.ack(m));
    channel.sendToQueue(instant, Buffer.from('someone waits'), {}, () => {});
    await waiting.waitForCount(1);
    expect(waiting.bodies()).toEqual(['someone waits']);
    expect(late.messages).toHaveLength(1);
  });

  it('dead-letters what a full reject-publish-dlx queue refuses, as maxlen', async () => {
    const channel = await session.confirmChannel();
    const full = session.queue(uniqueName('reject-dlx'));
    const dropped = session.queue(uniqueName('reject-dlx-dead'));
    await channel.assertQueue(dropped, { durable: false });
    await channel.assertQueue(full, {
      durable: false,
      maxLength: 1,
      deadLetterExchange: '',
      deadLetterRoutingKey: dropped,
      arguments: { 'x-overflow': 'reject-publish-dlx' },
    });
    const outcomes: (string | null)[] = [];
    for (const body of ['kept', 'refused']) {
      channel.sendToQueue(full, Buffer.from(body), {}, (error) =>
        outcomes.push(error?.message ?? null),
      );
    }
    await waitFor('both confirms', () => outcomes.length === 2);
    expect(outcomes).toEqual([null, 'message nacked']);
    const collector = await session.collect(channel, dropped, (m) => channel.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.content.toString()).toBe('refused');
    expect(message!.properties.headers).toMatchObject({
      'x-first-death-reason': 'maxlen',
      'x-death': [{ count: 1, reason: 'maxlen', queue: full, 'routing-keys': [full] }],
    });
  });

  it('dead-letters a quorum message returned more often than its delivery limit', async () => {
    const channel = await session.channel();
    const limited = session.queue(uniqueName('delivery-limit'));
    const dropped = session.queue(uniqueName('delivery-limit-dead'));
    await channel.assertQueue(dropped, { durable: false });
    await channel.assertQueue(limited, {
      durable: true,
      deadLetterExchange: '',
      deadLetterRoutingKey: dropped,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1 },
    });
    channel.sendToQueue(limited, Buffer.from('poison'));
    const attempts = await session.collect(channel, limited, (m) => channel.nack(m));
    const dead = await session.collect(channel, dropped, (m) => channel.ack(m));
    const [message] = await dead.waitForCount(1);
    expect(attempts.messages).toHaveLength(2);
    expect(message!.properties.headers).toMatchObject({
      'x-first-death-reason': 'delivery_limit',
      'x-death': [{ count: 1, reason: 'delivery_limit', queue: limited }],
    });
  });

  it('retries through a TTL queue that dead-letters back to the work exchange', async () => {
    const channel = await session.channel();
    const work = await session.topicExchange(channel, 'retry-work');
    const retry = await session.topicExchange(channel, 'retry-delay');
    const workQueue = session.queue(uniqueName('retry-work'));
    const delayQueue = session.queue(uniqueName('retry-delay'));
    await channel.assertQueue(workQueue, { durable: false, deadLetterExchange: retry });
    await channel.bindQueue(workQueue, work, 'task.#');
    await channel.assertQueue(delayQueue, {
      durable: false,
      messageTtl: 30,
      deadLetterExchange: work,
    });
    await channel.bindQueue(delayQueue, retry, '#');
    channel.publish(work, 'task.flaky', Buffer.from('flaky'));

    let attempts = 0;
    const collector = await session.collect(channel, workQueue, (message) => {
      attempts += 1;
      if (attempts < 3) channel.nack(message, false, false);
      else channel.ack(message);
    });
    const messages = await collector.waitForCount(3);
    expect(messages.map((m) => [m.fields.routingKey, m.fields.redelivered])).toEqual([
      ['task.flaky', false],
      ['task.flaky', false],
      ['task.flaky', false],
    ]);
    expect(messages[0]!.properties.headers).toEqual({});
    const deaths = (n: number) =>
      (messages[n]!.properties.headers!['x-death'] as Record<string, unknown>[]).map((death) => [
        death.queue,
        death.reason,
        death.count,
        death.exchange,
        death['routing-keys'],
      ]);
    expect(deaths(1)).toEqual([
      [delayQueue, 'expired', 1, retry, ['task.flaky']],
      [workQueue, 'rejected', 1, work, ['task.flaky']],
    ]);
    expect(deaths(2)).toEqual([
      [delayQueue, 'expired', 2, retry, ['task.flaky']],
      [workQueue, 'rejected', 2, work, ['task.flaky']],
    ]);
    expect(messages[2]!.properties.headers).toMatchObject({
      'x-first-death-reason': 'rejected',
      'x-first-death-queue': workQueue,
      'x-first-death-exchange': work,
    });
  });
});

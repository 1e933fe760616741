/**
 * Declaration conformance: idempotent declarations and their replies, the 406 of a
 * redeclaration with other arguments, the 404s of missing queues and exchanges (each closing
 * only its channel), server-named and exclusive queues, `x-expires`, and the consumer cancel
 * a queue deletion sends, on both brokers.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssertQueueOptions, BrokerTransport } from '../../src/broker/transport.js';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

const VHOST = "in vhost '/'";
/** The `x-expires` of the expiring queue. */
const EXPIRES_MS = 50;

interface Refusal {
  code: number;
  message: string;
}

describe.each(brokersUnderTest())('declarations on $name', ({ transport }) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(transport);
  });
  afterEach(() => session.cleanup());

  it('declares a queue idempotently and reports its counts', async () => {
    const channel = await session.confirmChannel();
    const queue = session.queue(uniqueName('idempotent'));
    const options: AssertQueueOptions = { durable: false, messageTtl: 60_000, maxLength: 10 };
    expect(await channel.assertQueue(queue, options)).toEqual({
      queue,
      messageCount: 0,
      consumerCount: 0,
    });
    channel.sendToQueue(queue, Buffer.from('x'), {}, () => {});
    channel.sendToQueue(queue, Buffer.from('y'), {}, () => {});
    // Without a confirm, RabbitMQ may count before the queue has the messages.
    await channel.waitForConfirms();
    expect(await channel.assertQueue(queue, options)).toEqual({
      queue,
      messageCount: 2,
      consumerCount: 0,
    });
    const consumer = await session.collect(await session.channel(), queue);
    await consumer.waitForCount(2);
    // Delivered and unacked messages are not counted as ready.
    expect(await channel.assertQueue(queue, options)).toEqual({
      queue,
      messageCount: 0,
      consumerCount: 1,
    });
  });

  const mismatches: {
    name: string;
    first: AssertQueueOptions;
    second: AssertQueueOptions;
    text: (queue: string) => string;
  }[] = [
    {
      name: 'another message TTL',
      first: { durable: false, messageTtl: 100 },
      second: { durable: false, messageTtl: 200 },
      text: (q) =>
        `PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue '${q}' ${VHOST}: received '200' but current is '100'`,
    },
    {
      name: 'a missing dead-letter exchange',
      first: { durable: false, deadLetterExchange: 'dlx' },
      second: { durable: false },
      text: (q) =>
        `PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-exchange' for queue '${q}' ${VHOST}: received none but current is the value 'dlx' of type 'longstr'`,
    },
    {
      name: 'another durability',
      first: { durable: false },
      second: { durable: true },
      text: (q) =>
        `PRECONDITION_FAILED - inequivalent arg 'durable' for queue '${q}' ${VHOST}: received 'true' but current is 'false'`,
    },
    {
      name: 'no queue type for a quorum queue',
      first: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
      second: { durable: true },
      text: (q) =>
        `PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue '${q}' ${VHOST}: received none but current is the value 'quorum' of type 'longstr'`,
    },
  ];

  it.each(mismatches)(
    'refuses a redeclaration with $name (406)',
    async ({ first, second, text }) => {
      const connection = await session.connection();
      const channel = await session.channel(connection);
      const queue = session.queue(uniqueName('mismatch'));
      await channel.assertQueue(queue, first);
      let closed = false;
      channel.on('close', () => {
        closed = true;
      });
      const refusal = await channel.assertQueue(queue, second).then(
        () => undefined,
        (error: Refusal) => error,
      );
      expect(refusal).toMatchObject({
        code: 406,
        message: `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "${text(queue)}"`,
      });
      expect(closed).toBe(true);
      expect(session.channelErrors.map((e) => (e as Error & Refusal).code)).toEqual([406]);
      // Only the channel is closed: the connection keeps working.
      const other = await session.channel(connection);
      expect((await other.checkQueue(queue)).queue).toBe(queue);
    },
  );

  it('answers 404 for a missing queue or exchange, closing only the channel', async () => {
    const connection = await session.connection();
    const missingQueue = uniqueName('missing-queue');
    const missingExchange = uniqueName('missing-exchange');
    const existing = session.queue(uniqueName('existing'));
    await (await session.channel(connection)).assertQueue(existing, { durable: false });
    const cases: [
      string,
      (c: Awaited<ReturnType<Session['channel']>>) => Promise<unknown>,
      string,
    ][] = [
      ['QueueDeclare', (c) => c.checkQueue(missingQueue), `no queue '${missingQueue}' ${VHOST}`],
      [
        'ExchangeDeclare',
        (c) => c.checkExchange(missingExchange),
        `no exchange '${missingExchange}' ${VHOST}`,
      ],
      [
        'QueueBind',
        (c) => c.bindQueue(existing, missingExchange, '#'),
        `no exchange '${missingExchange}' ${VHOST}`,
      ],
      ['QueuePurge', (c) => c.purgeQueue(missingQueue), `no queue '${missingQueue}' ${VHOST}`],
    ];
    for (const [method, operation, text] of cases) {
      const channel = await session.channel(connection);
      await expect(operation(channel), method).rejects.toMatchObject({
        code: 404,
        message: `Operation failed: ${method}; 404 (NOT-FOUND) with message "NOT_FOUND - ${text}"`,
      });
    }
    expect(session.channelErrors).toHaveLength(cases.length);
    expect((await (await session.channel(connection)).checkQueue(existing)).queue).toBe(existing);
  });

  it('answers binds issued together in order: a missing exchange fails its own, the later ones end unanswered', async () => {
    const connection = await session.connection();
    const channel = await session.channel(connection);
    const exchange = await session.topicExchange(channel, 'bound');
    const queue = session.queue(uniqueName('issued-together'));
    await channel.assertQueue(queue, { durable: false });
    const missing = uniqueName('missing-exchange');
    const [before, refused, after] = await Promise.allSettled([
      channel.bindQueue(queue, exchange, 'before'),
      channel.bindQueue(queue, missing, '#'),
      channel.bindQueue(queue, exchange, 'after'),
    ]);
    expect(before.status).toBe('fulfilled');
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: {
        code: 404,
        message: `Operation failed: QueueBind; 404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${missing}' ${VHOST}"`,
      },
    });
    // No reply code: nothing says this bind was refused, only that its channel went away.
    expect(after).toMatchObject({
      status: 'rejected',
      reason: { message: 'Channel ended, no reply will be forthcoming' },
    });
    expect(after.status === 'rejected' && (after.reason as Partial<Refusal>).code).toBeUndefined();

    // Only the first bind was made: a message for `after`, published first, is not routed.
    const reader = await session.channel(connection);
    const received = await session.collect(reader, queue);
    reader.publish(exchange, 'after', Buffer.from('after'));
    reader.publish(exchange, 'before', Buffer.from('before'));
    await received.waitForCount(1);
    expect(received.bodies()).toEqual(['before']);
  });

  it('closes the channel with 404 when publishing to a missing exchange', async () => {
    const channel = await session.confirmChannel();
    const missing = uniqueName('missing-exchange');
    const outcome = new Promise<Error | null>((resolve) => {
      channel.publish(missing, 'key', Buffer.from('x'), {}, resolve);
    });
    expect(await outcome).toEqual(new Error('channel closed'));
    expect(session.channelErrors.map((e) => e.message)).toEqual([
      `Channel closed by server: 404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${missing}' ${VHOST}"`,
    ]);
  });

  it.each([
    ['abc', 'no_integer'],
    ['-5', '{value_negative,-5}'],
  ])(
    'closes the channel with 406 on the per-message expiration %j',
    async (expiration, problem) => {
      const channel = await session.channel();
      const queue = session.queue(uniqueName('expiration'));
      await channel.assertQueue(queue, { durable: false });
      channel.sendToQueue(queue, Buffer.from('x'), { expiration });
      await expect(channel.checkQueue(queue)).rejects.toMatchObject({ code: 406 });
      expect(session.channelErrors.map((e) => e.message)).toEqual([
        `Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - invalid expiration '${expiration}': ${problem}"`,
      ]);
    },
  );

  it('names a queue declared without a name, and deletes it with its exclusive connection', async () => {
    const owner = await session.connection();
    const channel = await session.channel(owner);
    const { queue } = await channel.assertQueue('', { exclusive: true });
    expect(queue).toMatch(/^amq\.gen-[A-Za-z0-9_-]{22}$/);
    const other = await session.channel();
    await expect(other.checkQueue(queue)).rejects.toMatchObject({ code: 405 });
    await owner.close();
    const fresh = await session.channel();
    await expect(fresh.checkQueue(queue)).rejects.toMatchObject({ code: 404 });
  });

  it('keeps an exclusive queue for its connection only, until that connection closes', async () => {
    const owner = await session.connection();
    const channel = await session.channel(owner);
    const queue = session.queue(uniqueName('exclusive'));
    await channel.assertQueue(queue, { exclusive: true, durable: false });
    expect((await channel.checkQueue(queue)).queue).toBe(queue);
    const outsider = await session.channel();
    await expect(outsider.checkQueue(queue)).rejects.toMatchObject({
      code: 405,
      message: expect.stringContaining(
        `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${queue}'`,
      ),
    });
    await owner.close();
    await waitForGone(transport, queue);
  });

  it('deletes an auto-delete queue when its last consumer leaves', async () => {
    const channel = await session.channel();
    const queue = session.queue(uniqueName('auto-delete'));
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    const first = await session.collect(channel, queue);
    const second = await session.collect(channel, queue);
    await channel.cancel(first.consumerTag);
    expect((await channel.checkQueue(queue)).consumerCount).toBe(1);
    await channel.cancel(second.consumerTag);
    await waitForGone(transport, queue);
  });

  it('deletes a queue unused past x-expires', async () => {
    const channel = await session.channel();
    const queue = session.queue(uniqueName('expires'));
    await channel.assertQueue(queue, { durable: false, expires: EXPIRES_MS });
    await waitForGone(transport, queue);
  });

  it('cancels consumers when their queue is deleted, and counts what it held', async () => {
    const consumerChannel = await session.channel();
    const queue = session.queue(uniqueName('deleted'));
    await consumerChannel.assertQueue(queue, { durable: false });
    await consumerChannel.prefetch(1);
    const collector = await session.collect(consumerChannel, queue);
    const admin = await session.channel();
    for (const body of ['a', 'b', 'c']) admin.sendToQueue(queue, Buffer.from(body));
    await collector.waitForCount(1);
    expect(await admin.deleteQueue(queue)).toEqual({ messageCount: 2 });
    await waitFor('the consumer to be cancelled', () => collector.cancelled);
    // The channel survives the cancel, and acking what the deleted queue delivered is harmless.
    consumerChannel.ack(collector.messages[0]!);
    expect(await consumerChannel.assertQueue(queue, { durable: false })).toMatchObject({
      messageCount: 0,
    });
    expect(session.channelErrors).toEqual([]);
  });

  it('replies to exchange declarations and refuses a redeclaration of another type', async () => {
    const channel = await session.channel();
    const exchange = await session.topicExchange(channel, 'declared');
    expect(await channel.assertExchange(exchange, 'topic', { durable: false })).toEqual({
      exchange,
    });
    expect(await channel.checkExchange(exchange)).toEqual({});
    await expect(
      channel.assertExchange(exchange, 'direct', { durable: false }),
    ).rejects.toMatchObject({
      code: 406,
      message: `Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'type' for exchange '${exchange}' ${VHOST}: received 'direct' but current is 'topic'"`,
    });
  });

  it('purges and deletes with the counts of ready messages', async () => {
    const channel = await session.confirmChannel();
    const queue = session.queue(uniqueName('purge'));
    await channel.assertQueue(queue, { durable: false });
    for (const body of ['a', 'b', 'c']) channel.sendToQueue(queue, Buffer.from(body), {}, () => {});
    await channel.waitForConfirms();
    expect(await channel.purgeQueue(queue)).toEqual({ messageCount: 3 });
    channel.sendToQueue(queue, Buffer.from('d'), {}, () => {});
    await channel.waitForConfirms();
    expect(await channel.deleteQueue(queue)).toEqual({ messageCount: 1 });
    expect(await channel.deleteQueue(queue)).toEqual({ messageCount: 0 });
  });
});

async function waitForGone(transport: BrokerTransport, queue: string): Promise<void> {
  const connection = await transport.connect();
  connection.on('error', () => {});
  const deadline = Date.now() + 15_000;
  try {
    let gone = false;
    while (!gone) {
      if (Date.now() > deadline) throw new Error(`queue ${queue} still exists`);
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      gone = await channel.checkQueue(queue).then(
        async () => {
          await channel.close();
          // A passive declare counts as use and renews the lease: look less often than it lasts.
          await new Promise((resolve) => setTimeout(resolve, EXPIRES_MS * 5));
          return false;
        },
        (error: { code?: number }) => error.code === 404,
      );
    }
  } finally {
    await connection.close();
  }
}

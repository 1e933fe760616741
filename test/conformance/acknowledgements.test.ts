/**
 * Acknowledgement conformance: ack, nack with and without requeue, the `redelivered` flag,
 * prefetch, competing consumers, requeue on channel close in original order, the 406 of an
 * unknown delivery tag, and quorum queues' `x-delivery-count`, on both brokers.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerChannel, Delivery } from '../../src/broker/transport.js';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

function fill(channel: BrokerChannel, queue: string, count: number): void {
  for (let i = 1; i <= count; i += 1) channel.sendToQueue(queue, Buffer.from(`m${i}`));
}

describe.each(brokersUnderTest())('acknowledgements on $name', ({ transport }) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(transport);
  });
  afterEach(() => session.cleanup());

  async function declared(channel: BrokerChannel, prefix: string): Promise<string> {
    const queue = session.queue(uniqueName(prefix));
    await channel.assertQueue(queue, { durable: false });
    return queue;
  }

  it('redelivers a requeued message with redelivered set, and an ack removes it', async () => {
    const channel = await session.channel();
    const queue = await declared(channel, 'requeue');
    channel.sendToQueue(queue, Buffer.from('once'));
    let seen = 0;
    const collector = await session.collect(channel, queue, (message) => {
      seen += 1;
      if (seen === 1) channel.nack(message);
      else channel.ack(message);
    });
    await collector.waitForCount(2);
    expect(collector.messages.map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
      ['once', false],
      ['once', true],
    ]);
    await channel.close();
    const checker = await session.channel();
    expect((await checker.checkQueue(queue)).messageCount).toBe(0);
  });

  it('nack with allUpTo requeues every earlier unacked message too', async () => {
    const channel = await session.channel();
    const queue = await declared(channel, 'nack-multiple');
    fill(channel, queue, 3);
    const collector = await session.collect(channel, queue, (message) => {
      if (!message.fields.redelivered && message.content.toString() === 'm3') {
        channel.nack(message, true, true);
      } else if (message.fields.redelivered) {
        channel.ack(message);
      }
    });
    const messages = await collector.waitForCount(6);
    expect(messages.slice(3).map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
      ['m1', true],
      ['m2', true],
      ['m3', true],
    ]);
  });

  it('never has more unacked messages than the prefetch', async () => {
    const prefetch = 3;
    const total = 30;
    const channel = await session.channel();
    const queue = await declared(channel, 'prefetch');
    fill(channel, queue, total);
    await channel.prefetch(prefetch);
    let outstanding = 0;
    let most = 0;
    const collector = await session.collect(channel, queue, (message) => {
      outstanding += 1;
      most = Math.max(most, outstanding);
      setTimeout(() => {
        outstanding -= 1;
        channel.ack(message);
      }, 2);
    });
    await collector.waitForCount(total);
    await waitFor('every ack', () => outstanding === 0);
    expect(most).toBe(prefetch);
    expect(collector.bodies()).toEqual(Array.from({ length: total }, (_, i) => `m${i + 1}`));
  });

  it('stops at the prefetch while nothing is acked', async () => {
    const channel = await session.channel();
    const queue = await declared(channel, 'prefetch-stall');
    fill(channel, queue, 10);
    await channel.prefetch(4);
    const collector = await session.collect(channel, queue);
    await collector.waitForCount(4);
    const checker = await session.channel();
    await waitFor('6 ready messages', () => collector.messages.length === 4);
    expect((await checker.checkQueue(queue)).messageCount).toBe(6);
    expect(collector.messages).toHaveLength(4);
  });

  it('applies a prefetch to the consumers started after it only', async () => {
    const channel = await session.channel();
    const queue = await declared(channel, 'prefetch-later');
    const unlimited = await session.collect(channel, queue);
    await channel.prefetch(1);
    fill(channel, queue, 5);
    await unlimited.waitForCount(5);
    expect(unlimited.messages).toHaveLength(5);
  });

  it('shares a global prefetch between the consumers of a channel', async () => {
    const setup = await session.channel();
    const first = await declared(setup, 'global-first');
    const second = await declared(setup, 'global-second');
    fill(setup, first, 5);
    fill(setup, second, 5);
    const channel = await session.channel();
    await channel.prefetch(3, true);
    const a = await session.collect(channel, first);
    const b = await session.collect(channel, second);
    await waitFor('three deliveries', () => a.messages.length + b.messages.length === 3);
    const checker = await session.channel();
    const ready =
      (await checker.checkQueue(first)).messageCount +
      (await checker.checkQueue(second)).messageCount;
    expect(ready).toBe(7);
    expect(a.messages.length + b.messages.length).toBe(3);
  });

  it('shares a queue between competing consumers, each message to one of them', async () => {
    const total = 20;
    const setup = await session.channel();
    const queue = await declared(setup, 'competing');
    const first = await session.channel();
    const second = await session.channel();
    await first.prefetch(1);
    await second.prefetch(1);
    // Acked a moment later, so that the other consumer gets its turn; the test waits for every
    // ack, so none runs after the session closed the channels.
    const acks: Promise<void>[] = [];
    const ackLater = (channel: BrokerChannel) => (message: Delivery) => {
      acks.push(
        new Promise((resolve) =>
          setTimeout(() => {
            channel.ack(message);
            resolve();
          }, 1),
        ),
      );
    };
    const a = await session.collect(first, queue, ackLater(first));
    const b = await session.collect(second, queue, ackLater(second));
    fill(setup, queue, total);
    await waitFor('every message', () => a.messages.length + b.messages.length === total);
    await Promise.all(acks);
    expect(a.messages.length).toBeGreaterThan(0);
    expect(b.messages.length).toBeGreaterThan(0);
    expect([...a.bodies(), ...b.bodies()].sort()).toEqual(
      Array.from({ length: total }, (_, i) => `m${i + 1}`).sort(),
    );
  });

  it('round-robins between consumers with room', async () => {
    const setup = await session.channel();
    const queue = await declared(setup, 'round-robin');
    const first = await session.channel();
    const second = await session.channel();
    const a = await session.collect(first, queue);
    const b = await session.collect(second, queue);
    fill(setup, queue, 10);
    await waitFor('every message', () => a.messages.length + b.messages.length === 10);
    expect(a.bodies()).toEqual(['m1', 'm3', 'm5', 'm7', 'm9']);
    expect(b.bodies()).toEqual(['m2', 'm4', 'm6', 'm8', 'm10']);
  });

  it('requeues unacked messages in their original order when the channel closes', async () => {
    const setup = await session.channel();
    const queue = await declared(setup, 'close-requeue');
    fill(setup, queue, 6);
    const first = await session.channel();
    const held = await session.collect(first, queue, (message) => {
      const body = message.content.toString();
      if (body === 'm2' || body === 'm5') first.ack(message);
    });
    await held.waitForCount(6);
    await first.close();
    expect(() => first.ack(held.messages[0]!)).toThrow(/Channel closed/);

    const second = await session.channel();
    const again = await session.collect(second, queue, (message) => second.ack(message));
    await again.waitForCount(4);
    expect(again.messages.map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
      ['m1', true],
      ['m3', true],
      ['m4', true],
      ['m6', true],
    ]);
  });

  it('does not requeue what a no-ack consumer received', async () => {
    const setup = await session.channel();
    const queue = await declared(setup, 'no-ack');
    fill(setup, queue, 3);
    const channel = await session.channel();
    const collector = await session.collect(channel, queue, () => {}, { noAck: true });
    await collector.waitForCount(3);
    await channel.close();
    expect((await setup.checkQueue(queue)).messageCount).toBe(0);
  });

  it('closes the channel with 406 on an unknown delivery tag', async () => {
    const channel = await session.channel();
    const queue = await declared(channel, 'unknown-tag');
    channel.sendToQueue(queue, Buffer.from('x'));
    const collector = await session.collect(channel, queue);
    const [message] = await collector.waitForCount(1);
    let closed = false;
    channel.on('close', () => {
      closed = true;
    });
    channel.ack(message!);
    channel.ack(message!);
    await waitFor('the channel to close', () => closed);
    expect(session.channelErrors).toHaveLength(1);
    const [error] = session.channelErrors as (Error & { code?: number })[];
    expect(error!.code).toBe(406);
    expect(error!.message).toBe(
      'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - unknown delivery tag 1"',
    );
    await expect(channel.checkQueue(queue)).rejects.toMatchObject({
      name: 'IllegalOperationError',
    });
    const checker = await session.channel();
    expect((await checker.checkQueue(queue)).messageCount).toBe(0);
  });

  it('counts redeliveries of a quorum queue in x-delivery-count', async () => {
    const channel = await session.channel();
    const queue = session.queue(uniqueName('quorum'));
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    channel.sendToQueue(queue, Buffer.from('q'));
    let deliveries = 0;
    const collector = await session.collect(channel, queue, (message) => {
      deliveries += 1;
      if (deliveries < 3) channel.nack(message);
      else channel.ack(message);
    });
    const messages = await collector.waitForCount(3);
    expect(messages.map((m) => [m.fields.redelivered, m.properties.headers])).toEqual([
      [false, {}],
      [true, { 'x-delivery-count': 1 }],
      [true, { 'x-delivery-count': 2 }],
    ]);
  });
});

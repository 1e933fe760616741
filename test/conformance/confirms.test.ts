/**
 * Publisher-confirm conformance: acks after routing, `mandatory` returns before the confirm,
 * nacks from a full `reject-publish` queue, and `waitForConfirms`, on both brokers.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/broker/transport.js';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

describe.each(brokersUnderTest())('confirms on $name', ({ transport }) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(transport);
  });
  afterEach(() => session.cleanup());

  it('confirms every publish once it is routed, in order', async () => {
    const channel = await session.confirmChannel();
    const queue = session.queue(uniqueName('confirmed'));
    await channel.assertQueue(queue, { durable: false });
    const confirmed: [number, Error | null][] = [];
    for (let i = 0; i < 50; i += 1) {
      expect(
        channel.sendToQueue(queue, Buffer.from(`m${i}`), {}, (error) => confirmed.push([i, error])),
      ).toBe(true);
    }
    await channel.waitForConfirms();
    expect(confirmed).toEqual(Array.from({ length: 50 }, (_, i) => [i, null]));
    expect((await channel.checkQueue(queue)).messageCount).toBe(50);
  });

  it('returns an unroutable mandatory message before confirming it', async () => {
    const channel = await session.confirmChannel();
    const exchange = await session.topicExchange(channel, 'mandatory');
    const events: string[] = [];
    const returned: Delivery[] = [];
    channel.on('return', (message) => {
      events.push('return');
      returned.push(message);
    });
    const confirmed = new Promise<Error | null>((resolve) => {
      channel.publish(
        exchange,
        'nobody.home',
        Buffer.from('lost'),
        { mandatory: true, messageId: 'm' },
        (error) => {
          events.push('confirm');
          resolve(error);
        },
      );
    });
    expect(await confirmed).toBeNull();
    expect(events).toEqual(['return', 'confirm']);
    const [message] = returned;
    expect(message!.content.toString()).toBe('lost');
    expect(message!.fields).toEqual({
      replyCode: 312,
      replyText: 'NO_ROUTE',
      exchange,
      routingKey: 'nobody.home',
    });
    expect(message!.properties.messageId).toBe('m');
  });

  it('does not return a routable or non-mandatory message', async () => {
    const channel = await session.confirmChannel();
    const exchange = await session.topicExchange(channel, 'not-returned');
    const queue = session.queue(uniqueName('not-returned'));
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, exchange, 'home');
    let returns = 0;
    channel.on('return', () => {
      returns += 1;
    });
    channel.publish(exchange, 'home', Buffer.from('a'), { mandatory: true }, () => {});
    channel.publish(exchange, 'nobody', Buffer.from('b'), {}, () => {});
    await channel.waitForConfirms();
    expect(returns).toBe(0);
    expect((await channel.checkQueue(queue)).messageCount).toBe(1);
  });

  it('nacks a publish that a full reject-publish queue refuses', async () => {
    const channel = await session.confirmChannel();
    const queue = session.queue(uniqueName('reject-publish'));
    await channel.assertQueue(queue, {
      durable: false,
      maxLength: 1,
      arguments: { 'x-overflow': 'reject-publish' },
    });
    const outcomes: (string | null)[] = [];
    channel.sendToQueue(queue, Buffer.from('fits'), {}, (error) =>
      outcomes.push(error?.message ?? null),
    );
    channel.sendToQueue(queue, Buffer.from('refused'), {}, (error) =>
      outcomes.push(error?.message ?? null),
    );
    await waitFor('both confirms', () => outcomes.length === 2);
    expect(outcomes).toEqual([null, 'message nacked']);
    channel.sendToQueue(queue, Buffer.from('refused too'), {}, () => {});
    await expect(channel.waitForConfirms()).rejects.toThrow('message nacked');
    const reader = await session.channel();
    const collector = await session.collect(reader, queue, (m) => reader.ack(m));
    await collector.waitForCount(1);
    expect(collector.bodies()).toEqual(['fits']);
  });
});

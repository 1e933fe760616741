/**
 * Routing conformance: topic matching (a table of patterns × keys), CC and BCC routes, the
 * default exchange, and the exact shape of a delivered message, on both brokers.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublishOptions } from '../../src/broker/transport.js';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName } from './session.js';

const KEYS = [
  '',
  'a',
  'b',
  'c',
  'a.b',
  'a.c',
  'b.a',
  'x.b',
  'a.b.c',
  'a.x.b',
  'a.b.b',
  'a.x.y.b',
  'a.b.c.d',
  'a.',
  '.a',
  '.',
  'a..b',
];

const TWO_OR_MORE_WORDS = KEYS.filter((key) => key.includes('.'));

// What each binding pattern receives out of KEYS. `*` is exactly one (possibly empty) word,
// `#` zero or more; the empty key has no words, `a.` has two.
const TOPIC_TABLE: { pattern: string; matches: string[] }[] = [
  { pattern: '#', matches: KEYS },
  { pattern: '#.#', matches: KEYS },
  { pattern: '', matches: [''] },
  { pattern: '*', matches: ['a', 'b', 'c'] },
  { pattern: 'a', matches: ['a'] },
  { pattern: 'a.*', matches: ['a.b', 'a.c', 'a.'] },
  {
    pattern: 'a.#',
    matches: ['a', 'a.b', 'a.c', 'a.b.c', 'a.x.b', 'a.b.b', 'a.x.y.b', 'a.b.c.d', 'a.', 'a..b'],
  },
  { pattern: '#.b', matches: ['b', 'a.b', 'x.b', 'a.x.b', 'a.b.b', 'a.x.y.b', 'a..b'] },
  { pattern: 'a.#.b', matches: ['a.b', 'a.x.b', 'a.b.b', 'a.x.y.b', 'a..b'] },
  { pattern: 'a.*.b', matches: ['a.x.b', 'a.b.b', 'a..b'] },
  { pattern: '*.*', matches: ['a.b', 'a.c', 'b.a', 'x.b', 'a.', '.a', '.'] },
  {
    pattern: 'a.*.#',
    matches: ['a.b', 'a.c', 'a.b.c', 'a.x.b', 'a.b.b', 'a.x.y.b', 'a.b.c.d', 'a.', 'a..b'],
  },
  { pattern: '*.b.#', matches: ['a.b', 'x.b', 'a.b.c', 'a.b.b', 'a.b.c.d'] },
  { pattern: '#.c', matches: ['c', 'a.c', 'a.b.c'] },
  { pattern: '*.#.*', matches: TWO_OR_MORE_WORDS },
  { pattern: 'a.b.c', matches: ['a.b.c'] },
  {
    pattern: '#.a.#',
    matches: [
      'a',
      'a.b',
      'a.c',
      'b.a',
      'a.b.c',
      'a.x.b',
      'a.b.b',
      'a.x.y.b',
      'a.b.c.d',
      'a.',
      '.a',
      'a..b',
    ],
  },
];

describe.each(brokersUnderTest())('routing on $name', ({ transport }) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(transport);
  });
  afterEach(() => session.cleanup());

  it('matches topic patterns exactly as the table says', async () => {
    const channel = await session.confirmChannel();
    const exchange = await session.topicExchange(channel, 'topic-table');
    const queues = new Map<string, string>();
    for (const { pattern } of TOPIC_TABLE) {
      const queue = session.queue(uniqueName('topic'));
      await channel.assertQueue(queue, { durable: false });
      await channel.bindQueue(queue, exchange, pattern);
      queues.set(pattern, queue);
    }
    for (const key of KEYS) channel.publish(exchange, key, Buffer.from(key), {}, () => {});
    await channel.waitForConfirms();

    const reader = await session.channel();
    for (const { pattern, matches } of TOPIC_TABLE) {
      const queue = queues.get(pattern)!;
      const { messageCount } = await reader.checkQueue(queue);
      expect(messageCount, `messages bound with '${pattern}'`).toBe(matches.length);
      const collector = await session.collect(reader, queue, () => {}, { noAck: true });
      await collector.waitForCount(matches.length);
      expect(collector.bodies().sort(), `keys matched by '${pattern}'`).toEqual(
        [...matches].sort(),
      );
      expect(collector.messages.map((m) => m.fields.routingKey).sort()).toEqual(
        [...matches].sort(),
      );
    }
  });

  it('routes CC and BCC keys to the union of matched queues, once each, keeping the key', async () => {
    const channel = await session.confirmChannel();
    const exchange = await session.topicExchange(channel, 'cc');
    const bindings = {
      primary: 'primary.#',
      routeX: 'route.x',
      routeY: 'route.y',
      hidden: 'route.z',
      everything: '#',
      none: 'unrelated',
    };
    const queues: Record<string, string> = {};
    for (const [name, pattern] of Object.entries(bindings)) {
      queues[name] = session.queue(uniqueName(`cc-${name}`));
      await channel.assertQueue(queues[name], { durable: false });
      await channel.bindQueue(queues[name], exchange, pattern);
    }
    const options = { CC: ['route.x', 'route.y'], BCC: 'route.z' } as PublishOptions;
    channel.publish(exchange, 'primary.key', Buffer.from('cc'), options, () => {});
    await channel.waitForConfirms();

    const reader = await session.channel();
    const expected = { primary: 1, routeX: 1, routeY: 1, hidden: 1, everything: 1, none: 0 };
    for (const [name, count] of Object.entries(expected)) {
      expect((await reader.checkQueue(queues[name]!)).messageCount, name).toBe(count);
    }
    const collector = await session.collect(reader, queues.hidden!);
    const [message] = await collector.waitForCount(1);
    expect(message!.fields.routingKey).toBe('primary.key');
    expect(message!.properties.headers).toEqual({ CC: ['route.x', 'route.y'] });
  });

  it('delivers through the default exchange by queue name, CC included', async () => {
    const channel = await session.confirmChannel();
    const first = session.queue(uniqueName('default-first'));
    const second = session.queue(uniqueName('default-second'));
    await channel.assertQueue(first, { durable: false });
    await channel.assertQueue(second, { durable: false });
    channel.sendToQueue(first, Buffer.from('one'), {}, () => {});
    channel.publish('', first, Buffer.from('two'), { CC: second }, () => {});
    channel.publish('', uniqueName('nobody'), Buffer.from('lost'), {}, () => {});
    await channel.waitForConfirms();

    const reader = await session.channel();
    const collector = await session.collect(reader, first, (m) => reader.ack(m));
    await collector.waitForCount(2);
    expect(collector.bodies()).toEqual(['one', 'two']);
    expect(collector.messages.map((m) => [m.fields.exchange, m.fields.routingKey])).toEqual([
      ['', first],
      ['', first],
    ]);
    expect((await reader.checkQueue(second)).messageCount).toBe(1);
  });

  it('delivers a message with the fields and properties amqplib decodes', async () => {
    const channel = await session.channel();
    const queue = session.queue(uniqueName('shape'));
    await channel.assertQueue(queue, { durable: false });
    channel.sendToQueue(queue, Buffer.from('{"a":1}'), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {
        n: 1,
        big: 100_000,
        f: 1.5,
        s: 'x',
        yes: true,
        list: [1, 'two'],
        table: { k: 'v' },
      },
      persistent: true,
      messageId: 'message-1',
      correlationId: 'correlation-1',
      timestamp: 1_700_000_000,
      expiration: 60_000,
      type: 'kind',
      appId: 'app',
    });
    const collector = await session.collect(channel, queue, (m) => channel.ack(m));
    const [message] = await collector.waitForCount(1);
    expect(message!.content.toString()).toBe('{"a":1}');
    expect(message!.fields).toEqual({
      consumerTag: collector.consumerTag,
      deliveryTag: 1,
      redelivered: false,
      exchange: '',
      routingKey: queue,
    });
    expect(message!.properties).toStrictEqual({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {
        n: 1,
        big: 100_000,
        f: 1.5,
        s: 'x',
        yes: true,
        list: [1, 'two'],
        table: { k: 'v' },
      },
      deliveryMode: 2,
      priority: undefined,
      correlationId: 'correlation-1',
      replyTo: undefined,
      expiration: '60000',
      messageId: 'message-1',
      timestamp: 1_700_000_000,
      type: 'kind',
      userId: undefined,
      appId: 'app',
      clusterId: undefined,
    });
  });
});

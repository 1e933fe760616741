/**
 * What only the in-memory broker has: inspection (queues, bindings, unacked counts, queued
 * messages), simulated faults (consumer cancel, resource alarm, a throwing callback), and
 * volume (100k messages through one queue, a large requeue in order).
 */

import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import type { Delivery } from '../../src/broker/transport.js';
import { defineExchange } from '../../src/consumer/publisher.js';
import { connect } from '../../src/consumer/pulse.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { waitFor } from './session.js';

describe('in-memory broker', () => {
  it('shows queues, bindings, unacked counts and queued messages', async () => {
    const broker = createMemoryBroker();
    const connection = await broker.connect();
    const channel = await connection.createChannel();
    await channel.assertExchange('events', 'topic', { durable: false });
    await channel.assertQueue('work', { durable: true, messageTtl: 60_000 });
    await channel.bindQueue('work', 'events', 'task.#');
    await channel.bindQueue('work', 'events', 'route.#');
    channel.publish('events', 'task.a', Buffer.from('1'), { CC: 'route.x' });
    channel.publish('events', 'task.b', Buffer.from('2'));
    await broker.idle();

    expect(broker.exchanges().map((e) => e.name)).toEqual(
      expect.arrayContaining(['amq.topic', 'amq.direct', 'amq.fanout', 'events']),
    );
    expect(broker.bindings('work')).toEqual([
      { exchange: 'events', queue: 'work', pattern: 'task.#' },
      { exchange: 'events', queue: 'work', pattern: 'route.#' },
    ]);
    expect(broker.messages('work').map((m) => [m.routingKey, m.content.toString()])).toEqual([
      ['task.a', '1'],
      ['task.b', '2'],
    ]);
    expect(broker.messages('work')[0]!.properties.headers).toEqual({ CC: ['route.x'] });

    await channel.prefetch(1);
    const received: Delivery[] = [];
    await channel.consume('work', (message) => {
      if (message) received.push(message);
    });
    await waitFor('one delivery', () => received.length === 1);
    await broker.idle();
    expect(broker.queue('work')).toEqual({
      name: 'work',
      type: 'classic',
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: { 'x-message-ttl': 60_000 },
      messageCount: 1,
      unackedCount: 1,
      consumerCount: 1,
    });
    expect(broker.queue('missing')).toBeUndefined();
    expect(broker.connectionCount).toBe(1);
    await connection.close();
    expect(broker.connectionCount).toBe(0);
    expect(broker.queue('work')).toMatchObject({
      messageCount: 2,
      unackedCount: 0,
      consumerCount: 0,
    });
  });

  it('cancels consumers and deletes queues on request, telling the consumers', async () => {
    const broker = createMemoryBroker();
    const connection = await broker.connect();
    const channel = await connection.createChannel();
    await channel.assertQueue('a', { durable: false });
    await channel.assertQueue('b', { durable: false });
    const cancelled: string[] = [];
    await channel.consume('a', (m) => m === null && cancelled.push('a'));
    await channel.consume('b', (m) => m === null && cancelled.push('b'));
    expect(broker.cancelConsumers('a')).toBe(1);
    expect(broker.deleteQueue('b')).toBe(true);
    expect(broker.deleteQueue('b')).toBe(false);
    await waitFor('both cancels', () => cancelled.length === 2);
    expect(cancelled).toEqual(['a', 'b']);
    expect(broker.queue('a')).toMatchObject({ consumerCount: 0 });
    await connection.close();
  });

  it('holds a publishing connection while blocked, then lets it through', async () => {
    const broker = createMemoryBroker();
    const connection = await broker.connect();
    const events: string[] = [];
    connection.on('blocked', (reason) => events.push(`blocked: ${reason}`));
    connection.on('unblocked', () => events.push('unblocked'));
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue('q', { durable: false });
    broker.block('disk low');
    await waitFor('the blocked event', () => events.length === 1);
    let confirmed = false;
    channel.sendToQueue('q', Buffer.from('held'), {}, () => {
      confirmed = true;
    });
    await broker.idle();
    expect(confirmed).toBe(false);
    expect(broker.queue('q')!.messageCount).toBe(0);
    broker.unblock();
    await channel.waitForConfirms();
    expect(confirmed).toBe(true);
    expect(events).toEqual(['blocked: disk low', 'unblocked']);
    expect(broker.queue('q')!.messageCount).toBe(1);
    await connection.close();
  });

  it("drives the publisher's flow control: blocked, held, then published", async () => {
    const broker = createMemoryBroker();
    const pulse = connect({ broker: broker.transport(), namespace: 'flow' });
    const statuses: PulseStatus[] = [];
    pulse.status$.subscribe((status) => statuses.push(status));
    await pulse.connected();
    const exchange = defineExchange('flow', 'v1/events', [
      { name: 'kind', multipleWords: false, required: true },
    ]);
    const setup = await (await broker.connect()).createChannel();
    await setup.assertExchange(exchange.exchange, 'topic', { durable: false });
    await setup.assertQueue('seen', { durable: false });
    await setup.bindQueue('seen', exchange.exchange, '#');
    const publisher = pulse.publisher();
    broker.block('memory alarm');
    await waitFor('blocked', () => publisher.blocked);
    const published = publisher.publish(exchange, { payload: { a: 1 }, routing: { kind: 'k' } });
    await broker.idle();
    expect(broker.queue('seen')!.messageCount).toBe(0);
    broker.unblock();
    await published;
    expect(broker.queue('seen')!.messageCount).toBe(1);
    expect(statuses).toEqual(
      expect.arrayContaining([{ type: 'blocked', reason: 'memory alarm' }, { type: 'unblocked' }]),
    );
    await pulse.close();
  });

  it('kills the connection when a consumer callback throws, as amqplib does', async () => {
    const broker = createMemoryBroker();
    const connection = await broker.connect();
    const errors: Error[] = [];
    let closedWith: Error | undefined;
    connection.on('error', (error) => errors.push(error));
    connection.on('close', (error?: Error) => {
      closedWith = error;
    });
    const channel = await connection.createChannel();
    await channel.assertQueue('q', { durable: false });
    channel.sendToQueue('q', Buffer.from('boom'));
    await channel.consume('q', () => {
      throw new Error('handler bug');
    });
    await waitFor('the connection to close', () => closedWith !== undefined);
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    expect(closedWith?.message).toBe('handler bug');
    expect(broker.queue('q')).toMatchObject({ messageCount: 1, unackedCount: 0 });
    expect(broker.messages('q')[0]!.redelivered).toBe(true);
  });

  it('moves 100,000 messages through one queue in order, and requeues 10,000 in order', async () => {
    const broker = createMemoryBroker();
    const connection = await broker.connect();
    const channel = await connection.createChannel();
    await channel.assertQueue('bulk', { durable: false });
    const total = 100_000;
    for (let i = 0; i < total; i += 1) channel.sendToQueue('bulk', Buffer.from(String(i)));
    await channel.prefetch(100);
    let next = 0;
    let inOrder = true;
    await channel.consume('bulk', (message) => {
      if (message === null) return;
      if (Number(message.content.toString()) !== next) inOrder = false;
      next += 1;
      channel.ack(message);
    });
    await waitFor('every message', () => next === total);
    expect(inOrder).toBe(true);
    expect(broker.queue('bulk')).toMatchObject({ messageCount: 0, unackedCount: 0 });

    const holder = await connection.createChannel();
    const requeued = 10_000;
    await holder.assertQueue('other', { durable: false });
    for (let i = 0; i < requeued; i += 1) channel.sendToQueue('other', Buffer.from(String(i)));
    let held = 0;
    await holder.consume('other', () => {
      held += 1;
    });
    await waitFor('every message held', () => held === requeued);
    await holder.close();
    const bodies = broker.messages('other').map((m) => Number(m.content.toString()));
    expect(bodies).toEqual(Array.from({ length: requeued }, (_, i) => i));
    expect(broker.messages('other').every((m) => m.redelivered)).toBe(true);
    await connection.close();
  }, 60_000);
});

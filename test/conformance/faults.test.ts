/**
 * Fault conformance: a connection closed by the broker (an operator's action) reports a 320
 * through `close` without an `error`, closes its channels, loses its exclusive queues, and its
 * unacked messages come back redelivered, on both brokers.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brokersUnderTest } from './brokers.js';
import { Session, uniqueName, waitFor } from './session.js';

describe.each(brokersUnderTest())('faults on $name', (broker) => {
  let session: Session;
  beforeEach(() => {
    session = new Session(broker.transport);
  });
  afterEach(() => session.cleanup());

  it('closes a connection from the broker side: 320, channels closed, unacked redelivered', async () => {
    const connection = await broker.transport.connect();
    const events: string[] = [];
    let closeError: (Error & { code?: number }) | undefined;
    connection.on('error', () => events.push('connection error'));
    connection.on('close', (error?: Error) => {
      events.push('connection close');
      closeError = error;
    });
    const channel = await connection.createChannel();
    channel.on('close', () => events.push('channel close'));
    const queue = session.queue(uniqueName('forced'));
    await channel.assertQueue(queue, { durable: false });
    const { queue: exclusive } = await channel.assertQueue('', { exclusive: true });
    for (const body of ['a', 'b', 'c']) channel.sendToQueue(queue, Buffer.from(body));
    const held = await session.collect(channel, queue);
    await held.waitForCount(3);

    expect(await broker.closeConnections()).toBe(1);
    await waitFor('the connection to close', () => events.includes('connection close'));
    expect(events).toEqual(['channel close', 'connection close']);
    expect(closeError?.code).toBe(320);
    expect(closeError?.message).toMatch(
      /^Connection closed: 320 \(CONNECTION-FORCED\) with message "CONNECTION_FORCED - /,
    );
    await expect(connection.createChannel()).rejects.toMatchObject({
      name: 'IllegalOperationError',
    });

    const other = await session.channel();
    await expect(other.checkQueue(exclusive)).rejects.toMatchObject({ code: 404 });
    const reader = await session.channel();
    const again = await session.collect(reader, queue, (m) => reader.ack(m));
    await again.waitForCount(3);
    expect(again.messages.map((m) => [m.content.toString(), m.fields.redelivered])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
  });

  it('closes the whole connection with 530 when a consumer tag is reused', async () => {
    const connection = await broker.transport.connect();
    const events: string[] = [];
    let closeError: (Error & { code?: number }) | undefined;
    connection.on('error', (error: Error & { code?: number }) =>
      events.push(`error ${error.code}`),
    );
    connection.on('close', (error?: Error) => {
      events.push('connection close');
      closeError = error;
    });
    const channel = await connection.createChannel();
    channel.on('error', () => events.push('channel error'));
    channel.on('close', () => events.push('channel close'));
    const queue = session.queue(uniqueName('reused-tag'));
    await channel.assertQueue(queue, { durable: false });
    await channel.consume(queue, () => {}, { consumerTag: 'same' });
    await expect(channel.consume(queue, () => {}, { consumerTag: 'same' })).rejects.toThrow(
      'Channel ended, no reply will be forthcoming',
    );
    await waitFor('the connection to close', () => events.includes('connection close'));
    expect(events).toEqual(['error 530', 'channel close', 'connection close']);
    expect(closeError?.message).toBe(
      `Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - attempt to reuse consumer tag 'same'"`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { AmqpTransport, parseBrokerUrl } from '../../src/consumer/amqp-transport.js';
import { reconnectDelay } from '../../src/consumer/backoff.js';
import { redact } from '../../src/consumer/errors.js';
import { queueNames } from '../../src/consumer/names.js';
import { RECONNECT_MAX_DELAY_MS, RECONNECT_MIN_DELAY_MS } from '../../src/consumer/options.js';
import { checkHandlerOptions } from '../../src/consumer/validate.js';
import { InputError } from '../../src/errors.js';
import { RoutingKeyError } from '../../src/exchanges/routing-key.js';
import { buildRoutingKey } from '../../src/exchanges/routing-key-builder.js';
import { TASK_FIELDS } from './fixtures.js';

describe('broker URLs', () => {
  it.each([
    [
      'amqps://user:p%40ss@pulse.example.com/vhost',
      {
        protocol: 'amqps',
        hostname: 'pulse.example.com',
        vhost: 'vhost',
        username: 'user',
        password: 'p@ss',
      },
    ],
    ['amqp://127.0.0.1:5673', { protocol: 'amqp', hostname: '127.0.0.1', port: 5673 }],
    ['amqp://[::1]:5672/%2Ff', { protocol: 'amqp', hostname: '::1', port: 5672, vhost: '/f' }],
  ])('parses %s', (url, expected) => {
    expect(parseBrokerUrl(url)).toEqual(expected);
  });

  it.each(['http://u:secret@host', 'amqp//u:secret@host', 'ws://u:secret@host/'])(
    'refuses %s with an error that does not echo it',
    (url) => {
      let caught: unknown;
      try {
        parseBrokerUrl(url);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect(String(caught)).not.toContain('secret');
    },
  );

  it('describes the broker without the password, with the default port and vhost', () => {
    const transport = new AmqpTransport({ broker: 'amqps://me:hunter2@pulse.example.com' });
    expect(transport.description).toBe('amqps://me@pulse.example.com:5671/%2F');
    expect(new AmqpTransport({ broker: { hostname: 'h', protocol: 'amqp' } }).description).toBe(
      'amqp://h:5672/%2F',
    );
  });

  it('redacts secrets, also URL-encoded ones', () => {
    expect(redact(new Error('login p@ss failed for p%40ss'), ['p@ss'])).toBe(
      'login *** failed for ***',
    );
  });
});

describe('reconnect delays', () => {
  it('grow exponentially, are jittered, capped, and never below the minimum', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect(reconnectDelay(1, {}, low)).toBeGreaterThanOrEqual(RECONNECT_MIN_DELAY_MS);
    expect(reconnectDelay(3, { baseDelay: 100 }, low)).toBe(300);
    expect(reconnectDelay(3, { baseDelay: 100 }, high)).toBe(500);
    expect(reconnectDelay(50, {}, high)).toBe(RECONNECT_MAX_DELAY_MS);
    expect(reconnectDelay(1, { baseDelay: 1, minDelay: 50 }, low)).toBe(50);
  });
});

describe('publish routing keys', () => {
  it.each([
    [{ taskId: 'abc' }, 'primary.abc._._'],
    [{ taskId: 'abc', workerType: 'w', reserved: 'a.b.c' }, 'primary.abc.w.a.b.c'],
    [{ taskId: 7 }, 'primary.7._._'],
  ])('builds %j as %s', (values, key) => {
    expect(buildRoutingKey(TASK_FIELDS, values)).toBe(key);
  });

  it.each([
    [{}, /required/],
    [{ taskId: 'a.b' }, /single word/],
    [{ taskId: '' }, /empty/],
    [{ taskId: 'a', routingKeyKind: 'other' }, /constant/],
    [{ taskId: 'a', nope: 'x' }, /unknown/],
    [{ taskId: 'x'.repeat(300) }, /255 bytes/],
  ])('refuses %j', (values, message) => {
    expect(() => buildRoutingKey(TASK_FIELDS, values)).toThrow(RoutingKeyError);
    expect(() => buildRoutingKey(TASK_FIELDS, values)).toThrow(message);
  });
});

describe('consumer options', () => {
  const binding = { exchange: 'exchange/x/y', routingKeyPattern: '#' };
  it.each([
    [{ bindings: [] }, /bindings/],
    [{ bindings: [{ exchange: '', routingKeyPattern: '#' }] }, /exchange/],
    [{ bindings: [binding], prefetch: 0 }, /prefetch/],
    [
      { bindings: [binding], prefetch: 4, concurrency: 8 },
      /concurrency \(8\) must not exceed prefetch \(4\)/,
    ],
    [{ bindings: [binding], retryDelay: -1 }, /retryDelay/],
    [{ bindings: [binding], queueType: 'stream' }, /queueType/],
    // String() of this throws a TypeError; the check must still be an InputError.
    [{ bindings: [binding], queueType: { toString: [] } }, /queueType .* got an object/],
    [{ bindings: [binding], prefetch: { toString: [] } }, /prefetch .* got an object/],
    [{ bindings: [binding], overflow: 'drop-tail' }, /overflow must be "drop-head"/],
    [
      { bindings: [binding], queueName: 'q', overflow: 'reject-publish-dlx' },
      /"reject-publish-dlx" is for classic queues/,
    ],
    [{ bindings: [binding], singleActiveConsumer: true }, /singleActiveConsumer needs a durable/],
    [{ bindings: [binding], queueName: 'q', singleActiveConsumer: 'yes' }, /true or false/],
    [{ bindings: [binding], queueName: 'q', deliveryLimit: 0 }, /deliveryLimit must be a positive/],
    [{ bindings: [binding], deliveryLimit: 3 }, /deliveryLimit is for quorum queues/],
    [
      { bindings: [binding], queueName: 'q', queueType: 'classic', deliveryLimit: 3 },
      /deliveryLimit is for quorum queues/,
    ],
  ])('refuses %j', (options, message) => {
    expect(() => checkHandlerOptions(options as never)).toThrow(InputError);
    expect(() => checkHandlerOptions(options as never)).toThrow(message);
  });

  it.each([
    [{ queueName: 'q', queueType: 'classic', overflow: 'reject-publish-dlx' }],
    [{ queueName: 'q', singleActiveConsumer: true, deliveryLimit: 5, overflow: 'drop-head' }],
    [{ singleActiveConsumer: false }],
  ])('takes %j', (options) => {
    expect(() => checkHandlerOptions({ bindings: [binding], ...options } as never)).not.toThrow();
  });

  it('names a durable queue and its companions in the namespace', () => {
    expect(queueNames('me', 'bot')).toEqual({
      work: 'queue/me/bot',
      dead: 'queue/me/bot/dead',
      retry: 'queue/me/bot/retry',
      manifest: 'queue/me/bot/bindings',
    });
  });
});

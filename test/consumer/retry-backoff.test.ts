import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../src/consumer/backoff.js';
import { RetryDelayError } from '../../src/consumer/errors.js';
import { RETRY_DELAY_FAILED_REASON } from '../../src/consumer/handler.js';
import {
  ATTEMPTS_HEADER,
  DEAD_ERROR_HEADER,
  DEAD_REASON_HEADER,
} from '../../src/consumer/message.js';
import {
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  type RetryDelayFunction,
} from '../../src/consumer/options.js';
import type { PulseStatus } from '../../src/consumer/status.js';
import { checkHandlerOptions } from '../../src/consumer/validate.js';
import { InputError } from '../../src/errors.js';
import { drainQueue, unique, waitFor } from '../support/rabbitmq.js';
import { type Fixture, fixturePerTest, nextStatus } from './fixtures.js';

const { setUp, queues } = fixturePerTest();
const binding = { exchange: 'exchange/x/y', routingKeyPattern: '#' };

describe('exponentialBackoff', () => {
  const low = () => 0;
  const middle = () => 0.5;
  const high = () => 0.999_999;
  it.each([
    // [options, random, attempt, expected ms]
    [{}, middle, 1, DEFAULT_RETRY_DELAY_MS],
    [{}, middle, 2, 20_000],
    [{}, middle, 4, 80_000],
    [{}, low, 1, 8_000],
    [{}, high, 1, 12_000],
    [{}, middle, 10, DEFAULT_RETRY_MAX_DELAY_MS],
    // Jitter never lifts a delay above the cap.
    [{}, high, 30, DEFAULT_RETRY_MAX_DELAY_MS],
    [{ base: 100, max: 1_000, jitter: 0 }, high, 3, 400],
    [{ base: 100, max: 1_000, jitter: 0 }, high, 5, 1_000],
    [{ base: 0 }, high, 3, 0],
  ])('with %j and random %o, attempt %i waits %i ms', (options, random, attempt, expected) => {
    expect(exponentialBackoff({ ...options, random })(attempt, new Error('x'))).toBe(expected);
  });

  it.each([
    [{ base: -1 }, /base must be a non-negative/],
    [{ max: Number.NaN }, /max must be a non-negative/],
    [{ base: 1_000, max: 10 }, /max \(10\) must not be below base \(1000\)/],
    [{ jitter: 1.5 }, /jitter must be between 0 and 1/],
  ])('refuses %j', (options, message) => {
    expect(() => exponentialBackoff(options)).toThrow(InputError);
    expect(() => exponentialBackoff(options)).toThrow(message);
  });
});

describe('retryDelay at handle()', () => {
  it.each<[string, unknown, RegExp]>([
    ['a negative number', -1, /retryDelay must be a number of ms from 0/],
    ['NaN', Number.NaN, /retryDelay must be a number of ms from 0/],
    ['Infinity', Number.POSITIVE_INFINITY, /retryDelay must be a number of ms from 0/],
    ['a string', '10s', /retryDelay must be a number of ms or a function/],
    [
      'a function that throws',
      () => {
        throw new Error('no delay');
      },
      /retryDelay for attempt 1 threw: no delay/,
    ],
    ['a function returning NaN', () => Number.NaN, /attempt 1 returned NaN, not a number/],
    ['a function returning a string', () => '5', /attempt 1 returned "5", not a number/],
    [
      'a function negative from attempt 3',
      (attempt: number) => 1_000 - attempt * 400,
      /attempt 3 returned -200, outside 0\.\./,
    ],
    [
      'a function above the longest timer',
      () => MAX_RETRY_DELAY_MS + 1,
      /attempt 1 returned 2147483648, outside/,
    ],
  ])('refuses %s with an InputError caused by a RetryDelayError', (_, retryDelay, message) => {
    let caught: unknown;
    try {
      checkHandlerOptions({ bindings: [binding], retryDelay } as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(message);
    if (typeof retryDelay === 'function') {
      expect((caught as Error).cause).toBeInstanceOf(RetryDelayError);
    }
  });

  it('asks a function about each attempt that can be retried, and no other', () => {
    const asked: number[] = [];
    checkHandlerOptions({
      bindings: [binding],
      maxAttempts: 4,
      retryDelay: (attempt: number) => {
        asked.push(attempt);
        return 10;
      },
    } as never);
    expect(asked).toEqual([1, 2, 3]);
  });
});

/** A durable runner whose handler always fails, one message published to it. */
async function failingRunner(f: Fixture, retryDelay: RetryDelayFunction, maxAttempts = 5) {
  const name = unique('backoff');
  const queue = `queue/${f.namespace}/${name}`;
  queues.push(queue);
  const attempts: number[] = [];
  const runner = f.pulse.handle(
    { queueName: name, bindings: [f.taskBinding({ taskId: 'b' })], maxAttempts, retryDelay },
    (message) => {
      attempts.push(message.attempt);
      throw new Error(`attempt ${message.attempt} fails`);
    },
  );
  await runner.ready;
  await f.pulse
    .publisher()
    .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'b' } });
  return { runner, queue, attempts };
}

describe('retry delays on RabbitMQ', () => {
  it("gives each retry copy the function's delay for its attempt as its TTL", async () => {
    const f = await setUp();
    const seen: Array<[number, string]> = [];
    // Short for the first two attempts, then long: the third copy waits in /retry to be read.
    const { runner, queue, attempts } = await failingRunner(f, (attempt, error) => {
      seen.push([attempt, (error as Error).message]);
      return attempt < 3 ? 50 * attempt : 600_000;
    });
    await waitFor(() => attempts.length === 3, 'three attempts');
    await waitFor(() => f.pulse.metrics.counts.retried === 3, 'the third retry sent');
    await runner.close();
    const waiting = await drainQueue(`${queue}/retry`);
    expect(
      waiting.map((m) => [m.properties.expiration, m.properties.headers?.[ATTEMPTS_HEADER]]),
    ).toEqual([['600000', 3]]);
    // handle() probes attempts 1 to 4 with its own error first; then the real failures.
    expect(seen.slice(4)).toEqual([
      [1, 'attempt 1 fails'],
      [2, 'attempt 2 fails'],
      [3, 'attempt 3 fails'],
    ]);
  });

  it('dead-letters a message whose delay the function cannot give, and says why', async () => {
    const f = await setUp();
    // Fine when handle() probes it; throws for the handler's real error.
    const { runner, queue, attempts } = await failingRunner(f, (attempt, error) => {
      if ((error as Error).message.includes('fails')) throw new Error('the delay table is empty');
      return 10 * attempt;
    });
    await waitFor(() => f.pulse.metrics.counts.deadLettered === 1, 'the message dead-lettered');
    await runner.close();
    expect(attempts).toEqual([1]);
    const dead = await drainQueue(`${queue}/dead`);
    expect(dead).toHaveLength(1);
    const headers = dead[0]!.properties.headers!;
    expect(headers[DEAD_REASON_HEADER]).toBe(RETRY_DELAY_FAILED_REASON);
    expect(headers[ATTEMPTS_HEADER]).toBe(1);
    expect(headers[DEAD_ERROR_HEADER]).toBe(
      'retryDelay for attempt 1 threw: the delay table is empty; the handler failed with: attempt 1 fails',
    );
    expect(JSON.parse(dead[0]!.content.toString())).toEqual({ kind: 'task', n: 1 });
  });

  it('on an exclusive queue, reports such a message dropped with that reason', async () => {
    const f = await setUp();
    const statuses: PulseStatus[] = [];
    const subscription = f.pulse.status$.subscribe((status) => statuses.push(status));
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      {
        bindings: [f.taskBinding({ taskId: 'e' })],
        retryDelay: (_, error) => ((error as Error).message === 'real' ? Number.NaN : 10),
      },
      () => {
        throw new Error('real');
      },
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 2 }, routing: { taskId: 'e' } });
    await waitFor(() => statuses.some((s) => s.type === 'message-dropped'), 'the drop reported');
    await runner.close();
    subscription.unsubscribe();
    expect(statuses.filter((s) => s.type === 'message-dropped')).toEqual([
      { type: 'message-dropped', queue: expect.any(String), reason: RETRY_DELAY_FAILED_REASON },
    ]);
  });
});

/**
 * Handler and message faults on the real broker: handlers that throw (always, or twice), hang
 * past the handler timeout (once, or always), ack twice, or reject after shutdown began; poison
 * messages of every kind (not JSON, wrong content type, unknown exchange, a routing key with the
 * wrong number of words, JSON that fails the exchange's schema, a large message, one above the
 * broker's limit). The consumer keeps going; each message ends handled or dead-lettered with
 * its reason, and the counts reconcile.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { PublishError } from '../../src/consumer/errors.js';
import type { HandlerRunner } from '../../src/consumer/handler.js';
import { HANDLER_FAILED_REASON } from '../../src/consumer/handler.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/consumer/options.js';
import { rawConnection, waitFor } from '../support/rabbitmq.js';
import { queueCounts, waitForEmptyQueue } from './support/broker.js';
import { capturingLogger, rejectionOf } from './support/leak-scan.js';
import { recordCounts } from './support/report.js';
import { drainDeadLetters, type Scenario, startScenario } from './support/scenario.js';

const MAX_ATTEMPTS = 3;
const HANDLER_TIMEOUT_MS = 500;
const RETRY_DELAY_MS = 200;
/** Far above a usual message, below the consumer's limit ({@link DEFAULT_MAX_MESSAGE_BYTES}). */
const LARGE_BYTES = 4 * 1024 * 1024;
/** Above the consumer's limit, below RabbitMQ's default `max_message_size` (128 MiB). */
const TOO_LARGE_BYTES = DEFAULT_MAX_MESSAGE_BYTES + 1;
/** Above RabbitMQ's default `max_message_size`. */
const OVERSIZED_BYTES = 129 * 1024 * 1024;

type Mode =
  | 'ok'
  | 'throw-always'
  | 'throw-twice'
  | 'hang-once'
  | 'hang-always'
  | 'ack-twice'
  | 'schema'
  | 'large'
  | 'too-large';

/** What must become of each kind of message. */
const EXPECTED: Record<string, { end: 'handled' | 'dead'; reason?: string; attempts?: number }> = {
  ok: { end: 'handled', attempts: 1 },
  'throw-always': { end: 'dead', reason: HANDLER_FAILED_REASON, attempts: MAX_ATTEMPTS },
  'throw-twice': { end: 'handled', attempts: 3 },
  'hang-once': { end: 'handled', attempts: 2 },
  'hang-always': { end: 'dead', reason: HANDLER_FAILED_REASON, attempts: MAX_ATTEMPTS },
  'ack-twice': { end: 'handled', attempts: 1 },
  schema: { end: 'dead', reason: 'schema-mismatch' },
  large: { end: 'handled', attempts: 1 },
  'too-large': { end: 'dead', reason: 'too-large' },
  'not-json': { end: 'dead', reason: 'not-json' },
  'wrong-content-type': { end: 'dead', reason: 'wrong-content-type' },
  'unknown-exchange': { end: 'dead', reason: 'unknown-exchange' },
  'bad-routing-key': { end: 'dead', reason: 'bad-routing-key' },
};

/** Padding by mode. */
const PAD_BYTES: Partial<Record<Mode, number>> = {
  large: LARGE_BYTES,
  'too-large': TOO_LARGE_BYTES,
};

/** The task exchange's message schema, as the consumer is told it. */
const TASK_SCHEMA = {
  type: 'object',
  required: ['kind', 'n'],
  properties: { kind: { const: 'task' }, n: { type: 'number' } },
};

let scenario: Scenario | undefined;
let runners: HandlerRunner[] = [];
const queueName = 'faults';
afterEach(async () => {
  await Promise.all(runners.map((runner) => runner.close(1_000)));
  runners = [];
  await scenario?.cleanup(queueName);
  scenario = undefined;
});

describe('handler and message faults', () => {
  it('every message ends handled or dead-lettered with its reason; the consumer keeps going', async () => {
    const s = await startScenario();
    scenario = s;
    const attempts = new Map<string, number[]>();
    const handledIds = new Set<string>();
    const ackResults: boolean[] = [];
    const failureLines: string[] = [];
    const runner = s.pulse.handle(
      {
        queueName,
        // The raw `#` binding also brings keys the task binding's pattern would not match.
        bindings: [s.binding(), { exchange: s.tasks.exchange, routingKeyPattern: '#' }],
        concurrency: 8,
        prefetch: 16,
        maxAttempts: MAX_ATTEMPTS,
        retryDelay: RETRY_DELAY_MS,
        handlerTimeout: HANDLER_TIMEOUT_MS,
        schemas: { [s.tasks.exchange]: TASK_SCHEMA },
        logger: capturingLogger(failureLines),
      },
      async (message) => {
        const id = message.properties.messageId!;
        const payload = message.payload as unknown as { mode: Mode; n: unknown };
        const seen = attempts.get(id) ?? [];
        seen.push(message.attempt);
        attempts.set(id, seen);
        switch (payload.mode) {
          case 'throw-always':
            throw new Error(`always fails (${id})`);
          case 'throw-twice':
            if (message.attempt <= 2) throw new Error('fails twice');
            break;
          case 'hang-once':
            if (message.attempt === 1) await new Promise(() => undefined);
            break;
          case 'hang-always':
            await new Promise(() => undefined);
            break;
          case 'ack-twice':
            ackResults.push(message.ack(), message.ack());
            break;
        }
        handledIds.add(id);
      },
    );
    runners.push(runner);
    await waitFor(() => s.pulse.healthy, 'consuming');

    const publisher = s.publishing.publisher({ deadline: 30_000 });
    const modes: Mode[] = [
      'ok',
      'throw-always',
      'throw-twice',
      'hang-once',
      'hang-always',
      'ack-twice',
      'schema',
      'large',
      'too-large',
    ];
    const expected = new Map<string, string>();
    let next = 0;
    const publishes: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      for (const mode of modes) {
        const id = `m${next++}`;
        expected.set(id, mode);
        const n = mode === 'schema' ? 'not-a-number' : next;
        const pad = 'x'.repeat(PAD_BYTES[mode] ?? 0);
        publishes.push(
          publisher.publish(s.tasks, {
            payload: { kind: 'task', n, mode, pad },
            routing: { taskId: id },
            messageId: id,
          }),
        );
      }
    }
    await Promise.all(publishes);

    // Poison, published as a misbehaving service would, next to the good messages.
    const raw = await rawConnection();
    try {
      const channel = await raw.createConfirmChannel();
      const poison: Array<[string, () => void]> = [];
      for (let round = 0; round < 5; round++) {
        const json = Buffer.from(JSON.stringify({ kind: 'task', n: round }));
        const key = `primary.p${round}._`;
        const type = { contentType: 'application/json' };
        poison.push(
          [
            'not-json',
            () =>
              channel.publish(s.tasks.exchange, key, Buffer.from('{"kind": tas'), {
                ...type,
                messageId: `not-json-${round}`,
              }),
          ],
          [
            'wrong-content-type',
            () =>
              channel.publish(s.tasks.exchange, key, json, {
                contentType: 'text/plain',
                messageId: `wrong-content-type-${round}`,
              }),
          ],
          [
            'unknown-exchange',
            () =>
              channel.sendToQueue(s.queue(queueName), json, {
                ...type,
                messageId: `unknown-exchange-${round}`,
              }),
          ],
          [
            'bad-routing-key',
            () =>
              channel.publish(s.tasks.exchange, `primary.p${round}`, json, {
                ...type,
                messageId: `bad-routing-key-${round}`,
              }),
          ],
        );
        for (const [kind] of poison.slice(-4)) expected.set(`${kind}-${round}`, kind);
      }
      for (const [, send] of poison) send();
      await channel.waitForConfirms();
    } finally {
      await raw.close();
    }

    // Above the broker's limit: refused, the publisher says so, and nothing else is disturbed.
    const oversized = await rejectionOf(
      s.publishing.publisher({ deadline: 3_000 }).publish(s.tasks, {
        payload: { kind: 'task', n: -1, pad: 'x'.repeat(OVERSIZED_BYTES) },
        routing: { taskId: 'oversized' },
      }),
    );
    expect(oversized).toBeInstanceOf(PublishError);

    const dead = `${s.queue(queueName)}/dead`;
    const deadIds = new Map<string, { reason: string; error: string }>();
    const settled = async () => {
      for (const letter of await drainDeadLetters(dead)) {
        deadIds.set(letter.messageId!, { reason: letter.reason, error: letter.error });
      }
      return [...expected.keys()].every((id) => handledIds.has(id) || deadIds.has(id));
    };
    await waitFor(settled, 'every message handled or dead-lettered', 120_000);

    const tally: Record<string, { handled: number; dead: number }> = {};
    for (const [id, kind] of expected) {
      const want = EXPECTED[kind]!;
      const entry = tally[kind] ?? { handled: 0, dead: 0 };
      tally[kind] = entry;
      if (want.end === 'handled') {
        expect(handledIds.has(id), `${id} (${kind}) handled`).toBe(true);
        expect(deadIds.has(id), `${id} (${kind}) not dead-lettered`).toBe(false);
        entry.handled++;
      } else {
        expect(deadIds.get(id)?.reason, `${id} (${kind}) dead-lettered with its reason`).toBe(
          want.reason,
        );
        expect(handledIds.has(id)).toBe(false);
        entry.dead++;
      }
      if (want.attempts !== undefined) {
        expect(Math.max(...(attempts.get(id) ?? [0])), `${id} (${kind}) attempts`).toBe(
          want.attempts,
        );
      }
      // Poison never reaches a handler.
      if (want.reason !== undefined && want.reason !== HANDLER_FAILED_REASON) {
        expect(attempts.has(id)).toBe(false);
      }
    }
    expect(deadIds.get('m1')?.error).toContain('always fails');
    expect(deadIds.get('m4')?.error).toContain(`${HANDLER_TIMEOUT_MS} ms`);
    // The handler's own ack counts once; the runner's later ack is a no-op, not a channel error.
    expect(ackResults.filter((r) => r)).toHaveLength(5);
    expect(ackResults.filter((r) => !r)).toHaveLength(5);
    expect(s.statuses.map((e) => e.status.type)).not.toContain('disconnected');
    expect(runner.healthy).toBe(true);
    // Each failed attempt was logged (and scanned for secrets).
    expect(failureLines.length).toBeGreaterThanOrEqual(s.pulse.metrics.counts.retried);
    await runner.close();
    await waitForEmptyQueue(s.queue(queueName));
    recordCounts('handler-faults', {
      messages: expected.size,
      ...tally,
      poison: s.pulse.metrics.counts.poison,
      retried: s.pulse.metrics.counts.retried,
      deadLettered: s.pulse.metrics.counts.deadLettered,
    });
  });

  it('handlers that reject after shutdown began use up no attempt; the next consumer handles them', async () => {
    const s = await startScenario();
    scenario = s;
    const total = 6;
    const options = {
      queueName,
      bindings: [s.binding()],
      concurrency: total,
      prefetch: total,
      maxAttempts: 2,
    };
    let running = 0;
    const first = s.pulse.handle(options, async (_message, context) => {
      running++;
      await new Promise((_, reject) =>
        context.signal.addEventListener('abort', () => reject(new Error('shutting down'))),
      );
    });
    runners.push(first);
    await waitFor(() => s.pulse.healthy, 'consuming');
    await s.publishRange(0, total);
    await waitFor(() => running === total, 'all running');
    await first.close(5_000);
    // The broker's counts of quorum queues lag a few seconds behind.
    await waitFor(
      async () =>
        JSON.stringify(await queueCounts(s.queue(queueName))) ===
        JSON.stringify({ ready: total, unacked: 0 }),
      'every message back in the queue',
    );

    const attempts: number[] = [];
    const second = s.pulse.handle(options, (message) => {
      attempts.push(message.attempt);
    });
    runners.push(second);
    await waitFor(() => attempts.length === total, 'handled by the next consumer');
    expect(attempts.every((attempt) => attempt === 1)).toBe(true);
    expect(await drainDeadLetters(`${s.queue(queueName)}/dead`)).toEqual([]);
    recordCounts('reject-after-shutdown', {
      messages: total,
      requeued: s.pulse.metrics.counts.requeued,
    });
  });
});

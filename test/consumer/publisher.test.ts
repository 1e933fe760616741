import * as promClient from 'prom-client';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  HandlerTimeoutError,
  PayloadValidationError,
  PublishError,
} from '../../src/consumer/errors.js';
import { DEAD_ERROR_HEADER, DEAD_REASON_HEADER } from '../../src/consumer/message.js';
import { defineExchange } from '../../src/consumer/publisher.js';
import { InputError } from '../../src/errors.js';
import { unique, waitFor, withRawChannel } from '../support/rabbitmq.js';
import { fixturePerTest, nextStatus, TASK_FIELDS } from './fixtures.js';

const { setUp, queues } = fixturePerTest();

const schema = {
  $schema: 'http://json-schema.org/draft-06/schema#',
  type: 'object',
  properties: { kind: { const: 'task' }, n: { type: 'integer', minimum: 0 } },
  required: ['kind', 'n'],
  additionalProperties: false,
};

describe('publisher', () => {
  it('validates payloads against the schema before sending anything', async () => {
    const f = await setUp();
    const checked = defineExchange(f.namespace, 'v1/tasks', TASK_FIELDS, schema);
    const publisher = f.pulse.publisher();
    const before = f.pulse.metrics.counts.published;
    await expect(
      publisher.publish(checked, { payload: { kind: 'task', n: -1 }, routing: { taskId: 'a' } }),
    ).rejects.toThrow(PayloadValidationError);
    await expect(
      publisher.publish(checked, { payload: { kind: 'task' }, routing: { taskId: 'a' } }),
    ).rejects.toThrow(/n/);
    await expect(
      publisher.publish(checked, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'a.b' } }),
    ).rejects.toThrow(/single word/);
    await expect(
      publisher.publish(checked, {
        payload: { kind: 'task', n: 1 },
        routing: { taskId: 'a' },
        routes: [''],
      }),
    ).rejects.toThrow(InputError);
    expect(f.pulse.metrics.counts.published).toBe(before);
    await expect(
      publisher.publish(checked, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'a' } }),
    ).resolves.toEqual({ routed: true });
  });

  it('reports mandatory messages nobody receives as returned, and a missing exchange as an error', async () => {
    const f = await setUp();
    const publisher = f.pulse.publisher({ deadline: 5_000 });
    const returned = firstValueFrom(publisher.returned$);
    const result = await publisher.publish(f.tasks, {
      payload: { kind: 'task', n: 1 },
      routing: { taskId: 'nobody' },
      mandatory: true,
    });
    expect(result).toEqual({ routed: false });
    expect(await returned).toMatchObject({
      exchange: f.tasks.exchange,
      routingKey: 'primary.nobody._._',
    });
    const missing = defineExchange(f.namespace, 'missing', TASK_FIELDS);
    await expect(
      publisher.publish(missing, { payload: {}, routing: { taskId: 'a' } }),
    ).rejects.toThrow(PublishError);
    // The publisher still works afterwards.
    await expect(
      publisher.publish(f.tasks, { payload: { kind: 'task', n: 2 }, routing: { taskId: 'a' } }),
    ).resolves.toEqual({ routed: true });
  });

  it('keeps many confirms outstanding at once, bounded by the window', async () => {
    const f = await setUp();
    const publisher = f.pulse.publisher({ window: 50 });
    let settled = 0;
    const all = Array.from({ length: 500 }, (_, n) =>
      publisher
        .publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'w' } })
        .then(() => settled++),
    );
    // Nothing is confirmed synchronously; all 500 resolve, 50 at a time at most in flight.
    expect(settled).toBe(0);
    await Promise.all(all);
    expect(settled).toBe(500);
    expect(f.pulse.metrics.counts.published).toBe(500);
  });
});

describe('handler extras', () => {
  it('times out a hanging handler, then dead-letters it with the timeout as reason', async () => {
    const f = await setUp();
    const name = unique('timeout');
    const queue = `queue/${f.namespace}/${name}`;
    queues.push(queue);
    const consuming = nextStatus(f.pulse, 'consuming');
    let calls = 0;
    let abortReason: unknown;
    const runner = f.pulse.handle(
      {
        queueName: name,
        bindings: [f.taskBinding({})],
        handlerTimeout: 200,
        maxAttempts: 1,
      },
      async (_message, context) => {
        calls++;
        // Hangs until its signal says the call timed out.
        abortReason = await new Promise((resolve) =>
          context.signal.addEventListener('abort', () => resolve(context.signal.reason)),
        );
      },
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'slow' } });
    await waitFor(() => f.pulse.metrics.counts.deadLettered === 1, 'the dead letter');
    await runner.close(100);
    expect(calls).toBe(1);
    await waitFor(() => abortReason !== undefined, 'the abort');
    expect(abortReason).toBeInstanceOf(HandlerTimeoutError);
    const dead = await withRawChannel(async (channel) => channel.get(`${queue}/dead`));
    expect(dead).not.toBe(false);
    const headers = dead === false ? {} : (dead.properties.headers ?? {});
    expect(headers[DEAD_REASON_HEADER]).toBe('handler-failed');
    expect(headers[DEAD_ERROR_HEADER]).toBe(new HandlerTimeoutError(200).message);
  });

  it('exposes counters as an Observable and in a prom-client registry', async () => {
    const f = await setUp();
    const registry = new promClient.Registry();
    f.pulse.metrics.register(registry, promClient, 'pulse_test');
    const name = unique('metrics');
    queues.push(`queue/${f.namespace}/${name}`);
    const consuming = nextStatus(f.pulse, 'consuming');
    const runner = f.pulse.handle(
      { queueName: name, bindings: [f.taskBinding({})], concurrency: 2 },
      async () => undefined,
    );
    await consuming;
    const publisher = f.pulse.publisher();
    for (let n = 0; n < 5; n++) {
      await publisher.publish(f.tasks, { payload: { kind: 'task', n }, routing: { taskId: 'm' } });
    }
    await waitFor(() => f.pulse.metrics.counts.acked === 5, 'five acks');
    await runner.close();
    const snapshots = await firstValueFrom(f.pulse.metrics.snapshots(10).pipe(take(2), toArray()));
    expect(snapshots[1]).toMatchObject({
      delivered: 5,
      acked: 5,
      handled: 5,
      published: 5,
      inFlight: 0,
    });
    const text = await registry.metrics();
    expect(text).toContain('pulse_test_acked_total 5');
    expect(text).toContain('pulse_test_handled_total 5');
    expect(text).toMatch(/pulse_test_handler_duration_seconds_count 5/);
    expect(text).toContain('pulse_test_in_flight 0');
  });

  it('gives handlers a context whose REST clients need Taskcluster options', async () => {
    const f = await setUp();
    const name = unique('context');
    queues.push(`queue/${f.namespace}/${name}`);
    const consuming = nextStatus(f.pulse, 'consuming');
    const seen: Array<{ task: string; same: boolean; aborted: boolean }> = [];
    const runner = f.pulse.handle(
      {
        queueName: name,
        bindings: [f.taskBinding({})],
        taskcluster: { rootUrl: 'https://tc.example.com' },
      },
      async (_message, context) => {
        const queueClient = context.queue;
        seen.push({
          task: queueClient.buildUrl('task', 'abc'),
          same: context.queue === queueClient,
          aborted: context.signal.aborted,
        });
      },
    );
    await consuming;
    await f.pulse
      .publisher()
      .publish(f.tasks, { payload: { kind: 'task', n: 1 }, routing: { taskId: 'c' } });
    await waitFor(() => seen.length === 1, 'the handler');
    await runner.close();
    expect(seen).toEqual([
      {
        task: 'https://tc.example.com/api/queue/v1/task/abc',
        same: true,
        aborted: false,
      },
    ]);
  });
});

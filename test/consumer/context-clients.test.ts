/**
 * The handler context's REST clients: they stop with the handler (a handler that times out, or
 * whose runner shuts down, has its REST call aborted at once, so that no call keeps running
 * behind a retried or redelivered message), and a handler can be given its own, e.g. fakes.
 * Over the in-memory broker and RabbitMQ, against a slow Hawk-verifying server.
 */
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCallError, TaskclusterAbortError } from '../../src/client/errors.js';
import { Index } from '../../src/client/generated/index-service.js';
import { Queue } from '../../src/client/generated/queue.js';
import type { ClientOptions } from '../../src/client/options.js';
import { ClosedError, HandlerTimeoutError } from '../../src/consumer/errors.js';
import type { HandlerOptions } from '../../src/consumer/options.js';
import { defineExchange, type ExchangeDefinition } from '../../src/consumer/publisher.js';
import { connect, type PulseClient } from '../../src/consumer/pulse.js';
import { InputError } from '../../src/errors.js';
import { buildRoutingKeyPattern } from '../../src/exchanges/routing-key.js';
import type { Binding } from '../../src/exchanges/types.js';
import { type ApiServer, startApiServer } from '../../src/testing/api-server.js';
import { simulatedTaskDefinition } from '../../src/testing/task-definition.js';
import { brokersUnderTest } from '../conformance/brokers.js';
import { Session, uniqueName, waitFor } from '../conformance/session.js';
import { PERMANENT } from '../fixtures/fake-service-server.js';
import { type Arrivals, type HeldApiRequest, slowRoute } from '../support/slow-http.js';
import { TASK_FIELDS } from './fixtures.js';

type Payload = { n: number };

describe.each(brokersUnderTest())('handler context clients on $name', (broker) => {
  let session: Session;
  let server: ApiServer;
  /** `queue.task` answers only when released. */
  let slowTasks: Arrivals<HeldApiRequest>;
  let tasks: ExchangeDefinition;
  let pulse: PulseClient;
  let taskcluster: ClientOptions;

  beforeEach(async () => {
    session = new Session(broker.transport);
    server = await startApiServer({
      clients: {
        [PERMANENT.clientId]: { accessToken: PERMANENT.accessToken, scopes: ['queue:*'] },
      },
    });
    slowTasks = slowRoute(server, 'queue', 'get', '/task/<taskId>');
    taskcluster = { rootUrl: server.rootUrl, credentials: PERMANENT };
    const namespace = uniqueName('ns');
    tasks = defineExchange(namespace, 'v1/tasks', TASK_FIELDS);
    const channel = await session.channel();
    await channel.assertExchange(tasks.exchange, 'topic', { durable: false });
    session.exchange(tasks.exchange);
    pulse = connect({ broker: broker.transport, namespace });
    await pulse.connected();
  });
  afterEach(async () => {
    await pulse.close();
    await session.cleanup();
    await server.close();
  });

  /** Options of a durable queue bound to every task message, deleted after the test. */
  function queueOptions(name: string): HandlerOptions<Binding<Payload, unknown>> {
    const queue = `queue/${pulse.namespace}/${name}`;
    for (const suffix of ['', '/dead', '/retry', '/bindings']) session.queue(`${queue}${suffix}`);
    return {
      queueName: name,
      bindings: [
        {
          exchange: tasks.exchange,
          routingKeyPattern: buildRoutingKeyPattern(TASK_FIELDS, {}),
          routingKeyReference: TASK_FIELDS,
        },
      ],
      taskcluster,
    };
  }

  /** Publishes a message of each `n` once the runner consumes. */
  async function publish(...ns: number[]): Promise<void> {
    await firstValueFrom(pulse.status$.pipe(filter((status) => status.type === 'consuming')));
    for (const n of ns) {
      await pulse.publisher().publish(tasks, { payload: { n }, routing: { taskId: `t${n}` } });
    }
  }

  const publishOne = () => publish(1);

  it('aborts the REST call of a handler that times out, before its message is retried', async () => {
    const events: string[] = [];
    const failures: unknown[] = [];
    let firstRequestGone = false;
    const runner = pulse.handle(
      { ...queueOptions(uniqueName('timeout')), handlerTimeout: 300, retryDelay: 100 },
      async (message, context) => {
        events.push(`start ${message.attempt}`);
        if (message.attempt === 2) events.push(`first request gone: ${firstRequestGone}`);
        try {
          await context.queue.task('abc');
          events.push(`answered ${message.attempt}`);
        } catch (error) {
          events.push(`aborted ${message.attempt}`);
          failures.push(error);
          throw error;
        }
      },
    );
    await publishOne();
    const first = await slowTasks.next();
    void first.gone.then(() => {
      firstRequestGone = true;
    });
    // The retried message's call is answered.
    (await slowTasks.next()).release({ json: { ok: true } });
    await waitFor('the second attempt', () => events.includes('answered 2'));
    await runner.close();
    expect(events).toEqual([
      'start 1',
      'aborted 1',
      'start 2',
      'first request gone: true',
      'answered 2',
    ]);
    const [error] = failures;
    expect(error).toBeInstanceOf(TaskclusterAbortError);
    expect((error as Error).cause).toBeInstanceOf(HandlerTimeoutError);
    expect(error).toMatchObject({
      method: 'GET',
      url: `${server.rootUrl}/api/queue/v1/task/abc`,
      attempts: 1,
    });
  });

  it('lets a running handler’s REST call finish within the grace period of a shutdown', async () => {
    const outcomes: unknown[] = [];
    const runner = pulse.handle(queueOptions(uniqueName('graceful')), async (_message, context) => {
      outcomes.push(await context.queue.task('abc').catch((error: unknown) => error));
    });
    await publishOne();
    const held = await slowTasks.next();
    const closing = runner.close(60_000);
    held.release({ json: { answered: true } });
    await closing;
    expect(outcomes).toEqual([{ answered: true }]);
    expect(pulse.metrics.counts.acked).toBe(1);
  });

  it('aborts the REST call of a handler still running when the grace period ends', async () => {
    const options = queueOptions(uniqueName('shutdown'));
    const failures: unknown[] = [];
    let calls = 0;
    const runner = pulse.handle(options, async (_message, context) => {
      calls += 1;
      try {
        await context.queue.task('abc');
      } catch (error) {
        failures.push(error);
        throw error;
      }
    });
    await publishOne();
    const held = await slowTasks.next();
    await runner.close(100);
    await held.gone;
    expect(calls).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(TaskclusterAbortError);
    expect((failures[0] as Error).cause).toBeInstanceOf(ClosedError);
    // Its message was handed back, with no attempt used: the next runner gets it first time.
    const attempts: number[] = [];
    const next = pulse.handle(options, (message) => {
      attempts.push(message.attempt);
    });
    await waitFor('the message handed back', () => attempts.length === 1);
    await next.close();
    expect(attempts).toEqual([1]);
  });

  it('combines the signal of the taskcluster options, and a call’s own, with the context’s', async () => {
    const optionsController = new AbortController();
    taskcluster = { ...taskcluster, signal: optionsController.signal };
    const causes: unknown[] = [];
    const runner = pulse.handle(queueOptions(uniqueName('combined')), async (_message, context) => {
      const own = new AbortController();
      const calls = [
        context.queue.task('own', { signal: own.signal }),
        context.queue.task('options'),
      ].map((call) => call.catch((error: unknown) => causes.push((error as Error).cause)));
      own.abort('own');
      await calls[0];
      expect(context.signal.aborted).toBe(false);
      optionsController.abort('options');
      await Promise.all(calls);
    });
    await publishOne();
    await waitFor('both calls aborted', () => causes.length === 2);
    await runner.close();
    expect(causes).toEqual(['own', 'options']);
  });

  it('uses the clients given, e.g. fakes, whose fakeCalls record the handler’s calls', async () => {
    const queue = new Queue({
      rootUrl: server.rootUrl,
      fake: { task: async (taskId) => simulatedTaskDefinition(String(taskId), Date.now()) },
    });
    const names: string[] = [];
    const failures: unknown[] = [];
    const runner = pulse.handle(
      { ...queueOptions(uniqueName('fakes')), clients: { queue } },
      async (message, context) => {
        const task = await context.queue.task(`task-${message.payload.n}`);
        names.push(task.taskGroupId);
        await context.queue.status(task.taskGroupId).catch((error: unknown) => {
          failures.push(error);
        });
      },
    );
    await publish(1, 2);
    await waitFor('both handled', () => names.length === 2);
    await runner.close();
    expect(names.sort()).toEqual(['task-1', 'task-2']);
    expect(queue.fakeCalls.task.map((call) => call.taskId).sort()).toEqual(['task-1', 'task-2']);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBeInstanceOf(FakeCallError);
    expect(failures[0]).toMatchObject({ code: 'MissingFake', method: 'queue.status' });
    // The fakes answered: nothing reached the deployment.
    expect(server.requests).toEqual([]);
  });

  it.each([
    [
      'a client of another service',
      () => ({ clients: { queue: new Index({ rootUrl: server.rootUrl }) as never } }),
      'clients.queue must be a Queue client',
    ],
    [
      'a name the context has not',
      () => ({ clients: { queues: new Queue({ rootUrl: server.rootUrl }) } as never }),
      'clients.queues: the context has no client of that name',
    ],
    [
      'fakes in the options of every client',
      () => ({ taskcluster: { rootUrl: server.rootUrl, fake: {} } as ClientOptions }),
      'taskcluster.fake: fakes are per service',
    ],
  ])('refuses %s with an InputError at handle()', (_what, options, message) => {
    const start = () =>
      pulse.handle({ ...queueOptions(uniqueName('bad')), ...options() }, () => undefined);
    expect(start).toThrow(InputError);
    expect(start).toThrow(message);
  });
});

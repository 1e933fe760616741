import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { ParamValue } from '../../src/client/calling.js';
import { createClient } from '../../src/client/dynamic.js';
import {
  FakeCallError,
  TaskclusterAbortError,
  TaskclusterHttpError,
} from '../../src/client/errors.js';
import type { FakeCall, FakeResultSchemas, Fakes } from '../../src/client/fake.js';
import { Index } from '../../src/client/generated/index-service.js';
import {
  type ListTaskGroupResponse,
  Queue,
  type QueueMethods,
  type Task,
} from '../../src/client/generated/queue.js';
import { InputError } from '../../src/errors.js';
import { type ApiServer, startApiServer } from '../../src/testing/api-server.js';
import { responseSchemas } from '../../src/testing/response-schemas.js';
import { simulatedTaskDefinition } from '../../src/testing/task-definition.js';
import { Fake, fakeTable } from '../fixtures/fake-service.js';
import { PERMANENT } from '../fixtures/fake-service-server.js';

/** A real Hawk-verifying server that no fake client may reach: it counts what arrives. */
let server: ApiServer;
const TASK: Task = simulatedTaskDefinition('fN1xk7AYQpiUdGdDV7uIjA', Date.parse('2030-01-01'));

beforeAll(async () => {
  server = await startApiServer({
    clients: { [PERMANENT.clientId]: { accessToken: PERMANENT.accessToken, scopes: ['*'] } },
  });
});
afterAll(() => server.close());

function fakeQueue(fake: Fakes<QueueMethods>): Queue {
  return new Queue({ rootUrl: server.rootUrl, credentials: PERMANENT, fake });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('a fake client', () => {
  it('answers with its fakes and records each call with its arguments; nothing is sent', async () => {
    const queue = fakeQueue({
      task: async (taskId) => ({ ...TASK, metadata: { ...TASK.metadata, name: String(taskId) } }),
      createTask: (taskId, payload) => ({
        status: {
          taskId: String(taskId),
          provisionerId: payload.provisionerId ?? 'p',
          workerType: 'w',
          taskQueueId: payload.taskQueueId ?? 'p/w',
          schedulerId: '-',
          projectId: 'none',
          taskGroupId: String(taskId),
          deadline: payload.deadline,
          expires: payload.expires ?? payload.deadline,
          retriesLeft: 5,
          state: 'pending',
          runs: [],
        },
      }),
      listTaskGroup: async (taskGroupId, query) => ({
        taskGroupId: String(taskGroupId),
        schedulerId: '-',
        expires: TASK.deadline,
        tasks: [],
        ...(query?.continuationToken === undefined ? { continuationToken: 'next' } : {}),
      }),
    });
    const before = server.requests.length;
    expect((await queue.task('abc')).metadata.name).toBe('abc');
    const { created, deadline, metadata, payload } = TASK;
    const request = { created, deadline, metadata, payload, taskQueueId: 'p/w' };
    // Every calling convention records the same.
    await queue.createTask('t1', request);
    await queue.createTask(request, { taskId: 't2' });
    await queue.createTask({ params: { taskId: 't3' }, payload: request });
    await queue.listTaskGroup('g', { limit: 5 });
    const pages = [];
    for await (const page of queue.paginate('listTaskGroup', 'g')) pages.push(page);
    expect(pages).toHaveLength(2);

    expect(queue.fakeCalls.task).toEqual([{ taskId: 'abc' }]);
    expect(queue.fakeCalls.createTask).toEqual([
      { taskId: 't1', payload: request },
      { taskId: 't2', payload: request },
      { taskId: 't3', payload: request },
    ]);
    expect(queue.fakeCalls.listTaskGroup).toEqual([
      { taskGroupId: 'g', query: { limit: 5 } },
      { taskGroupId: 'g' },
      { taskGroupId: 'g', query: { continuationToken: 'next' } },
    ]);
    // Every method has its (empty) list, as the official client's fakeCalls.
    expect(queue.fakeCalls.claimWork).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it('rejects a call of a method without a fake, naming it, and sends nothing', async () => {
    const queue = fakeQueue({ task: async () => TASK });
    const before = server.requests.length;
    const error = await rejection(queue.status('abc'));
    expect(error).toBeInstanceOf(FakeCallError);
    expect(error).toMatchObject({
      name: 'FakeCallError',
      code: 'MissingFake',
      method: 'queue.status',
    });
    expect((error as Error).message).toBe(
      'queue.status(taskId) was called on a fake client that has no fake of it: give fake: { status: ... }',
    );
    expect(queue.fakeCalls.status).toEqual([{ taskId: 'abc' }]);
    expect(server.requests.length).toBe(before);
  });

  it('passes on what a fake throws, e.g. an HTTP error to test a handler’s handling of it', async () => {
    const notFound = new TaskclusterHttpError({
      method: 'GET',
      url: `${server.rootUrl}/api/queue/v1/task/gone`,
      statusCode: 404,
      body: { code: 'ResourceNotFound', message: 'no such task' },
    });
    const queue = fakeQueue({
      task: async () => {
        throw notFound;
      },
    });
    expect(await rejection(queue.task('gone'))).toBe(notFound);
  });

  it('checks its arguments as any client does, before the fake is called', async () => {
    let called = 0;
    const queue = fakeQueue({
      task: async () => {
        called += 1;
        return TASK;
      },
    });
    await expect(queue.task('')).rejects.toBeInstanceOf(InputError);
    expect(called).toBe(0);
    expect(queue.fakeCalls.task).toEqual([]);
  });

  it('hands out a copy of each result and of each payload, as the network would', async () => {
    const shared = { ...TASK, tags: { kept: 'yes' } };
    let seen: unknown;
    const queue = fakeQueue({
      task: async () => shared,
      createTask: (_taskId, payload) => {
        seen = payload;
        return { status: { taskId: 't' } } as never;
      },
    });
    const first = await queue.task('a');
    first.tags.kept = 'changed';
    expect((await queue.task('a')).tags.kept).toBe('yes');
    const request = { ...TASK, created: TASK.created };
    await queue.createTask('t', request);
    expect(seen).toEqual(request);
    expect(seen).not.toBe(request);
    request.created = 'later';
    (seen as { created: string }).created = 'changed by the fake';
    expect(queue.fakeCalls.createTask[0]!.payload.created).toBe(TASK.created);
  });

  it.each([
    [
      'a Date',
      { ...TASK, created: new Date() },
      /returned a Date object at \/created: an answer is JSON data/,
    ],
    ['a function', { ...TASK, extra: { f: () => 1 } }, /a value of type function at \/extra\/f/],
    ['NaN', { ...TASK, retries: Number.NaN }, /returned NaN at \/retries/],
    ['undefined in an array', { ...TASK, routes: [undefined] }, /undefined at \/routes\/0/],
    ['nothing', undefined, /returned nothing, where the method answers v1\/task.json#/],
  ])('refuses a result that no answer could be: %s', async (_what, result, message) => {
    const queue = fakeQueue({ task: async () => result as never });
    const error = await rejection(queue.task('a'));
    expect(error).toBeInstanceOf(FakeCallError);
    expect(error).toMatchObject({ code: 'InvalidFakeResult', method: 'queue.task' });
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a cycle, and lets a method without an answer answer nothing', async () => {
    const cyclic: Record<string, unknown> = { ...TASK };
    cyclic.extra = { self: cyclic };
    const queue = fakeQueue({ task: async () => cyclic as never, ping: () => undefined });
    expect(await rejection(queue.task('a'))).toMatchObject({
      code: 'InvalidFakeResult',
      message: expect.stringMatching(/a cycle at \/extra\/self/),
    });
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it('shares its fakes and fakeCalls with the clients made from it with use()', async () => {
    const queue = fakeQueue({ task: async () => TASK });
    await queue.use({ traceId: 'derived' }).task('from-derived');
    await queue.task('from-parent');
    expect(queue.fakeCalls.task).toEqual([{ taskId: 'from-derived' }, { taskId: 'from-parent' }]);
    const other = queue.use({ fake: { status: async () => ({ status: TASK as never }) } });
    expect(other.fakeCalls.task).toEqual([]);
    await expect(other.task('x')).rejects.toMatchObject({ code: 'MissingFake' });
  });

  it('honours an aborted signal: nothing recorded, the fake not called', async () => {
    let called = 0;
    const queue = fakeQueue({
      task: async () => {
        called += 1;
        return TASK;
      },
    });
    const error = await rejection(queue.task('a', { signal: AbortSignal.abort('stop') }));
    expect(error).toBeInstanceOf(TaskclusterAbortError);
    expect(error).toMatchObject({ url: `${server.rootUrl}/api/queue/v1/task/a`, attempts: 0 });
    expect(called).toBe(0);
    expect(queue.fakeCalls.task).toEqual([]);
  });

  it('stops waiting for a fake that has not answered once the signal aborts', async () => {
    const queue = fakeQueue({ task: () => new Promise<never>(() => undefined) });
    const controller = new AbortController();
    const call = rejection(queue.task('slow', { signal: controller.signal }));
    controller.abort('gave up');
    expect(await call).toMatchObject({ code: 'RequestAborted', attempts: 1, cause: 'gave up' });
    expect(queue.fakeCalls.task).toEqual([{ taskId: 'slow' }]);
  });

  it('works for clients made from references at run time, and test services', async () => {
    const dynamic = createClient(
      {
        serviceName: 'fake',
        apiVersion: 'v1',
        entries: fakeTable.entries.map((e) => ({ ...e, type: 'function' })),
      },
      { rootUrl: server.rootUrl, fake: { getThing: (thingId: unknown) => ({ thingId }) } },
    );
    await expect(dynamic.getThing!('a', 1)).resolves.toEqual({ thingId: 'a' });
    expect(dynamic.fakeCalls.getThing).toEqual([{ thingId: 'a', version: 1 }]);
    const fake = new Fake({
      rootUrl: server.rootUrl,
      fake: { countThings: (query) => ({ query: { ...query } as Record<string, string> }) },
    });
    await expect(fake.countThings({ color: 'red' })).resolves.toEqual({ query: { color: 'red' } });
  });
});

describe('fakes checked against the response schemas (fakeSchemas)', () => {
  function checkedQueue(fake: Fakes<QueueMethods>): Queue {
    return new Queue({ rootUrl: server.rootUrl, fake, fakeSchemas: responseSchemas });
  }

  it('answers with a result that matches the method’s response schema', async () => {
    const queue = checkedQueue({ task: async () => TASK, ping: () => undefined });
    await expect(queue.task('a')).resolves.toEqual(TASK);
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it.each([
    ['a field of the wrong type', { ...TASK, retries: 'five' }, /\/retries must be integer/],
    [
      'a required field left out',
      { ...TASK, metadata: undefined },
      /must have required property 'metadata'/,
    ],
    [
      'a value the schema does not allow',
      { ...TASK, priority: 'urgent' },
      /\/priority must be equal to one of the allowed values/,
    ],
  ])('refuses %s, listing what the schema found', async (_what, result, finding) => {
    const error = await rejection(checkedQueue({ task: async () => result as never }).task('a'));
    expect(error).toBeInstanceOf(FakeCallError);
    expect(error).toMatchObject({ code: 'InvalidFakeResult', method: 'queue.task' });
    expect((error as Error).message).toMatch(
      /^the fake of queue\.task\(taskId\) returned an answer that does not match v1\/task\.json#:\n {2}\* /,
    );
    expect((error as Error).message).toMatch(finding);
    // Without the option the same result is only checked to be JSON, and comes back.
    await expect(fakeQueue({ task: async () => result as never }).task('a')).resolves.toEqual(
      JSON.parse(JSON.stringify(result)),
    );
  });

  it('checks the copy the caller would get, with the service and schema the method names', async () => {
    const checks: unknown[][] = [];
    const recording: FakeResultSchemas = {
      check(...args) {
        checks.push(args);
        return [];
      },
    };
    const queue = new Queue({
      rootUrl: server.rootUrl,
      fake: { status: () => ({ status: { taskId: 'a' } as never }) },
      fakeSchemas: recording,
    });
    await queue.status('a');
    expect(checks).toEqual([
      ['queue', 'v1/task-status-response.json#', { status: { taskId: 'a' } }],
    ]);
  });

  it('is kept by the clients made with use()', async () => {
    const queue = checkedQueue({ task: async () => ({ ...TASK, retries: -1 }) });
    await expect(queue.use({ traceId: 'derived' }).task('a')).rejects.toMatchObject({
      code: 'InvalidFakeResult',
      message: expect.stringMatching(/\/retries must be >= 0/),
    });
  });

  it('refuses a client of a service the references do not hold: an InputError', async () => {
    const other = createClient(
      {
        serviceName: 'fake',
        apiVersion: 'v1',
        entries: fakeTable.entries.map((e) => ({
          ...e,
          type: 'function',
          output: 'v1/thing.json#',
        })),
      },
      {
        rootUrl: server.rootUrl,
        fake: { getThing: (thingId: unknown) => ({ thingId }) },
        fakeSchemas: responseSchemas,
      },
    );
    const error = await rejection(other.getThing!('a', 1));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /^responseSchemas holds the schemas of auth, .*queue.*, not of fake$/,
    );
  });
});

describe('bad fake options', () => {
  it.each([
    ['not an object', 'yes', /option fake must be an object of fake methods/],
    ['a fake that is not a function', { task: TASK }, /option fake: fake.task must be a function/],
    ['a method the service has not', { tsk: () => TASK }, /option fake: queue has no method tsk/],
  ])('%s: an InputError from the constructor', (_what, fake, message) => {
    expect(() => fakeQueue(fake as never)).toThrow(InputError);
    expect(() => fakeQueue(fake as never)).toThrow(message);
  });

  it.each([
    [
      'fakeSchemas that cannot check',
      { fake: {}, fakeSchemas: {} },
      /option fakeSchemas must check fakes' results/,
    ],
    [
      'fakeSchemas without fakes',
      { fakeSchemas: responseSchemas },
      /option fakeSchemas checks the results of fakes: give fake too/,
    ],
  ])('%s: an InputError from the constructor', (_what, options, message) => {
    expect(() => new Queue({ rootUrl: server.rootUrl, ...(options as object) })).toThrow(
      InputError,
    );
    expect(() => new Queue({ rootUrl: server.rootUrl, ...(options as object) })).toThrow(message);
  });

  it('fakeCalls of a client without fakes is an InputError', () => {
    const queue = new Queue({ rootUrl: server.rootUrl });
    expect(() => queue.fakeCalls).toThrow(
      new InputError(
        'queue: fakeCalls are the calls of a client made with the fake option, which this one was not',
      ),
    );
  });
});

describe('fake types', () => {
  it('are the method types: arguments, payload, query and result are checked by tsc', () => {
    const compileOnly = () => {
      new Queue({
        rootUrl: 'https://tc.example.com',
        fake: {
          task: async (taskId) => {
            expectTypeOf(taskId).toEqualTypeOf<ParamValue>();
            return TASK;
          },
          listTaskGroup: (taskGroupId, query) => {
            expectTypeOf(query).toEqualTypeOf<
              | { continuationToken?: string | number | boolean; limit?: string | number | boolean }
              | undefined
            >();
            const page = {
              taskGroupId: String(taskGroupId),
              schedulerId: '-',
              expires: '',
              tasks: [],
            };
            return page satisfies ListTaskGroupResponse;
          },
          // @ts-expect-error a result of another type
          status: async () => ({ state: 'running' }),
          // @ts-expect-error a parameter of another type
          pendingTasks: async (taskQueueId: string[]) => ({
            taskQueueId: taskQueueId.join('/'),
            provisionerId: 'p',
            workerType: 'w',
            pendingTasks: 0,
          }),
        },
      });
      new Queue({
        rootUrl: 'https://tc.example.com',
        // @ts-expect-error a method the service has not
        fake: { tsk: async () => TASK },
      });
      new Index({
        rootUrl: 'https://tc.example.com',
        // @ts-expect-error the fake of another service's method
        fake: { task: async () => TASK },
      });
    };
    expect(typeof compileOnly).toBe('function');
    const queue = new Queue({ rootUrl: 'https://tc.example.com', fake: {} });
    expectTypeOf(queue.fakeCalls.task).toEqualTypeOf<readonly FakeCall<QueueMethods['task']>[]>();
    expectTypeOf<FakeCall<QueueMethods['task']>>().toEqualTypeOf<{ taskId: ParamValue }>();
    type Calls = typeof queue.fakeCalls;
    expectTypeOf<Calls['createTask'][number]['payload']['deadline']>().toEqualTypeOf<string>();
    expectTypeOf<Calls['listTaskGroup'][number]['query']>().toEqualTypeOf<
      | { continuationToken?: string | number | boolean; limit?: string | number | boolean }
      | undefined
    >();
  });
});

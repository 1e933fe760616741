import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { send, type TestCredentials } from './hawk-request.js';
import { schemaErrors } from './schemas.js';

const CLIENT: TestCredentials = { clientId: 'bot', accessToken: 'bot-secret-token' };
const TASK_ID = 'fN1SbArXTPmAHt4zaTUWvQ';

function taskRequest(overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    taskQueueId: 'proj-x/ci',
    taskGroupId: TASK_ID,
    routes: ['index.x'],
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3_600_000).toISOString(),
    payload: { command: ['true'] },
    metadata: {
      name: 'n',
      description: 'd',
      owner: 'o@example.com',
      source: 'https://example.com',
    },
    ...overrides,
  };
}

describe('simulated queue: tasks and task groups over HTTP', () => {
  let server: TaskclusterServer;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: {
        bot: {
          accessToken: CLIENT.accessToken,
          scopes: [
            'queue:get-task:*',
            'queue:status:*',
            'queue:list-task-group:*',
            'queue:create-task:project:none',
            'queue:scheduler-id:-',
            'queue:create-task:high:proj-x/ci',
            'queue:route:index.*',
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const call = (method: string, path: string, payload?: unknown, credentials = CLIENT) =>
    send(server.rootUrl, {
      method,
      path: `/api/queue/v1${path}`,
      credentials,
      ...(payload === undefined ? {} : { payload }),
    });

  it('creates a task with the scopes the reference requires, then serves it', async () => {
    const lowest = await call('PUT', `/task/${TASK_ID}`, taskRequest());
    expect(lowest.status).toBe(200);
    expect(schemaErrors('queue/v1/task-status-response.json', lowest.json)).toEqual([]);
    expect(lowest.json).toMatchObject({ status: { taskId: TASK_ID, state: 'pending' } });

    const again = await call('PUT', `/task/${TASK_ID}`, {
      ...taskRequest(),
      created: server.queue.task(TASK_ID).created,
      deadline: server.queue.task(TASK_ID).deadline,
    });
    expect(again.status).toBe(200);

    const task = await call('GET', `/task/${TASK_ID}`);
    expect(task.status).toBe(200);
    expect(schemaErrors('queue/v1/task.json', task.json)).toEqual([]);
    expect(task.json).toMatchObject({
      provisionerId: 'proj-x',
      workerType: 'ci',
      priority: 'lowest',
    });

    const status = await call('GET', `/task/${TASK_ID}/status`);
    expect(schemaErrors('queue/v1/task-status-response.json', status.json)).toEqual([]);
    expect(server.queue.messages.map((m) => m.type)).toEqual(['taskDefined', 'taskPending']);
  });

  it('answers 409 to a different definition under an existing taskId', async () => {
    const res = await call('PUT', `/task/${TASK_ID}`, taskRequest({ payload: { other: 1 } }));
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ code: 'RequestConflict' });
  });

  const refused: {
    name: string;
    overrides: Record<string, unknown>;
    status: number;
    code: string;
  }[] = [
    {
      name: 'a priority above the granted one',
      overrides: { priority: 'highest' },
      status: 403,
      code: 'InsufficientScopes',
    },
    {
      name: 'a route without its scope',
      overrides: { routes: ['notify.x'] },
      status: 403,
      code: 'InsufficientScopes',
    },
    {
      name: 'task scopes the caller lacks',
      overrides: { scopes: ['secrets:get:x'] },
      status: 403,
      code: 'InsufficientScopes',
    },
    {
      name: 'a missing metadata',
      overrides: { metadata: undefined },
      status: 400,
      code: 'InputValidationError',
    },
    {
      name: 'a bad deadline',
      overrides: { deadline: 'tomorrow' },
      status: 400,
      code: 'InputValidationError',
    },
    {
      name: 'no worker pool (neither taskQueueId nor provisionerId and workerType)',
      overrides: { taskQueueId: undefined, provisionerId: 'proj-x' },
      status: 400,
      code: 'InputValidationError',
    },
    {
      name: 'a property the request schema does not have',
      overrides: { colour: 'blue' },
      status: 400,
      code: 'InputValidationError',
    },
  ];
  it.each(refused)('refuses a task with $name', async ({ overrides, status, code }) => {
    const res = await call('PUT', '/task/VcSWGbPnSWKHZrwzZHZ9xA', taskRequest(overrides));
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ code });
  });

  it('answers 403 to anonymous requests and 404 to unknown tasks', async () => {
    const anonymous = await send(server.rootUrl, {
      method: 'GET',
      path: `/api/queue/v1/task/${TASK_ID}`,
    });
    expect(anonymous.status).toBe(403);
    const unknown = await call('GET', '/task/VcSWGbPnSWKHZrwzZHZ9xA');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 'ResourceNotFound' });
  });

  it('lists a task group in pages until no continuationToken comes back', async () => {
    const group = server.queue.defineTask().taskId;
    for (let i = 0; i < 4; i++) {
      server.queue.defineTask({ taskGroupId: group });
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = token === undefined ? '?limit=2' : `?limit=2&continuationToken=${token}`;
      const res = await call('GET', `/task-group/${group}/list${query}`);
      expect(res.status).toBe(200);
      expect(schemaErrors('queue/v1/list-task-group-response.json', res.json)).toEqual([]);
      const body = res.json as {
        tasks: { status: { taskId: string } }[];
        continuationToken?: string;
      };
      seen.push(...body.tasks.map((t) => t.status.taskId));
      token = body.continuationToken;
      pages++;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(server.queue.taskGroup(group).tasks.map((t) => t.status.taskId));
    expect(seen).toHaveLength(5);

    const bad = await call('GET', `/task-group/${group}/list?continuationToken=nonsense`);
    expect(bad.status).toBe(400);
    const info = await call('GET', `/task-group/${group}`);
    expect(schemaErrors('queue/v1/task-group-response.json', info.json)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIMULATED_SERVICES,
  startTaskclusterServer,
  type TaskclusterServer,
} from '../../src/testing/server.js';
import { send } from './hawk-request.js';

describe('simulated deployment: services, anonymous scopes, recorded requests', () => {
  let server: TaskclusterServer;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      anonymousScopes: ['queue:get-task:*', 'queue:list-task-group:*'],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(SIMULATED_SERVICES)('answers %s ping', async (service) => {
    const res = await send(server.rootUrl, { method: 'GET', path: `/api/${service}/v1/ping` });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ alive: true });
  });

  it('grants the anonymous scopes to unauthenticated requests', async () => {
    const { taskGroupId, taskIds } = server.queue.defineTaskGroup([{}, { tags: { n: '2' } }]);
    expect(server.queue.taskGroup(taskGroupId).tasks.map((t) => t.status.taskId)).toEqual(taskIds);
    const task = await send(server.rootUrl, {
      method: 'GET',
      path: `/api/queue/v1/task/${taskIds[1]}`,
    });
    expect(task.status).toBe(200);
    expect(task.json).toMatchObject({ taskGroupId, tags: { n: '2' } });
    const status = await send(server.rootUrl, {
      method: 'GET',
      path: `/api/queue/v1/task/${taskIds[1]}/status`,
    });
    expect(status.status).toBe(403);
    expect(server.requests.at(-1)).toMatchObject({
      auth: 'anonymous',
      clientId: undefined,
      scopes: ['queue:get-task:*', 'queue:list-task-group:*'],
      status: 403,
      route: 'GET /api/queue/v1/task/<taskId>/status',
    });
  });

  it('records the method, path, query and body of every request', async () => {
    await send(server.rootUrl, {
      method: 'PUT',
      path: '/api/object/v1/start-download/some%2Fname?x=y',
      payload: { acceptDownloadMethods: { simple: true } },
    });
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/api/object/v1/start-download/some%2Fname',
      query: { x: 'y' },
      body: { acceptDownloadMethods: { simple: true } },
      attempt: 1,
      status: 403,
      headers: { 'content-type': 'application/json' },
    });
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('records headers without the Authorization header', async () => {
    await send(server.rootUrl, {
      method: 'GET',
      path: '/api/auth/v1/test-authenticate-get/',
      authorization: 'Hawk id="x", ts="1", nonce="n", mac="m"',
    });
    const recorded = server.requests.at(-1)!;
    expect(recorded.auth).toBe('failed');
    expect(recorded.headers.host).toBe(new URL(server.rootUrl).host);
    expect(recorded.headers).not.toHaveProperty('authorization');
  });

  it('closes once, however many times close is called', async () => {
    const other = await startTaskclusterServer();
    await Promise.all([other.close(), other.close()]);
    await other.close();
    await expect(fetch(`${other.rootUrl}/api/auth/v1/ping`)).rejects.toThrow();
  });
});

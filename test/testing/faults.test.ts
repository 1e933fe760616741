import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NON_JSON_FAULT_BODY } from '../../src/testing/faults.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { send } from './hawk-request.js';

const CLIENT = { clientId: 'tester', accessToken: 'tester-secret' };

describe('simulated server: routing and faults', () => {
  let server: TaskclusterServer;
  let key: string;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: { [CLIENT.clientId]: { accessToken: CLIENT.accessToken, scopes: ['fake:*'] } },
    });
    key = server.route(
      'fake',
      'get',
      '/thing/<thingId>',
      (ctx) => {
        ctx.requireScopes([['fake:get:thing']]);
        return { json: { thingId: ctx.params.thingId, query: ctx.query } };
      },
      { name: 'getThing' },
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (path = '/api/fake/v1/thing/te%2Fst?a=1') =>
    send(server.rootUrl, { method: 'GET', path, credentials: CLIENT });

  it('routes with decoded parameters and query', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ thingId: 'te/st', query: { a: '1' } });
    expect(server.routeKey('fake', 'GET', '/thing/<thingId>')).toBe(key);
  });

  it('answers unknown routes with a Taskcluster-shaped 404', async () => {
    const res = await get('/api/fake/v1/nothing/here');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({
      code: 'ResourceNotFound',
      requestInfo: { method: '/api/fake/v1/nothing/here', params: {} },
    });
  });

  it('answers 403 InsufficientScopes to a request without the scope', async () => {
    const res = await send(server.rootUrl, { method: 'GET', path: '/api/fake/v1/thing/x' });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({
      code: 'InsufficientScopes',
      requestInfo: { method: 'getThing', params: { thingId: 'x' } },
    });
  });

  it('applies queued faults in order, one per request, and counts every attempt', async () => {
    const before = server.attempts(key);
    server.injectFaults(
      key,
      { type: 'status', status: 500 },
      { type: 'status', status: 502 },
      { type: 'status', status: 503, body: { code: 'Busy' } },
      { type: 'non-json', status: 502 },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await get()).status);
    }
    expect(statuses).toEqual([500, 502, 503, 502, 200]);
    expect(server.attempts(key) - before).toBe(5);
    const recorded = server.requests.filter((r) => r.route === key).slice(-5);
    expect(recorded.map((r) => r.fault)).toEqual([
      'status',
      'status',
      'status',
      'non-json',
      undefined,
    ]);
    expect(recorded.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5].map((n) => n + before));
  });

  it('sends JSON error bodies for status faults and HTML for non-json', async () => {
    server.injectFaults(key, { type: 'status', status: 500 }, { type: 'non-json', status: 200 });
    const json = await get();
    expect(json.json).toMatchObject({ code: 'InternalServerError' });
    const html = await get();
    expect(html.status).toBe(200);
    expect(html.text).toBe(NON_JSON_FAULT_BODY);
  });

  it('resets the connection', async () => {
    server.injectFaults(key, { type: 'reset' });
    await expect(get()).rejects.toThrow();
    expect((await get()).status).toBe(200);
  });

  it('truncates the body below its announced length', async () => {
    server.injectFaults(key, { type: 'truncate' });
    await expect(get()).rejects.toThrow();
    expect(server.requests.at(-1)).toMatchObject({ fault: 'truncate', status: 200 });
  });

  it('delays past a client timeout', async () => {
    server.injectFaults(key, { type: 'delay', ms: 2_000 });
    const started = Date.now();
    await expect(
      fetch(`${server.rootUrl}/api/fake/v1/thing/x`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests.at(-1)).toMatchObject({ fault: 'delay' });
  });
});

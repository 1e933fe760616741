/**
 * The simulated deployment's references: a manifest of what it simulates, an API reference per
 * simulated service from the routes it answers, the queue's exchanges reference for what the
 * simulated queue publishes, and the schemas they name; a client built from them at run time
 * calls the simulation.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, loadReferences } from '../../src/client/dynamic.js';
import { queueEventsTable } from '../../src/exchanges/generated/queue-events.js';
import { messageSchemas } from '../../src/exchanges/generated/queue-message-schemas.js';
import { QUEUE_EXCHANGES } from '../../src/testing/pulse-messages.js';
import { SIMULATED_PAYLOAD_SCHEMA } from '../../src/testing/references-service.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { simulatedTaskDefinition } from '../../src/testing/task-definition.js';

const CLIENT = { clientId: 'bot', accessToken: 'bot-secret-token' };

let server: TaskclusterServer;

beforeAll(async () => {
  server = await startTaskclusterServer({
    clients: { [CLIENT.clientId]: { accessToken: CLIENT.accessToken, scopes: ['*'] } },
  });
});
afterAll(() => server.close());

async function get(path: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.rootUrl}${path}`);
  return { status: response.status, json: await response.json() };
}

describe('the simulated deployment serves references', () => {
  it('lists the API reference of every simulated service and the queue exchanges', async () => {
    const { status, json } = await get('/references/manifest.json');
    expect(status).toBe(200);
    expect(json).toEqual({
      $schema: '/schemas/common/manifest-v3.json#',
      references: [
        '/references/auth/v1/api.json',
        '/references/hooks/v1/api.json',
        '/references/index/v1/api.json',
        '/references/notify/v1/api.json',
        '/references/object/v1/api.json',
        '/references/queue/v1/api.json',
        '/references/queue/v1/exchanges.json',
        '/references/secrets/v1/api.json',
      ],
    });
  });

  it('describes each route the simulation answers, payload schema and all', async () => {
    const { status, json } = await get('/references/queue/v1/api.json');
    expect(status).toBe(200);
    const reference = json as { serviceName: string; entries: Record<string, unknown>[] };
    expect(reference.serviceName).toBe('queue');
    const routes = server
      .apiRoutes()
      .filter((route) => route.service === 'queue')
      .map((route) => route.name)
      .sort();
    expect(reference.entries.map((entry) => entry.name)).toEqual(routes);
    expect(reference.entries.find((entry) => entry.name === 'createTask')).toEqual({
      type: 'function',
      name: 'createTask',
      title: 'createTask',
      method: 'put',
      route: '/task/<taskId>',
      args: ['taskId'],
      query: [],
      input: SIMULATED_PAYLOAD_SCHEMA,
      stability: 'stable',
    });
    expect(reference.entries.find((entry) => entry.name === 'getArtifact')).toMatchObject({
      method: 'get',
      route: '/task/<taskId>/runs/<runId>/artifacts/<name>',
      args: ['taskId', 'runId', 'name'],
    });
    expect(reference.entries.find((entry) => entry.name === 'task')).not.toHaveProperty('input');
    const payload = await get(`/schemas/queue/${SIMULATED_PAYLOAD_SCHEMA.replace(/#$/, '')}`);
    expect(payload).toMatchObject({ status: 200, json: { type: 'object' } });
  });

  it('lists routes added later, but none registered without a name', async () => {
    const other = await startTaskclusterServer();
    try {
      other.route('extra', 'post', '/thing/<thingId>', () => ({ json: {} }), { name: 'makeThing' });
      other.route('extra', 'get', '/unnamed', () => ({ json: {} }));
      other.route('unnamed', 'get', '/only', () => ({ json: {} }));
      const manifest = await fetch(`${other.rootUrl}/references/manifest.json`);
      const { references } = (await manifest.json()) as { references: string[] };
      expect(references).toContain('/references/extra/v1/api.json');
      expect(references).not.toContain('/references/unnamed/v1/api.json');
      const extra = await fetch(`${other.rootUrl}/references/extra/v1/api.json`);
      const { entries } = (await extra.json()) as { entries: { name: string }[] };
      expect(entries.map((entry) => entry.name)).toEqual(['makeThing']);
    } finally {
      await other.close();
    }
  });

  it('describes the exchanges the simulated queue publishes on, with their message schemas', async () => {
    const { json } = await get('/references/queue/v1/exchanges.json');
    const reference = json as {
      exchangePrefix: string;
      entries: { name: string; exchange: string; routingKey: unknown; schema: string }[];
    };
    expect(reference.exchangePrefix).toBe('exchange/taskcluster-queue/v1/');
    expect(reference.entries.map((entry) => entry.exchange).sort()).toEqual(
      Object.values(QUEUE_EXCHANGES).sort(),
    );
    for (const entry of reference.entries) {
      const known = queueEventsTable.entries.find((candidate) => candidate.name === entry.name)!;
      expect(entry.routingKey).toEqual(known.routingKey);
      const id = `/schemas/queue/${entry.schema}`;
      const schema = await get(id.replace(/#$/, ''));
      expect(schema).toEqual({ status: 200, json: messageSchemas.schemas[id] });
    }
    expect(reference.entries.map((entry) => entry.name)).not.toContain('taskPriorityChanged');
  });

  it('answers 404 for references and schemas it does not have', async () => {
    for (const path of [
      '/references/nothing/v1/api.json',
      '/references/auth/v1/logs.json',
      '/references/auth/v1/exchanges.json',
      '/schemas/queue/v1/create-task-request.json',
      '/schemas/nothing/v1/simulated-payload.json',
    ]) {
      expect(await get(path)).toMatchObject({
        status: 404,
        json: { code: 'ResourceNotFound' },
      });
    }
  });

  it('gives loadReferences clients that call the simulation', async () => {
    const references = await loadReferences({ rootUrl: server.rootUrl });
    expect(references.map((reference) => reference.serviceName)).toEqual([
      'auth',
      'hooks',
      'index',
      'notify',
      'object',
      'queue',
      'secrets',
    ]);
    const queue = createClient(references.find((r) => r.serviceName === 'queue')!, {
      rootUrl: server.rootUrl,
      credentials: CLIENT,
    });
    const taskId = 'fN1SbArXTPmAHt4zaTUWvQ';
    const definition = simulatedTaskDefinition(taskId, Date.now());
    await queue.createTask!(taskId, definition);
    expect(await queue.task!(taskId)).toMatchObject({ taskGroupId: definition.taskGroupId });
    expect(server.requests.at(-2)).toMatchObject({
      route: 'PUT /api/queue/v1/task/<taskId>',
      auth: 'hawk',
      status: 200,
    });
  });
});

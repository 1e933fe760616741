/**
 * The simulated index service through the project's Index client: tasks inserted, found and
 * listed by namespace with the reference's scopes, ranks respected, and a task that completes
 * with `index.` routes indexed there as the index service does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Index } from '../../src/index.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

const TASK_A = 'fN1SbArXTPmAHt4zaTUWvQ';
const TASK_B = 'c4mzNwkoT9WHmBfXUFfdLQ';

describe('simulated index service', () => {
  let server: TaskclusterServer;
  let index: InstanceType<typeof Index>;

  beforeAll(async () => {
    const deployment = await startWithClients({
      bot: [
        'index:insert-task:project.app.*',
        'index:find-task:project.*',
        'index:list-namespaces:project*',
        'index:list-tasks:project*',
      ],
    });
    server = deployment.server;
    index = new Index(deployment.as('bot'));
  });
  afterAll(async () => {
    await server.close();
  });

  const expires = () => new Date(Date.now() + 3_600_000).toISOString();

  it('inserts and finds a task; a lower rank does not replace it, an equal one does', async () => {
    const first = await index.insertTask('project.app.latest', {
      taskId: TASK_A,
      rank: 2,
      data: { build: 1 },
      expires: expires(),
    });
    expect(first).toMatchObject({ namespace: 'project.app.latest', taskId: TASK_A, rank: 2 });
    await index.insertTask('project.app.latest', {
      taskId: TASK_B,
      rank: 1,
      data: {},
      expires: expires(),
    });
    expect((await index.findTask('project.app.latest')).taskId).toBe(TASK_A);
    await index.insertTask('project.app.latest', {
      taskId: TASK_B,
      rank: 2,
      data: {},
      expires: expires(),
    });
    expect((await index.findTask('project.app.latest')).taskId).toBe(TASK_B);
  });

  it('lists the namespaces and tasks directly under a namespace', async () => {
    await index.insertTask('project.app.v1.linux', {
      taskId: TASK_A,
      rank: 0,
      data: {},
      expires: expires(),
    });
    const namespaces = await index.listNamespaces('project.app');
    expect(namespaces.namespaces.map((n) => [n.namespace, n.name])).toEqual([
      ['project.app.v1', 'v1'],
    ]);
    const tasks = await index.listTasks('project.app');
    expect(tasks.tasks.map((t) => t.namespace)).toEqual(['project.app.latest']);
  });

  it('answers 404 for nothing indexed, and 403 without the scope', async () => {
    await expect(index.findTask('project.none')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(
      index.insertTask('other.place', { taskId: TASK_A, rank: 0, data: {}, expires: expires() }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
  });

  it('indexes a task that completes with index routes, with rank and data from extra.index', async () => {
    const { taskId } = server.queue.defineTask({
      routes: ['index.project.app.nightly', 'other.route'],
      extra: { index: { rank: 7, data: { channel: 'nightly' } } },
    });
    server.queue.runTask(taskId, { outcome: { type: 'completed' } });
    expect(await index.findTask('project.app.nightly')).toMatchObject({
      taskId,
      rank: 7,
      data: { channel: 'nightly' },
      expires: server.queue.task(taskId).expires,
    });
  });

  it('does not index a task that fails', async () => {
    const { taskId } = server.queue.defineTask({ routes: ['index.project.app.failing'] });
    server.queue.runTask(taskId, { outcome: { type: 'failed' } });
    await expect(index.findTask('project.app.failing')).rejects.toMatchObject({ statusCode: 404 });
  });
});

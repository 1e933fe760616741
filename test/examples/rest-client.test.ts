/**
 * The REST client example against the simulated Taskcluster (Hawk verified): every task of a
 * played group reported with its state; signed URLs open without credentials; the helper's
 * temporary credentials read the reported artifacts and are refused anything else.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportTaskGroup } from '../../examples/rest-client/report.js';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import { Queue } from '../../src/client/generated/queue.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';

describe('the REST client example', () => {
  let simulation: Simulation;
  const taskGroupId = slugId();

  beforeAll(async () => {
    simulation = await startSimulation();
    await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
  });
  afterAll(async () => {
    await simulation?.close();
  });

  it('reports every task of the group with its final state', async () => {
    const { tasks } = await reportTaskGroup(simulation.taskcluster, taskGroupId);
    const expected = DEMO_TASK_GROUP.tasks.map((task) => task.name).sort();
    expect(tasks.map((task) => task.name).sort()).toEqual(expected);
    for (const task of tasks) {
      expect(task.state).toBe(simulation.server.queue.status(task.taskId).state);
    }
    expect(tasks.some((task) => task.artifacts.length > 0)).toBe(true);
  });

  it('signs artifact URLs that work without credentials', async () => {
    const { tasks } = await reportTaskGroup(simulation.taskcluster, taskGroupId);
    const url = tasks.flatMap((task) => task.artifacts)[0]!.url;
    expect(new URL(url).searchParams.has('bewit')).toBe(true);
    const response = await fetch(url, { redirect: 'manual' });
    expect([200, 303]).toContain(response.status);
    const unsigned = new URL(url);
    unsigned.searchParams.delete('bewit');
    const refused = await fetch(unsigned, { redirect: 'manual' });
    expect(refused.status).toBe(403);
  });

  it('gives the helper credentials that read the reported artifacts and nothing else', async () => {
    const { tasks, helperCredentials } = await reportTaskGroup(simulation.taskcluster, taskGroupId);
    const helper = new Queue({
      rootUrl: simulation.taskcluster.rootUrl,
      credentials: helperCredentials,
    });
    const task = tasks.find((t) => t.artifacts.length > 0)!;
    const content = await helper.latestArtifact(task.taskId, task.artifacts[0]!.name);
    expect(content).toHaveProperty('storageType');
    const error = await helper.listTaskGroup(taskGroupId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect((error as TaskclusterHttpError).code).toBe('InsufficientScopes');
  });
});

/**
 * The simulated queue's scheduling and worker methods through the project's Queue client:
 * claimWork hands out runs with temporary credentials that reclaim and resolve them,
 * scheduleTask, rerunTask and cancelTask move tasks as the queue does, listDependentTasks,
 * sealTaskGroup and cancelTaskGroup act on groups; each checks the scopes its reference names,
 * with the task's schedulerId, group and project filled in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromNowJSON, Queue, slugId } from '../../src/index.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

function taskRequest(taskGroupId: string, overrides: Record<string, unknown> = {}) {
  return {
    taskQueueId: 'proj-x/ci',
    taskGroupId,
    schedulerId: 'ci',
    projectId: 'x',
    created: fromNowJSON('0 seconds'),
    deadline: fromNowJSON('1 hour'),
    payload: {},
    metadata: {
      name: 'n',
      description: 'd',
      owner: 'o@example.com',
      source: 'https://example.com',
    },
    ...overrides,
  };
}

describe('simulated queue: workers and scheduling', () => {
  let server: TaskclusterServer;
  let scheduler: InstanceType<typeof Queue>;
  let worker: InstanceType<typeof Queue>;
  let outsider: InstanceType<typeof Queue>;

  beforeAll(async () => {
    const deployment = await startWithClients({
      scheduler: [
        'queue:create-task:lowest:proj-x/ci',
        'queue:create-task:project:x',
        'queue:scheduler-id:ci',
        'queue:schedule-task-in-project:x',
        'queue:rerun-task:ci/*',
        'queue:cancel-task-in-project:x',
        'queue:seal-task-group:ci/*',
        'queue:cancel-task-group:ci/*',
        'queue:list-dependent-tasks:*',
        'queue:status:*',
      ],
      worker: ['queue:claim-work:proj-x/ci', 'queue:worker-id:wg/*'],
      outsider: ['queue:status:*'],
    });
    server = deployment.server;
    scheduler = new Queue(deployment.as('scheduler'));
    worker = new Queue(deployment.as('worker'));
    outsider = new Queue(deployment.as('outsider'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('claims work with credentials that reclaim and resolve the run', async () => {
    const taskId = slugId();
    await scheduler.createTask(taskId, taskRequest(taskId));
    const claim = { tasks: 2, workerGroup: 'wg', workerId: 'w1' };
    const { tasks } = await worker.claimWork('proj-x/ci', claim);
    expect(tasks.map((t) => [t.status.taskId, t.runId, t.status.state])).toEqual([
      [taskId, 0, 'running'],
    ]);
    const run = new Queue({
      rootUrl: server.rootUrl,
      credentials: tasks[0]!.credentials,
      maxRetries: 0,
    });
    const reclaimed = await run.reclaimTask(taskId, 0);
    expect(reclaimed.takenUntil >= tasks[0]!.takenUntil).toBe(true);
    const { status } = await run.reportCompleted(taskId, 0);
    expect(status.state).toBe('completed');
    // Reporting it again is a no-op, as for the queue; the credentials are of this run only.
    await expect(run.reportCompleted(taskId, 0)).resolves.toMatchObject({
      status: { state: 'completed' },
    });
    await expect(run.reportFailed(slugId(), 0)).rejects.toMatchObject({ statusCode: 403 });
    expect(
      server.queue.messages
        .filter((m) => 'status' in m.payload && m.payload.status.taskId === taskId)
        .map((m) => m.type),
    ).toEqual(['taskDefined', 'taskPending', 'taskRunning', 'taskCompleted']);
    expect((await worker.claimWork('proj-x/ci', claim)).tasks).toEqual([]);
  });

  it('retries a run its worker reports as worker-shutdown, and fails one reported failed', async () => {
    const taskId = slugId();
    await scheduler.createTask(taskId, taskRequest(taskId));
    const [first] = (
      await worker.claimWork('proj-x/ci', { tasks: 1, workerGroup: 'wg', workerId: 'w1' })
    ).tasks;
    const run = new Queue({
      rootUrl: server.rootUrl,
      credentials: first!.credentials,
      maxRetries: 0,
    });
    const after = await run.reportException(taskId, 0, { reason: 'worker-shutdown' });
    expect(after.status.runs.map((r) => [r.state, r.reasonCreated])).toEqual([
      ['exception', 'scheduled'],
      ['pending', 'retry'],
    ]);
    const [second] = (
      await worker.claimWork('proj-x/ci', { tasks: 1, workerGroup: 'wg', workerId: 'w2' })
    ).tasks;
    expect(second!.runId).toBe(1);
    const retried = new Queue({
      rootUrl: server.rootUrl,
      credentials: second!.credentials,
      maxRetries: 0,
    });
    expect((await retried.reportFailed(taskId, 1)).status.state).toBe('failed');
  });

  it('refuses a claim for another worker group', async () => {
    await expect(
      worker.claimWork('proj-x/ci', { tasks: 1, workerGroup: 'elsewhere', workerId: 'w1' }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
  });

  it('schedules, reruns and cancels tasks; lists a task’s dependents', async () => {
    const groupId = slugId();
    const parent = slugId();
    const child = slugId();
    await scheduler.createTask(parent, taskRequest(groupId));
    await scheduler.createTask(child, taskRequest(groupId, { dependencies: [parent] }));
    expect((await scheduler.status(child)).status.state).toBe('unscheduled');
    const dependents = await scheduler.listDependentTasks(parent);
    expect(dependents.tasks.map((t) => t.status.taskId)).toEqual([child]);

    expect((await scheduler.scheduleTask(child)).status.state).toBe('pending');
    const canceled = await scheduler.cancelTask(child);
    expect(canceled.status.runs.at(-1)).toMatchObject({
      state: 'exception',
      reasonResolved: 'canceled',
    });

    server.queue.runTask(parent, { outcome: { type: 'completed' } });
    const rerun = await scheduler.rerunTask(parent);
    expect(rerun.status.runs.map((r) => [r.state, r.reasonCreated])).toEqual([
      ['completed', 'scheduled'],
      ['pending', 'rerun'],
    ]);
  });

  it('cancels a task that was never scheduled with a run of its own', async () => {
    const groupId = slugId();
    const blocked = slugId();
    await scheduler.createTask(blocked, taskRequest(groupId, { dependencies: [slugId()] }));
    const { status } = await scheduler.cancelTask(blocked);
    expect(status.runs).toEqual([
      expect.objectContaining({
        state: 'exception',
        reasonCreated: 'exception',
        reasonResolved: 'canceled',
      }),
    ]);
  });

  it('refuses to change a task without the scopes its expression names', async () => {
    const taskId = slugId();
    await scheduler.createTask(taskId, taskRequest(taskId));
    const error = await outsider.cancelTask(taskId).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
    // Any one of the reference's alternatives, filled in with the task's ids, would do.
    expect(error.message).toContain(`queue:cancel-task:ci/${taskId}/${taskId}`);
    expect(error.message).toContain('queue:cancel-task-in-project:x');
    expect((await outsider.status(taskId)).status.state).toBe('pending');
  });

  it('seals a task group against new tasks, and cancels what is left of it', async () => {
    const groupId = slugId();
    const done = slugId();
    const waiting = slugId();
    await scheduler.createTask(done, taskRequest(groupId));
    await scheduler.createTask(waiting, taskRequest(groupId));
    server.queue.runTask(done, { outcome: { type: 'completed' } });
    const sealed = await scheduler.sealTaskGroup(groupId);
    expect(sealed).toMatchObject({
      taskGroupId: groupId,
      schedulerId: 'ci',
      sealed: expect.any(String),
    });
    await expect(scheduler.createTask(slugId(), taskRequest(groupId))).rejects.toMatchObject({
      statusCode: 409,
      code: 'RequestConflict',
    });
    expect(await scheduler.cancelTaskGroup(groupId)).toEqual({
      taskGroupId: groupId,
      taskGroupSize: 2,
      cancelledCount: 1,
      taskIds: [waiting],
    });
    expect((await scheduler.status(waiting)).status.state).toBe('exception');
  });
});

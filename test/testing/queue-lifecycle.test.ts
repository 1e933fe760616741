import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../src/testing/pulse-messages.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { schemaErrors } from './schemas.js';

const SCHEMAS: Record<QueueMessage['type'], string> = {
  taskDefined: 'queue/v1/task-defined-message.json',
  taskPending: 'queue/v1/task-pending-message.json',
  taskRunning: 'queue/v1/task-running-message.json',
  taskCompleted: 'queue/v1/task-completed-message.json',
  taskFailed: 'queue/v1/task-failed-message.json',
  taskException: 'queue/v1/task-exception-message.json',
  artifactCreated: 'queue/v1/artifact-created-message.json',
  taskGroupResolved: 'queue/v1/task-group-changed-message.json',
};

describe('simulated queue: task-group lifecycle and its Pulse messages', () => {
  let server: TaskclusterServer;
  const seen: QueueMessage[] = [];

  beforeAll(async () => {
    server = await startTaskclusterServer();
    server.queue.onMessage((message) => seen.push(message));
  });
  afterAll(async () => {
    await server.close();
  });

  it('plays a task group and produces messages that validate against the exchange schemas', () => {
    const queue = server.queue;
    const build = queue.defineTask({
      routes: ['index.project.sim.build'],
      tags: { kind: 'build' },
    });
    const taskGroupId = build.taskId;
    const test = queue.defineTask({ taskGroupId, dependencies: [build.taskId] });
    const lint = queue.defineTask({ taskGroupId });

    expect(build.messages.map((m) => m.type)).toEqual(['taskDefined', 'taskPending']);
    // A dependent task waits for its dependency.
    expect(test.messages.map((m) => m.type)).toEqual(['taskDefined']);
    expect(queue.status(test.taskId).state).toBe('unscheduled');

    queue.claimTask(build.taskId, { workerGroup: 'wg-1', workerId: 'w-1' });
    queue.addArtifact(build.taskId, {
      storageType: 'object',
      name: 'public/build/target.tar.gz',
      content: 'binary',
    });
    queue.addArtifact(build.taskId, {
      storageType: 'error',
      name: 'public/missing.log',
      reason: 'file-missing-on-worker',
      message: 'no such file',
    });
    queue.addArtifact(build.taskId, {
      storageType: 's3',
      name: 'public/logs/live.log',
      content: 'log',
    });
    const completed = queue.resolveTask(build.taskId, { type: 'completed' });
    expect(completed.map((m) => m.type)).toEqual(['taskCompleted', 'taskPending']);

    queue.claimTask(test.taskId);
    queue.resolveTask(test.taskId, { type: 'failed' });
    const last = queue.resolveTask(lint.taskId, { type: 'exception', reason: 'canceled' });
    expect(last.map((m) => m.type)).toEqual(['taskException', 'taskGroupResolved']);

    expect(seen.map((m) => m.type)).toEqual([
      'taskDefined',
      'taskPending',
      'taskDefined',
      'taskDefined',
      'taskPending',
      'taskRunning',
      'artifactCreated',
      'artifactCreated',
      'taskCompleted',
      'taskPending',
      'taskRunning',
      'taskFailed',
      'taskException',
      'taskGroupResolved',
    ]);
    expect(queue.messages).toEqual(seen);
    for (const message of seen) {
      expect(schemaErrors(SCHEMAS[message.type], message.payload), message.type).toEqual([]);
    }

    const running = seen.find((m) => m.type === 'taskRunning')!;
    expect(running.exchange).toBe('exchange/taskcluster-queue/v1/task-running');
    expect(running.routingKey).toBe(
      `primary.${build.taskId}.0.wg-1.w-1.proj-simulated.ci.-.${taskGroupId}._`,
    );
    expect(running.cc).toEqual(['route.index.project.sim.build']);
    expect(seen[0]!.routingKey).toBe(
      `primary.${build.taskId}._._._.proj-simulated.ci.-.${taskGroupId}._`,
    );
    expect(seen.at(-1)!.routingKey).toBe(`primary.${taskGroupId}.-._`);
    // Messages are snapshots: the defined message still says unscheduled.
    expect(seen[0]!.payload).toMatchObject({ status: { state: 'unscheduled', runs: [] } });
    expect(queue.status(build.taskId).runs[0]).toMatchObject({
      state: 'completed',
      reasonResolved: 'completed',
      workerGroup: 'wg-1',
    });
  });

  it('plays a whole run with runTask', () => {
    const { taskGroupId, taskIds } = server.queue.defineTaskGroup([{}, {}]);
    const first = server.queue.runTask(taskIds[0]!, {
      worker: { workerGroup: 'g', workerId: 'w' },
      artifacts: [
        { storageType: 's3', name: 'public/a.txt', content: 'a' },
        { storageType: 'reference', name: 'public/b', url: 'https://example.com/b' },
      ],
      outcome: { type: 'completed' },
    });
    expect(first.map((m) => m.type)).toEqual(['taskRunning', 'artifactCreated', 'taskCompleted']);
    const second = server.queue.runTask(taskIds[1]!, { outcome: { type: 'failed' } });
    expect(second.map((m) => m.type)).toEqual(['taskRunning', 'taskFailed', 'taskGroupResolved']);
    expect(second.at(-1)!.payload).toMatchObject({ taskGroupId });
    expect(server.queue.listArtifacts(taskIds[0]!, 0).map((a) => a.name)).toEqual([
      'public/a.txt',
      'public/b',
    ]);
  });

  it('retries a run that ended with worker-shutdown while retries are left', () => {
    const { taskId } = server.queue.defineTask({ retries: 1 });
    server.queue.claimTask(taskId);
    const first = server.queue.resolveTask(taskId, {
      type: 'exception',
      reason: 'worker-shutdown',
    });
    expect(first.map((m) => m.type)).toEqual(['taskException', 'taskPending']);
    expect(first[1]!.payload).toMatchObject({ runId: 1 });
    for (const message of first) {
      expect(schemaErrors(SCHEMAS[message.type], message.payload)).toEqual([]);
    }
    expect(server.queue.status(taskId)).toMatchObject({
      state: 'pending',
      retriesLeft: 0,
      runs: [{ state: 'exception' }, { state: 'pending', reasonCreated: 'retry' }],
    });
    server.queue.claimTask(taskId);
    const last = server.queue.resolveTask(taskId, { type: 'exception', reason: 'worker-shutdown' });
    expect(last.map((m) => m.type)).toEqual(['taskException', 'taskGroupResolved']);
  });

  it('refuses transitions a real queue refuses', () => {
    const { taskId } = server.queue.defineTask();
    expect(() => server.queue.resolveTask(taskId, { type: 'completed' })).toThrow(
      /cannot be resolved/,
    );
    server.queue.claimTask(taskId);
    expect(() => server.queue.claimTask(taskId)).toThrow(/no pending run/);
  });
});

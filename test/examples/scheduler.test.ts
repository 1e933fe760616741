/**
 * The scheduler on the in-memory broker and the simulated Taskcluster: one follow-up task per
 * completed task, created through the (Hawk-verified) REST API in the same group, depending on
 * the completed task, with relative deadlines; none for failed tasks or for its own follow-ups.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FOLLOW_UP_TAG,
  type Scheduler,
  startScheduler,
} from '../../examples/scheduler/scheduler.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';
import { waitFor } from '../support/rabbitmq.js';

const HOUR_MS = 3_600_000;

describe('scheduler on the simulation', () => {
  let simulation: Simulation;
  let scheduler: Scheduler;
  const taskGroupId = slugId();

  beforeAll(async () => {
    simulation = await startSimulation();
    scheduler = startScheduler({
      broker: simulation.broker,
      taskcluster: simulation.taskcluster,
      taskGroupId,
    });
    await scheduler.ready;
  });
  afterAll(async () => {
    await scheduler?.close();
    await simulation?.close();
  });

  it('creates one follow-up per completed task, and none for its own', async () => {
    const startedAt = Date.now();
    const group = await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
    const completed = DEMO_TASK_GROUP.tasks.filter((t) => t.outcome.type === 'completed');
    await waitFor(
      () => scheduler.created.size === completed.length,
      'a follow-up per completed task',
    );

    const queue = simulation.server.queue;
    expect(new Set(scheduler.created.keys())).toEqual(
      new Set(completed.map((t) => group.taskIds.get(t.name)!)),
    );
    for (const [follows, followUpId] of scheduler.created) {
      const task = queue.task(followUpId);
      expect(task.taskGroupId).toBe(taskGroupId);
      expect(task.dependencies).toEqual([follows]);
      expect(task.tags[FOLLOW_UP_TAG]).toBe(follows);
      expect(task.metadata.name).toBe(`notify: ${group.names.get(follows)} completed`);
      const deadline = Date.parse(task.deadline) - startedAt;
      expect(deadline).toBeGreaterThan(1.9 * HOUR_MS);
      expect(deadline).toBeLessThan(2.1 * HOUR_MS);
      // Its dependency completed, so it is pending at once.
      expect(queue.status(followUpId).state).toBe('pending');
    }
    const creates = simulation.server.requests.filter((r) =>
      r.route?.startsWith('PUT /api/queue/v1/task/'),
    );
    expect(creates).toHaveLength(completed.length);
    for (const request of creates) expect(request.auth).toBe('hawk');

    // A follow-up that completes starts nothing.
    const followUp = [...scheduler.created.values()][0]!;
    queue.claimTask(followUp);
    queue.resolveTask(followUp, { type: 'completed' });
    await simulation.forwarder.flush();
    const marker = slugId();
    const other = queue.defineTask({
      taskGroupId,
      metadata: { ...queue.task(followUp).metadata, name: marker },
    });
    queue.claimTask(other.taskId);
    queue.resolveTask(other.taskId, { type: 'completed' });
    await simulation.forwarder.flush();
    // The scheduler handles one message at a time, in order: once the marker's follow-up exists,
    // the earlier completion of the follow-up has been handled too.
    await waitFor(() => scheduler.created.has(other.taskId), 'the marker task handled');
    expect(scheduler.created.has(followUp)).toBe(false);
    expect(scheduler.created.size).toBe(completed.length + 1);
  });
});

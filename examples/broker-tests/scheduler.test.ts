/**
 * A bot author's integration test on a real RabbitMQ: the scheduler example reacts to a task
 * group played by the simulated Taskcluster, and creates one follow-up per completed task.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { slugId } from '../../src/index.js';
import {
  DEMO_TASK_GROUP,
  type Simulation,
  startSimulation,
  startTestBroker,
  type TestBroker,
} from '../../src/testing/index.js';
import { type Scheduler, startScheduler } from '../scheduler/scheduler.js';

let broker: TestBroker;
let simulation: Simulation;
let scheduler: Scheduler;
const taskGroupId = slugId();

beforeAll(async () => {
  // The run's broker (PULSE_TEST_URL, from the global set-up), or one of its own when alone.
  broker = await startTestBroker();
  simulation = await startSimulation({ broker: broker.url });
  scheduler = startScheduler({
    broker: broker.url,
    taskcluster: simulation.taskcluster,
    taskGroupId,
  });
  await scheduler.ready; // bound and consuming: nothing published from now on is missed
});

afterAll(async () => {
  await scheduler?.close();
  await simulation?.close();
  await broker?.stop();
});

it('creates a follow-up task for each completed task', async () => {
  const group = await simulation.play(DEMO_TASK_GROUP, { taskGroupId, stepDelay: 1 });
  const completed = DEMO_TASK_GROUP.tasks.filter((task) => task.outcome.type === 'completed');
  await expect.poll(() => scheduler.created.size, { timeout: 30_000 }).toBe(completed.length);
  for (const task of completed) {
    expect(scheduler.created.has(group.taskIds.get(task.name)!)).toBe(true);
  }
});

/**
 * Runs the scheduler alone: `npx tsx examples/scheduler/main.ts [taskGroupId]`. With
 * `PULSE_URL` (and `TASKCLUSTER_*` with `queue:create-task:...` scopes) it follows a real
 * deployment until Ctrl-C; without, it plays the demo's task group on a simulation and prints
 * the follow-up tasks it created.
 */

import { DEMO_TASK_GROUP } from '../../src/testing/index.js';
import { exampleEnvironment } from '../environment.js';
import { startScheduler } from './scheduler.js';

const environment = await exampleEnvironment();
const taskGroupId = process.argv[2];
const scheduler = startScheduler({
  broker: environment.broker,
  taskcluster: environment.taskcluster,
  ...(taskGroupId === undefined ? {} : { taskGroupId }),
  ...(environment.namespace === undefined ? {} : { namespace: environment.namespace }),
  ...(environment.simulation === undefined ? { queueName: 'scheduler' } : {}),
  onCreated: (task) => process.stdout.write(`created ${task.taskId}: ${task.name}\n`),
});
await scheduler.ready;
const stop = async () => {
  await scheduler.close();
  await environment.close();
};
if (environment.simulation === undefined) {
  process.once('SIGINT', () => void stop());
} else {
  await environment.simulation.play(DEMO_TASK_GROUP);
  const completed = DEMO_TASK_GROUP.tasks.filter((t) => t.outcome.type === 'completed').length;
  while (scheduler.created.size < completed) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stop();
}

/**
 * Runs the task-group monitor alone: `npx tsx examples/task-group-monitor/main.ts [taskGroupId]`.
 * With `PULSE_URL` and `TASKCLUSTER_ROOT_URL` it follows that task group on a real deployment;
 * otherwise it plays the demo's task group slowly on a simulation. Open the printed URL; Ctrl-C
 * stops it.
 */

import { slugId } from '../../src/index.js';
import { DEMO_TASK_GROUP } from '../../src/testing/index.js';
import { exampleEnvironment } from '../environment.js';
import { startTaskGroupMonitor } from './monitor.js';

/** Pause between the simulated group's steps, slow enough to watch. */
const WATCHABLE_STEP_MS = 700;

const stopped = new AbortController();
process.once('SIGINT', () => stopped.abort());
process.once('SIGTERM', () => stopped.abort());

const environment = await exampleEnvironment();
const taskGroupId = process.argv[2] ?? slugId();
const monitor = await startTaskGroupMonitor({
  broker: environment.broker,
  taskcluster: environment.taskcluster,
  taskGroupId,
  ...(environment.namespace === undefined ? {} : { namespace: environment.namespace }),
});
await monitor.ready;
process.stdout.write(`task group ${taskGroupId}: open ${monitor.url}\n`);
const signal = stopped.signal;
if (environment.simulation !== undefined) {
  try {
    await environment.simulation.play(DEMO_TASK_GROUP, {
      taskGroupId,
      stepDelay: WATCHABLE_STEP_MS,
      signal,
    });
    process.stdout.write('the task group is resolved; Ctrl-C to stop\n');
  } catch (error) {
    // Stopped while playing.
    if (!signal.aborted) throw error;
  }
}
if (!signal.aborted) {
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
}
await monitor.close();
await environment.close();

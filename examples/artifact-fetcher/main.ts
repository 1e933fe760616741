/**
 * Runs the artifact fetcher alone: `npx tsx examples/artifact-fetcher/main.ts [taskGroupId]`.
 * With `PULSE_URL` (and `TASKCLUSTER_ROOT_URL`, credentials from `TASKCLUSTER_*`) it follows a
 * real deployment on the durable queue `artifact-fetcher` until Ctrl-C; without, it plays the
 * demo's task group on a simulation and stops when the group is done.
 */

import { DEMO_TASK_GROUP } from '../../src/testing/index.js';
import { exampleEnvironment } from '../environment.js';
import { startArtifactFetcher } from './fetcher.js';

const environment = await exampleEnvironment();
const taskGroupId = process.argv[2];
const fetcher = startArtifactFetcher({
  broker: environment.broker,
  taskcluster: environment.taskcluster,
  ...(taskGroupId === undefined ? {} : { taskGroupId }),
  ...(environment.namespace === undefined ? {} : { namespace: environment.namespace }),
  ...(environment.simulation === undefined ? { queueName: 'artifact-fetcher' } : {}),
  onTask: (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
});
await fetcher.ready;
const stop = async () => {
  await fetcher.close();
  await environment.close();
  process.stdout.write(`${JSON.stringify(fetcher.stats)}\n`);
};
if (environment.simulation === undefined) {
  process.once('SIGINT', () => void stop());
} else {
  await environment.simulation.play(DEMO_TASK_GROUP);
  while (fetcher.stats.tasksSeen < DEMO_TASK_GROUP.tasks.length) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stop();
}

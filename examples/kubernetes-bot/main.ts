/**
 * Runs the artifact counter as its container does: `npx tsx examples/kubernetes-bot/main.ts`.
 * With `PULSE_URL` and `TASKCLUSTER_ROOT_URL` (and `TASKCLUSTER_*` credentials) it follows a
 * real deployment; without, it plays the demo's task group on a simulation. Either way it
 * serves `/healthz`, `/livez` and `/metrics` on `HEALTH_PORT` until SIGTERM or Ctrl-C, then
 * shuts down within `GRACE_PERIOD_MS` and exits.
 */

import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_HEALTH_PORT, InputError } from '../../src/index.js';
import { DEMO_TASK_GROUP } from '../../src/testing/index.js';
import { exampleEnvironment } from '../environment.js';
import { DEFAULT_QUEUE_NAME, startArtifactCounter } from './bot.js';

/** A whole number from the environment, or its default. */
function integer(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new InputError(`${name} must be a non-negative integer, got "${text}"`);
  }
  return value;
}

const port = integer('HEALTH_PORT', DEFAULT_HEALTH_PORT);
const gracePeriod = integer('GRACE_PERIOD_MS', DEFAULT_GRACE_PERIOD_MS);
const environment = await exampleEnvironment();
const bot = await startArtifactCounter({
  broker: environment.broker,
  taskcluster: environment.taskcluster,
  ...(environment.namespace === undefined ? {} : { namespace: environment.namespace }),
  queueName: process.env.QUEUE_NAME || DEFAULT_QUEUE_NAME,
  port,
  gracePeriod,
});
await bot.runner.ready;
process.stdout.write(`artifact-counter: health and metrics on ${bot.health.url}\n`);
if (environment.simulation !== undefined) {
  await environment.simulation.play(DEMO_TASK_GROUP);
  process.stdout.write('artifact-counter: the demo task group played; SIGTERM or Ctrl-C to stop\n');
}

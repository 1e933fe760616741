/**
 * Realistic `task-completed` messages (about 1.5 KB of JSON, real routing keys and CC routes),
 * built with the project's Pulse message builders, and the exchange they are published to.
 */

import { randomBytes } from 'node:crypto';
import { QueueEvents, slugId } from '../src/index.js';
import { simulatedTaskDefinition, taskResolvedMessage } from '../src/testing/index.js';
import type { TaskRun, TaskStatus } from '../src/testing/queue-types.js';

/** Distinct messages built; the pre-fill cycles through them. */
const DISTINCT_MESSAGES = 512;
const HOUR_MS = 3_600_000;

/** One message ready to publish. */
export interface BenchMessage {
  routingKey: string;
  cc: string[];
  content: Buffer;
}

/**
 * A unique exchange prefix for one benchmark run, so the queue's exchange names never clash with
 * anything else on the broker; the exchange names and routing keys are otherwise the real ones.
 */
export function benchExchangePrefix(): string {
  return `exchange/bench-${randomBytes(4).toString('hex')}/taskcluster-queue/v1/`;
}

/** The events class whose `taskCompleted` binding the consumers use. */
export function benchEvents(exchangePrefix: string): InstanceType<typeof QueueEvents> {
  return new QueueEvents({ exchangePrefix });
}

function completedRun(runId: number, now: number, workerId: string): TaskRun {
  return {
    runId,
    state: 'completed',
    reasonCreated: runId === 0 ? 'scheduled' : 'retry',
    reasonResolved: 'completed',
    workerGroup: 'us-east1',
    workerId,
    takenUntil: new Date(now + 20 * 60_000).toISOString(),
    scheduled: new Date(now - HOUR_MS).toISOString(),
    started: new Date(now - HOUR_MS / 2).toISOString(),
    resolved: new Date(now).toISOString(),
  };
}

/** A `task-completed` message of a task with routes, tags and a retried run. */
export function taskCompleted(now: number): BenchMessage {
  const taskId = slugId();
  const taskGroupId = slugId();
  const workerId = `i-0${randomBytes(8).toString('hex')}`;
  const task = simulatedTaskDefinition(taskId, now, {
    provisionerId: 'gecko-3',
    workerType: 'b-linux-large-gcp',
    schedulerId: 'gecko-level-3',
    projectId: 'gecko',
    taskGroupId,
    routes: [
      `index.gecko.v2.mozilla-central.revision.${randomBytes(20).toString('hex')}.firefox.linux64-opt`,
      'index.gecko.v2.mozilla-central.latest.firefox.linux64-opt',
      'tc-treeherder.v2.mozilla-central.abcdef0123456789',
      'checks',
    ],
    tags: {
      kind: 'build',
      label: 'build-linux64/opt',
      os: 'linux',
      createdForUser: 'someone@example.com',
      'worker-implementation': 'generic-worker',
      retrigger: 'true',
      project: 'mozilla-central',
      trust_domain: 'gecko',
    },
  });
  // Two runs lost to worker shutdowns, then the completed one.
  const runs = [0, 1, 2].map((runId) => completedRun(runId, now - (2 - runId) * HOUR_MS, workerId));
  for (const lost of runs.slice(0, 2)) {
    lost.state = 'exception';
    lost.reasonResolved = 'worker-shutdown';
  }
  const status: TaskStatus = {
    taskId,
    provisionerId: task.provisionerId,
    workerType: task.workerType,
    taskQueueId: task.taskQueueId,
    schedulerId: task.schedulerId,
    projectId: task.projectId,
    taskGroupId,
    deadline: task.deadline,
    expires: task.expires,
    retriesLeft: 3,
    state: 'completed',
    runs,
  };
  const message = taskResolvedMessage('taskCompleted', task, status, {
    runId: 2,
    workerGroup: 'us-east1',
    workerId,
  });
  return {
    routingKey: message.routingKey,
    cc: message.cc,
    content: Buffer.from(JSON.stringify(message.payload)),
  };
}

/** {@link DISTINCT_MESSAGES} distinct messages, cycled through by the pre-fill. */
export function messagePool(): BenchMessage[] {
  const now = Date.now();
  return Array.from({ length: DISTINCT_MESSAGES }, () => taskCompleted(now));
}

/**
 * Task definitions for the simulated queue: the defaults `createTask` applies
 * (`create-task-request.json`) to a request its schema accepted.
 */
import type { CreateTaskRequest } from '../client/generated/queue.js';
import { invalidInput, isoDate } from './payload-checks.js';
import type { JsonObject, TaskDefinition } from './queue-types.js';

/** Defaults of a task defined by the simulation's driving methods. */
export const DEFAULT_PROVISIONER_ID = 'proj-simulated';
/** The default worker type of simulated tasks. */
export const DEFAULT_WORKER_TYPE = 'ci';
/** How long a simulated task may run before its deadline: 1 day. */
const DEFAULT_DEADLINE_MS = 24 * 60 * 60 * 1000;
/** How long a simulated task is kept: 30 days. */
const DEFAULT_EXPIRES_MS = 30 * 24 * 60 * 60 * 1000;
/** How long a created task without `expires` is kept after its deadline: 1 year, as the queue. */
const DEFAULT_EXPIRES_AFTER_DEADLINE_MS = 365 * 24 * 60 * 60 * 1000;

const SLUGID = /^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/;

/** Whether a string is a slugid as the queue's schemas require for ids. */
export function isSlugId(value: string): boolean {
  return SLUGID.test(value);
}

/** A complete definition for the simulation: `overrides` over sensible defaults. */
export function simulatedTaskDefinition(
  taskId: string,
  now: number,
  overrides: Partial<TaskDefinition> = {},
): TaskDefinition {
  const provisionerId = overrides.provisionerId ?? DEFAULT_PROVISIONER_ID;
  const workerType = overrides.workerType ?? DEFAULT_WORKER_TYPE;
  return {
    provisionerId,
    workerType,
    taskQueueId: `${provisionerId}/${workerType}`,
    schedulerId: '-',
    projectId: 'none',
    taskGroupId: taskId,
    dependencies: [],
    requires: 'all-completed',
    routes: [],
    priority: 'lowest',
    retries: 5,
    created: new Date(now).toISOString(),
    deadline: new Date(now + DEFAULT_DEADLINE_MS).toISOString(),
    expires: new Date(now + DEFAULT_EXPIRES_MS).toISOString(),
    scopes: [],
    payload: {},
    metadata: {
      name: `Simulated task ${taskId}`,
      description: 'A task of the simulated Taskcluster deployment',
      owner: 'simulation@example.com',
      source: 'https://example.com/simulation',
    },
    tags: {},
    extra: {},
    ...overrides,
  };
}

/**
 * The worker pool of a request: `taskQueueId`, or `provisionerId` with `workerType` (the
 * schema takes either and leaves the choice to the queue).
 */
function taskQueueOf(request: CreateTaskRequest): { provisionerId: string; workerType: string } {
  if (request.taskQueueId !== undefined) {
    const [provisionerId, workerType] = request.taskQueueId.split('/') as [string, string];
    return { provisionerId, workerType };
  }
  if (request.provisionerId === undefined || request.workerType === undefined) {
    throw invalidInput('`taskQueueId` (or `provisionerId` and `workerType`) is required');
  }
  return { provisionerId: request.provisionerId, workerType: request.workerType };
}

/**
 * The definition `createTask` stores for a request its input schema accepted: the worker
 * pool checked, defaults applied as the request schema states them.
 */
export function taskDefinitionFromRequest(
  taskId: string,
  request: CreateTaskRequest,
): TaskDefinition {
  const { provisionerId, workerType } = taskQueueOf(request);
  const deadline = isoDate(request.deadline);
  return {
    provisionerId,
    workerType,
    taskQueueId: `${provisionerId}/${workerType}`,
    schedulerId: request.schedulerId ?? '-',
    projectId: request.projectId ?? 'none',
    taskGroupId: request.taskGroupId ?? taskId,
    dependencies: request.dependencies ?? [],
    requires: request.requires ?? 'all-completed',
    routes: request.routes ?? [],
    priority: request.priority ?? 'lowest',
    retries: request.retries ?? 5,
    created: isoDate(request.created),
    deadline,
    expires:
      request.expires === undefined
        ? new Date(Date.parse(deadline) + DEFAULT_EXPIRES_AFTER_DEADLINE_MS).toISOString()
        : isoDate(request.expires),
    scopes: request.scopes ?? [],
    payload: request.payload as JsonObject,
    metadata: request.metadata,
    tags: request.tags ?? {},
    extra: (request.extra ?? {}) as JsonObject,
  };
}

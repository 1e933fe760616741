/**
 * Task definitions for the simulated queue: the defaults `createTask` applies
 * (`create-task-request.json`) and the checks of the fields the simulation relies on.
 */
import { invalidInput, payloadObject } from './payload-checks.js';
import { type JsonObject, TASK_PRIORITIES, type TaskDefinition } from './queue-types.js';

/** Defaults of a task defined by the simulation's driving methods. */
export const DEFAULT_PROVISIONER_ID = 'proj-simulated';
/** The default worker type of simulated tasks. */
export const DEFAULT_WORKER_TYPE = 'ci';
/** How long a simulated task may run before its deadline: 1 day. */
const DEFAULT_DEADLINE_MS = 24 * 60 * 60 * 1000;
/** How long a simulated task is kept: 30 days. */
const DEFAULT_EXPIRES_MS = 30 * 24 * 60 * 60 * 1000;

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

function dateOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw invalidInput(`\`${field}\` must be a date-time`);
  }
  return new Date(value).toISOString();
}

function stringsOf(value: unknown, field: string): string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidInput(`\`${field}\` must be a list of strings`);
  }
  return value;
}

function optionalString(value: unknown, field: string, fallback: string): string {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || value === '') {
    throw invalidInput(`\`${field}\` must be a non-empty string`);
  }
  return value;
}

/** The worker pool of a request: `taskQueueId`, or `provisionerId` with `workerType`. */
function taskQueueOf(request: JsonObject): { provisionerId: string; workerType: string } {
  if (request.taskQueueId !== undefined) {
    const [provisionerId, workerType, ...rest] = String(request.taskQueueId).split('/');
    if (!provisionerId || !workerType || rest.length > 0) {
      throw invalidInput('`taskQueueId` must be `<provisionerId>/<workerType>`');
    }
    return { provisionerId, workerType };
  }
  return {
    provisionerId: optionalString(request.provisionerId, 'provisionerId', ''),
    workerType: optionalString(request.workerType, 'workerType', ''),
  };
}

/**
 * The definition `createTask` stores for a request body: required fields checked, defaults
 * applied as the request schema states them.
 */
export function taskDefinitionFromRequest(taskId: string, body: unknown): TaskDefinition {
  const request = payloadObject(body);
  for (const field of ['created', 'deadline', 'payload', 'metadata']) {
    if (request[field] === undefined) {
      throw invalidInput(`\`${field}\` is required`);
    }
  }
  const { provisionerId, workerType } = taskQueueOf(request);
  if (!provisionerId || !workerType) {
    throw invalidInput('`taskQueueId` (or `provisionerId` and `workerType`) is required');
  }
  const metadata = payloadObject(request.metadata);
  for (const field of ['name', 'description', 'owner', 'source']) {
    if (typeof metadata[field] !== 'string') {
      throw invalidInput(`\`metadata.${field}\` must be a string`);
    }
  }
  const priority = request.priority ?? 'lowest';
  if (!TASK_PRIORITIES.includes(priority as TaskDefinition['priority'])) {
    throw invalidInput('`priority` is not a known priority');
  }
  const created = dateOf(request.created, 'created');
  const deadline = dateOf(request.deadline, 'deadline');
  const taskGroupId = optionalString(request.taskGroupId, 'taskGroupId', taskId);
  if (!isSlugId(taskGroupId)) {
    throw invalidInput('`taskGroupId` must be a slugid');
  }
  return {
    provisionerId,
    workerType,
    taskQueueId: `${provisionerId}/${workerType}`,
    schedulerId: optionalString(request.schedulerId, 'schedulerId', '-'),
    projectId: optionalString(request.projectId, 'projectId', 'none'),
    taskGroupId,
    dependencies: stringsOf(request.dependencies, 'dependencies'),
    requires: request.requires === 'all-resolved' ? 'all-resolved' : 'all-completed',
    routes: stringsOf(request.routes, 'routes'),
    priority: priority as TaskDefinition['priority'],
    retries: typeof request.retries === 'number' ? request.retries : 5,
    created,
    deadline,
    expires:
      request.expires === undefined
        ? new Date(Date.parse(deadline) + 365 * 24 * 60 * 60 * 1000).toISOString()
        : dateOf(request.expires, 'expires'),
    scopes: stringsOf(request.scopes, 'scopes'),
    payload: payloadObject(request.payload),
    metadata: metadata as unknown as TaskDefinition['metadata'],
    tags: payloadObject(request.tags ?? {}) as Record<string, string>,
    extra: payloadObject(request.extra ?? {}),
  };
}

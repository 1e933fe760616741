/**
 * Builds the queue's Pulse messages (exchange, routing key, CC routes and payload) exactly as
 * the queue's exchange reference and message schemas define them. Every message the
 * simulated deployment produces is built here.
 */
import type { ArtifactInfo, StorageType, TaskDefinition, TaskStatus } from './queue-types.js';

/** The prefix of the queue's exchanges. */
export const QUEUE_EXCHANGE_PREFIX = 'exchange/taskcluster-queue/v1/';
/** The word that stands for an absent routing-key field. */
const NO_VALUE = '_';

/** The task subset carried by task messages (`task-pulse-definition.json`). */
export interface TaskPulseDefinition {
  tags: Record<string, string>;
}

/** Payload of `task-defined`. */
export interface TaskDefinedPayload {
  version: 1;
  status: TaskStatus;
  task: TaskPulseDefinition;
}

/** Payload of `task-pending`. */
export interface TaskPendingPayload {
  version: 1;
  status: TaskStatus;
  runId: number;
  task: TaskPulseDefinition;
}

/** Payload of `task-running`. */
export interface TaskRunningPayload {
  version: 1;
  status: TaskStatus;
  runId: number;
  workerGroup: string;
  workerId: string;
  takenUntil: string;
  task: TaskPulseDefinition;
}

/** Payload of `task-completed` and `task-failed`. */
export interface TaskResolvedPayload {
  version: 1;
  status: TaskStatus;
  runId: number;
  workerGroup: string;
  workerId: string;
  task: TaskPulseDefinition;
}

/** Payload of `task-exception` (a task that never ran has no run nor worker). */
export interface TaskExceptionPayload {
  version: 1;
  status: TaskStatus;
  runId?: number;
  workerGroup?: string;
  workerId?: string;
  task: TaskPulseDefinition;
}

/** Payload of `artifact-created`. */
export interface ArtifactCreatedPayload {
  version: 1;
  status: TaskStatus;
  runId: number;
  workerGroup: string;
  workerId: string;
  artifact: {
    storageType: Exclude<StorageType, 's3'>;
    name: string;
    expires: string;
    contentType: string;
  };
}

/** Payload of `task-group-resolved` (`task-group-changed-message.json`). */
export interface TaskGroupChangedPayload {
  version: 1;
  taskGroupId: string;
  schedulerId: string;
  expires: string;
  sealed?: string;
}

/** Fields every message carries: where it is published and with which routes. */
interface MessageEnvelope {
  /** The full exchange name, e.g. `exchange/taskcluster-queue/v1/task-completed`. */
  exchange: string;
  /** The routing key. */
  routingKey: string;
  /** CC routing keys: `route.<route>` for each of the task's routes. */
  cc: string[];
}

/** A queue message, by the name of its exchange entry. */
export type QueueMessage = MessageEnvelope &
  (
    | { type: 'taskDefined'; payload: TaskDefinedPayload }
    | { type: 'taskPending'; payload: TaskPendingPayload }
    | { type: 'taskRunning'; payload: TaskRunningPayload }
    | { type: 'taskCompleted'; payload: TaskResolvedPayload }
    | { type: 'taskFailed'; payload: TaskResolvedPayload }
    | { type: 'taskException'; payload: TaskExceptionPayload }
    | { type: 'artifactCreated'; payload: ArtifactCreatedPayload }
    | { type: 'taskGroupResolved'; payload: TaskGroupChangedPayload }
  );

/** The exchange of each message type: every exchange the simulated queue publishes on. */
export const QUEUE_EXCHANGES: Readonly<Record<QueueMessage['type'], string>> = {
  taskDefined: 'task-defined',
  taskPending: 'task-pending',
  taskRunning: 'task-running',
  taskCompleted: 'task-completed',
  taskFailed: 'task-failed',
  taskException: 'task-exception',
  artifactCreated: 'artifact-created',
  taskGroupResolved: 'task-group-resolved',
};

/** The run a task message is about, and its worker. */
export interface RunRef {
  runId?: number;
  workerGroup?: string;
  workerId?: string;
}

/** The routing key of a task message: `primary.taskId.runId.workerGroup...taskGroupId._`. */
function taskRoutingKey(status: TaskStatus, run: RunRef): string {
  return [
    'primary',
    status.taskId,
    run.runId === undefined ? NO_VALUE : String(run.runId),
    run.workerGroup ?? NO_VALUE,
    run.workerId ?? NO_VALUE,
    status.provisionerId,
    status.workerType,
    status.schedulerId,
    status.taskGroupId,
    NO_VALUE,
  ].join('.');
}

function envelope(type: QueueMessage['type'], routingKey: string, routes: string[]) {
  return {
    exchange: `${QUEUE_EXCHANGE_PREFIX}${QUEUE_EXCHANGES[type]}`,
    routingKey,
    cc: routes.map((route) => `route.${route}`),
  };
}

/** A deep copy, so a message never changes when the simulation moves on. */
function snapshot(status: TaskStatus): TaskStatus {
  return structuredClone(status);
}

/** What every message about a claimed run starts with. */
function ofRun(status: TaskStatus, run: Required<RunRef>) {
  return {
    version: 1 as const,
    status: snapshot(status),
    runId: run.runId,
    workerGroup: run.workerGroup,
    workerId: run.workerId,
  };
}

/** `task-defined`. */
export function taskDefinedMessage(task: TaskDefinition, status: TaskStatus): QueueMessage {
  return {
    type: 'taskDefined',
    ...envelope('taskDefined', taskRoutingKey(status, {}), task.routes),
    payload: { version: 1, status: snapshot(status), task: { tags: { ...task.tags } } },
  };
}

/** `task-pending` for a run. */
export function taskPendingMessage(
  task: TaskDefinition,
  status: TaskStatus,
  runId: number,
): QueueMessage {
  return {
    type: 'taskPending',
    ...envelope('taskPending', taskRoutingKey(status, { runId }), task.routes),
    payload: { version: 1, status: snapshot(status), runId, task: { tags: { ...task.tags } } },
  };
}

/** `task-running` for a claimed run. */
export function taskRunningMessage(
  task: TaskDefinition,
  status: TaskStatus,
  run: Required<RunRef> & { takenUntil: string },
): QueueMessage {
  return {
    type: 'taskRunning',
    ...envelope('taskRunning', taskRoutingKey(status, run), task.routes),
    payload: {
      ...ofRun(status, run),
      takenUntil: run.takenUntil,
      task: { tags: { ...task.tags } },
    },
  };
}

/** `task-completed` or `task-failed` for a resolved run. */
export function taskResolvedMessage(
  type: 'taskCompleted' | 'taskFailed',
  task: TaskDefinition,
  status: TaskStatus,
  run: Required<RunRef>,
): QueueMessage {
  return {
    type,
    ...envelope(type, taskRoutingKey(status, run), task.routes),
    payload: {
      ...ofRun(status, run),
      task: { tags: { ...task.tags } },
    },
  };
}

/** `task-exception`, with the run and worker when the run had been claimed. */
export function taskExceptionMessage(
  task: TaskDefinition,
  status: TaskStatus,
  run: RunRef,
): QueueMessage {
  const payload: TaskExceptionPayload = {
    version: 1,
    status: snapshot(status),
    task: { tags: { ...task.tags } },
  };
  if (run.runId !== undefined) {
    payload.runId = run.runId;
  }
  if (run.workerGroup !== undefined && run.workerId !== undefined) {
    payload.workerGroup = run.workerGroup;
    payload.workerId = run.workerId;
  }
  return {
    type: 'taskException',
    ...envelope('taskException', taskRoutingKey(status, run), task.routes),
    payload,
  };
}

/** `artifact-created` (never sent for `s3` artifacts, as the queue does). */
export function artifactCreatedMessage(
  task: TaskDefinition,
  status: TaskStatus,
  run: Required<RunRef>,
  artifact: ArtifactInfo & { storageType: Exclude<StorageType, 's3'> },
): QueueMessage {
  return {
    type: 'artifactCreated',
    ...envelope('artifactCreated', taskRoutingKey(status, run), task.routes),
    payload: {
      ...ofRun(status, run),
      artifact: {
        storageType: artifact.storageType,
        name: artifact.name,
        expires: artifact.expires,
        contentType: artifact.contentType,
      },
    },
  };
}

/** `task-group-resolved`: every task of the group is resolved. */
export function taskGroupResolvedMessage(group: {
  taskGroupId: string;
  schedulerId: string;
  expires: string;
}): QueueMessage {
  return {
    type: 'taskGroupResolved',
    ...envelope(
      'taskGroupResolved',
      ['primary', group.taskGroupId, group.schedulerId, NO_VALUE].join('.'),
      [],
    ),
    payload: {
      version: 1,
      taskGroupId: group.taskGroupId,
      schedulerId: group.schedulerId,
      expires: group.expires,
    },
  };
}

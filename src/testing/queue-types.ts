/**
 * The queue's data shapes, as its v1 JSON schemas define them (`task.json`, `task-status.json`,
 * `artifact-response.json`, ...), for the simulated queue's state and answers. They are
 * stricter than the generated response types (fields the simulation always fills are
 * required) and assignable to them; the tests check that.
 */
import type { JsonValue } from '../index.js';

/** A JSON object (a parsed request body or a task's payload). */
export type JsonObject = { [key: string]: JsonValue };

/** Task priorities, highest first. */
export const TASK_PRIORITIES = [
  'highest',
  'very-high',
  'high',
  'medium',
  'low',
  'very-low',
  'lowest',
] as const;

/** A task's priority. */
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** A task's metadata (`task-metadata.json`). */
export interface TaskMetadata {
  name: string;
  description: string;
  owner: string;
  source: string;
}

/** A task definition (`task.json`). */
export interface TaskDefinition {
  provisionerId: string;
  workerType: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  taskGroupId: string;
  dependencies: string[];
  requires: 'all-completed' | 'all-resolved';
  routes: string[];
  priority: TaskPriority;
  retries: number;
  created: string;
  deadline: string;
  expires: string;
  scopes: string[];
  payload: JsonObject;
  metadata: TaskMetadata;
  tags: Record<string, string>;
  extra: JsonObject;
}

/** Why a run was created. */
export type ReasonCreated = 'scheduled' | 'retry' | 'task-retry' | 'rerun' | 'exception';

/** Why a run was resolved. */
export type ReasonResolved =
  | 'completed'
  | 'failed'
  | 'deadline-exceeded'
  | 'canceled'
  | 'claim-expired'
  | 'worker-shutdown'
  | 'malformed-payload'
  | 'resource-unavailable'
  | 'internal-error'
  | 'intermittent-task'
  | 'superseded';

/** The state of a run. */
export type RunState = 'pending' | 'running' | 'completed' | 'failed' | 'exception';

/** One run of a task (`task-status.json#/properties/runs/items`). */
export interface TaskRun {
  runId: number;
  state: RunState;
  reasonCreated: ReasonCreated;
  reasonResolved?: ReasonResolved;
  workerGroup?: string;
  workerId?: string;
  takenUntil?: string;
  scheduled: string;
  started?: string;
  resolved?: string;
}

/** The state of a task. */
export type TaskState = 'unscheduled' | RunState;

/** A task's status (`task-status.json`). */
export interface TaskStatus {
  taskId: string;
  provisionerId: string;
  workerType: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  taskGroupId: string;
  deadline: string;
  expires: string;
  retriesLeft: number;
  state: TaskState;
  runs: TaskRun[];
}

/** Artifact storage types the queue knows. */
export type StorageType = 's3' | 'object' | 'reference' | 'link' | 'error';

/** Reasons of error artifacts (`post-artifact-request.json`). */
export type ArtifactErrorReason =
  | 'file-missing-on-worker'
  | 'invalid-resource-on-worker'
  | 'too-large-file-on-worker'
  | 'file-not-readable-on-worker';

/** An artifact as the queue lists it (`artifact-response.json`). */
export interface ArtifactInfo {
  storageType: StorageType;
  name: string;
  expires: string;
  contentType: string;
  contentLength?: number;
}

/** Temporary credentials the queue hands out for object artifacts (`object-credentials.json`). */
export interface ObjectCredentials {
  clientId: string;
  accessToken: string;
  certificate: string;
}

/** The answer of `artifact`/`latestArtifact` (`artifact-content-response.json`). */
export type ArtifactContent =
  | { storageType: 's3' | 'reference'; url: string }
  | { storageType: 'object'; name: string; credentials: ObjectCredentials }
  | { storageType: 'error'; reason: string; message: string };

/** The answer of `createArtifact` (`post-artifact-response.json`). */
export type PostArtifactResult =
  | { storageType: 's3'; putUrl: string; expires: string; contentType: string }
  | {
      storageType: 'object';
      name: string;
      projectId: string;
      uploadId: string;
      expires: string;
      credentials: ObjectCredentials;
    }
  | { storageType: 'reference' | 'link' | 'error' };

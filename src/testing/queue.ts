/**
 * The simulated queue: the lifecycle methods that move tasks on (define, schedule, claim,
 * reclaim, resolve, rerun, cancel, add artifacts; seal and cancel task groups) and the answers
 * that need its state. Every transition produces the queue's Pulse
 * messages, returned and passed to listeners.
 */
import type { FinishArtifactRequest, PostArtifactRequest } from '../client/generated/queue.js';
import { slugId } from '../utils/slugid.js';
import { notFound, requestConflict } from './api-error.js';
import type { IssuedCredentials } from './certificate.js';
import {
  artifactCreatedMessage,
  type QueueMessage,
  taskDefinedMessage,
  taskExceptionMessage,
  taskGroupResolvedMessage,
  taskPendingMessage,
  taskResolvedMessage,
  taskRunningMessage,
} from './pulse-messages.js';
import {
  type ArtifactInput,
  artifactNotFound,
  type QueueArtifacts,
  type StoredArtifact,
} from './queue-artifacts.js';
import {
  type ArtifactInfo,
  type PostArtifactResult,
  type ReasonResolved,
  TASK_PRIORITIES,
  type TaskDefinition,
  type TaskRun,
  type TaskStatus,
} from './queue-types.js';
import { simulatedTaskDefinition } from './task-definition.js';
import { type TaskGroupView, TaskStore } from './task-store.js';

/** How long a claim lasts: 20 minutes, as the queue's default. */
export const CLAIM_DURATION_MS = 20 * 60 * 1000;
/** The worker that claims tasks when none is named. */
export const DEFAULT_WORKER = { workerGroup: 'simulated', workerId: 'worker-1' } as const;

/** A worker, by group and id. */
export interface WorkerRef {
  workerGroup: string;
  workerId: string;
}

/** How a run ends. */
export type TaskOutcome =
  | { type: 'completed' }
  | { type: 'failed' }
  | { type: 'exception'; reason: ReasonResolved };

/** How {@link SimulatedQueue.runTask} plays a run. */
export interface TaskRunPlan {
  /** The worker that claims the run; {@link DEFAULT_WORKER} by default. */
  worker?: WorkerRef;
  /** Artifacts the run creates before it is resolved. */
  artifacts?: ArtifactInput[];
  /** How the run ends. */
  outcome: TaskOutcome;
}

/** A listener of the queue's messages. */
export type QueueMessageListener = (message: QueueMessage) => void;

/** Issues temporary credentials with these scopes, valid until `expiry` (epoch ms). */
export type CredentialIssuer = (scopes: string[], expiry: number) => IssuedCredentials;

/** A claimed run, as `claimWork` and `reclaimTask` answer it (`task-claim-response.json`). */
export interface ClaimedRun {
  status: TaskStatus;
  runId: number;
  workerGroup: string;
  workerId: string;
  takenUntil: string;
  credentials: IssuedCredentials;
}

const RESOLVED_STATES = new Set(['completed', 'failed', 'exception']);

/** Exception reasons after which the queue retries the task, and the new run's reason. */
const RETRIED_REASONS: Partial<Record<ReasonResolved, TaskRun['reasonCreated']>> = {
  'worker-shutdown': 'retry',
  'claim-expired': 'retry',
  'intermittent-task': 'task-retry',
};

/** The simulated queue. */
export class SimulatedQueue {
  readonly #store = new TaskStore();
  readonly #listeners = new Set<QueueMessageListener>();
  readonly #now: () => number;
  readonly #issue: CredentialIssuer;
  /** Artifact data placement and answers. */
  readonly artifacts: QueueArtifacts;
  /** Every message produced, in order. */
  readonly messages: QueueMessage[] = [];

  /** @param issue issues the credentials of claimed runs (the queue's own client signs them). */
  constructor(artifacts: QueueArtifacts, now: () => number, issue: CredentialIssuer) {
    this.artifacts = artifacts;
    this.#now = now;
    this.#issue = issue;
  }

  /** Calls `listener` with every message from now on; returns the unsubscribe function. */
  onMessage(listener: QueueMessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(messages: QueueMessage[]): QueueMessage[] {
    for (const message of messages) {
      this.messages.push(message);
      for (const listener of this.#listeners) {
        listener(message);
      }
    }
    return messages;
  }

  #iso(offsetMs = 0): string {
    return new Date(this.#now() + offsetMs).toISOString();
  }

  /** A task's definition, or a 404. */
  task(taskId: string): TaskDefinition {
    return this.#store.get(taskId).task;
  }

  /** A task's status, or a 404. */
  status(taskId: string): TaskStatus {
    return this.#store.get(taskId).status;
  }

  /** A task group and its tasks in creation order, or a 404. */
  taskGroup(taskGroupId: string): TaskGroupView {
    return this.#store.groupView(taskGroupId);
  }

  /**
   * Creates a task as `createTask` does: pending at once when its dependencies are met,
   * otherwise unscheduled. Creating the same definition again is a no-op; another one is a 409.
   */
  createTask(taskId: string, task: TaskDefinition): QueueMessage[] {
    const existing = this.#store.find(taskId);
    if (existing) {
      if (JSON.stringify(existing.task) !== JSON.stringify(task)) {
        throw requestConflict(`Task \`${taskId}\` already exists with another definition`);
      }
      return [];
    }
    if (this.#store.group(task.taskGroupId)?.sealed !== undefined) {
      throw requestConflict(`Task group \`${task.taskGroupId}\` is sealed`);
    }
    const status: TaskStatus = {
      taskId,
      provisionerId: task.provisionerId,
      workerType: task.workerType,
      taskQueueId: task.taskQueueId,
      schedulerId: task.schedulerId,
      projectId: task.projectId,
      taskGroupId: task.taskGroupId,
      deadline: task.deadline,
      expires: task.expires,
      retriesLeft: task.retries,
      state: 'unscheduled',
      runs: [],
    };
    this.#store.add(taskId, task, status);
    const messages = [taskDefinedMessage(task, status)];
    if (this.#dependenciesMet(task)) {
      messages.push(this.#schedule(taskId, 'scheduled'));
    }
    return this.#emit(messages);
  }

  /**
   * Defines a task for the simulation from defaults and `overrides`; returns its id and the
   * messages (task-defined, then task-pending when it can be scheduled).
   */
  defineTask(
    overrides: Partial<TaskDefinition> = {},
    taskId: string = slugId(),
  ): { taskId: string; messages: QueueMessage[] } {
    const task = simulatedTaskDefinition(taskId, this.#now(), overrides);
    return { taskId, messages: this.createTask(taskId, task) };
  }

  /**
   * Defines a task group: one task per entry of `tasks` (overrides of the defaults), all in the
   * group `taskGroupId`; returns the ids in order and the messages.
   */
  defineTaskGroup(
    tasks: Partial<TaskDefinition>[],
    taskGroupId: string = slugId(),
  ): { taskGroupId: string; taskIds: string[]; messages: QueueMessage[] } {
    const taskIds: string[] = [];
    const messages: QueueMessage[] = [];
    for (const overrides of tasks) {
      const defined = this.defineTask({ ...overrides, taskGroupId });
      taskIds.push(defined.taskId);
      messages.push(...defined.messages);
    }
    return { taskGroupId, taskIds, messages };
  }

  #dependenciesMet(task: TaskDefinition): boolean {
    return task.dependencies.every((dependency) => {
      const state = this.#store.find(dependency)?.status.state;
      return task.requires === 'all-resolved'
        ? state !== undefined && RESOLVED_STATES.has(state)
        : state === 'completed';
    });
  }

  /** Adds a pending run and returns its task-pending message. */
  #schedule(taskId: string, reasonCreated: TaskRun['reasonCreated']): QueueMessage {
    const { task, status } = this.#store.get(taskId);
    const runId = status.runs.length;
    status.runs.push({ runId, state: 'pending', reasonCreated, scheduled: this.#iso() });
    status.state = 'pending';
    return taskPendingMessage(task, status, runId);
  }

  /** The latest run, or a 404 for a task without runs. */
  #latestRun(status: TaskStatus): TaskRun {
    const run = status.runs.at(-1);
    if (!run) {
      throw notFound(`Task \`${status.taskId}\` has no runs`);
    }
    return run;
  }

  /** The latest run id of a task, or a 404. */
  latestRunId(taskId: string): number {
    return this.#latestRun(this.#store.get(taskId).status).runId;
  }

  /** A worker claims the pending run: it becomes running (task-running). */
  claimTask(taskId: string, worker: WorkerRef = DEFAULT_WORKER): QueueMessage[] {
    const { task, status } = this.#store.get(taskId);
    const run = status.runs.at(-1);
    if (run?.state !== 'pending') {
      throw requestConflict(`Task \`${taskId}\` has no pending run`);
    }
    const takenUntil = this.#iso(CLAIM_DURATION_MS);
    Object.assign(run, { state: 'running', started: this.#iso(), takenUntil, ...worker });
    status.state = 'running';
    return this.#emit([
      taskRunningMessage(task, status, { runId: run.runId, ...worker, takenUntil }),
    ]);
  }

  /** The claim of a running run, with credentials for what its worker does next. */
  #claimed(taskId: string, run: TaskRun): ClaimedRun {
    const { task, status } = this.#store.get(taskId);
    const takenUntil = run.takenUntil!;
    const runScope = `${taskId}/${run.runId}`;
    const credentials = this.#issue(
      [
        ...task.scopes,
        `queue:reclaim-task:${runScope}`,
        `queue:resolve-task:${runScope}`,
        `queue:create-artifact:${runScope}`,
      ],
      Date.parse(takenUntil),
    );
    return {
      status: structuredClone(status),
      runId: run.runId,
      workerGroup: run.workerGroup!,
      workerId: run.workerId!,
      takenUntil,
      credentials,
    };
  }

  /**
   * `claimWork`: claims up to `count` pending tasks of a task queue for `worker`, highest
   * priority first, then oldest. Unlike the queue, it answers at once when none is pending.
   */
  claimWork(
    taskQueueId: string,
    worker: WorkerRef,
    count: number,
  ): (ClaimedRun & { task: TaskDefinition })[] {
    const rank = (task: TaskDefinition) => TASK_PRIORITIES.indexOf(task.priority);
    const pending = [...this.#store.entries()]
      .filter(([, record]) => record.task.taskQueueId === taskQueueId)
      .filter(([, record]) => record.status.state === 'pending')
      .sort(([, a], [, b]) => rank(a.task) - rank(b.task))
      .slice(0, count);
    return pending.map(([taskId, record]) => {
      this.claimTask(taskId, worker);
      return { ...this.#claimed(taskId, record.status.runs.at(-1)!), task: record.task };
    });
  }

  /** A running run of a task, or a 409 (a 404 for a run the task does not have). */
  #runningRun(taskId: string, runId: number): TaskRun {
    const { status } = this.#store.get(taskId);
    const run = status.runs[runId];
    if (run === undefined) throw notFound(`Task \`${taskId}\` has no run ${runId}`);
    if (run.state !== 'running' || runId !== status.runs.length - 1) {
      throw requestConflict(`Run ${runId} of task \`${taskId}\` is not running`);
    }
    return run;
  }

  /** `reclaimTask`: extends the claim of a running run, with new credentials. */
  reclaimTask(taskId: string, runId: number): ClaimedRun {
    const run = this.#runningRun(taskId, runId);
    run.takenUntil = this.#iso(CLAIM_DURATION_MS);
    return this.#claimed(taskId, run);
  }

  /**
   * `reportCompleted`, `reportFailed`, `reportException`: resolves a running run as its worker
   * reports it. Reporting a run again as it was resolved is a no-op, as for the queue.
   */
  reportRun(taskId: string, runId: number, outcome: TaskOutcome): QueueMessage[] {
    const run = this.#store.get(taskId).status.runs[runId];
    const reason = outcome.type === 'exception' ? outcome.reason : outcome.type;
    if (run?.state === outcome.type && run.reasonResolved === reason) return [];
    this.#runningRun(taskId, runId);
    return this.resolveTask(taskId, outcome);
  }

  /** `scheduleTask`: schedules an unscheduled task now, whatever its dependencies. */
  scheduleTask(taskId: string): QueueMessage[] {
    if (this.#store.get(taskId).status.state !== 'unscheduled') return [];
    return this.#emit([this.#schedule(taskId, 'scheduled')]);
  }

  /** `rerunTask`: a resolved task gets a new pending run; an unresolved one is left as it is. */
  rerunTask(taskId: string): QueueMessage[] {
    const { task, status } = this.#store.get(taskId);
    if (status.state === 'unscheduled') {
      throw requestConflict(`Task \`${taskId}\` is not scheduled yet, so it cannot be rerun`);
    }
    if (!RESOLVED_STATES.has(status.state)) return [];
    const group = this.#store.group(task.taskGroupId);
    if (group) group.resolvedAnnounced = false;
    return this.#emit([this.#schedule(taskId, 'rerun')]);
  }

  /**
   * `cancelTask`: an unresolved task ends in an exception (`canceled`): its latest run, or a
   * new run for a task that was never scheduled. A resolved task is left as it is.
   */
  cancelTask(taskId: string): QueueMessage[] {
    const { status } = this.#store.get(taskId);
    if (RESOLVED_STATES.has(status.state)) return [];
    if (status.state === 'unscheduled') {
      const now = this.#iso();
      status.runs.push({
        runId: status.runs.length,
        state: 'pending',
        reasonCreated: 'exception',
        scheduled: now,
      });
    }
    return this.resolveTask(taskId, { type: 'exception', reason: 'canceled' });
  }

  /** The tasks that depend on a task, in creation order (404 for an unknown task). */
  dependents(taskId: string): { task: TaskDefinition; status: TaskStatus }[] {
    this.#store.get(taskId);
    return [...this.#store.entries()]
      .filter(([, record]) => record.task.dependencies.includes(taskId))
      .map(([, record]) => ({ task: record.task, status: record.status }));
  }

  /** `sealTaskGroup`: no task may be added to the group from now on. */
  sealTaskGroup(taskGroupId: string): TaskGroupView {
    const group = this.#store.group(taskGroupId);
    if (!group) throw notFound(`Task group \`${taskGroupId}\` not found`);
    group.sealed ??= this.#iso();
    return this.taskGroup(taskGroupId);
  }

  /** `cancelTaskGroup`: seals the group and cancels its unresolved tasks; returns their ids. */
  cancelTaskGroup(taskGroupId: string): { size: number; canceled: string[] } {
    const { tasks } = this.sealTaskGroup(taskGroupId);
    const canceled: string[] = [];
    for (const { status } of tasks) {
      if (RESOLVED_STATES.has(status.state)) continue;
      this.cancelTask(status.taskId);
      canceled.push(status.taskId);
    }
    return { size: tasks.length, canceled };
  }

  /**
   * Resolves the latest run: completed or failed from running; exception from pending or
   * running. An exception for `worker-shutdown`, `claim-expired` or `intermittent-task` with
   * retries left adds a new pending run, as the queue does. Otherwise schedules dependents
   * whose dependencies are met, and announces the task group resolved when every task in it is.
   */
  resolveTask(taskId: string, outcome: TaskOutcome): QueueMessage[] {
    const { task, status } = this.#store.get(taskId);
    const run = status.runs.at(-1);
    const resolvable = outcome.type === 'exception' ? ['pending', 'running'] : ['running'];
    if (!run || !resolvable.includes(run.state)) {
      throw requestConflict(`Task \`${taskId}\` cannot be resolved as ${outcome.type} now`);
    }
    const reasonResolved = outcome.type === 'exception' ? outcome.reason : outcome.type;
    Object.assign(run, { state: outcome.type, reasonResolved, resolved: this.#iso() });
    delete run.takenUntil;
    status.state = outcome.type;
    const messages: QueueMessage[] = [];
    if (outcome.type === 'exception') {
      const retry = RETRIED_REASONS[outcome.reason];
      if (retry !== undefined && status.retriesLeft > 0) {
        // The queue retries such runs itself: the exception message already shows the new run.
        status.retriesLeft--;
        const pending = this.#schedule(taskId, retry);
        return this.#emit([taskExceptionMessage(task, status, run), pending]);
      }
      messages.push(taskExceptionMessage(task, status, run));
    } else {
      const worker = run as Required<Pick<TaskRun, 'workerGroup' | 'workerId'>>;
      const type = outcome.type === 'completed' ? 'taskCompleted' : 'taskFailed';
      messages.push(
        taskResolvedMessage(type, task, status, {
          runId: run.runId,
          workerGroup: worker.workerGroup,
          workerId: worker.workerId,
        }),
      );
    }
    messages.push(...this.#scheduleDependents(), ...this.#groupResolved(task.taskGroupId));
    return this.#emit(messages);
  }

  #scheduleDependents(): QueueMessage[] {
    const messages: QueueMessage[] = [];
    for (const [taskId, record] of this.#store.entries()) {
      if (record.status.state === 'unscheduled' && this.#dependenciesMet(record.task)) {
        messages.push(this.#schedule(taskId, 'scheduled'));
      }
    }
    return messages;
  }

  #groupResolved(taskGroupId: string): QueueMessage[] {
    const group = this.#store.group(taskGroupId);
    if (!group || group.resolvedAnnounced) {
      return [];
    }
    const resolved = group.taskIds.every((taskId) =>
      RESOLVED_STATES.has(this.#store.get(taskId).status.state),
    );
    if (!resolved) {
      return [];
    }
    group.resolvedAnnounced = true;
    return [taskGroupResolvedMessage(group)];
  }

  /**
   * Plays a pending task's run to its end: claimed by `worker`, its artifacts created, then
   * resolved with `outcome`. Returns every message in order (task-running, artifact-created
   * for each non-s3 artifact, the resolution, then any dependents scheduled and the group
   * resolved).
   */
  runTask(taskId: string, plan: TaskRunPlan): QueueMessage[] {
    const messages = this.claimTask(taskId, plan.worker ?? DEFAULT_WORKER);
    for (const artifact of plan.artifacts ?? []) {
      messages.push(...this.addArtifact(taskId, artifact));
    }
    messages.push(...this.resolveTask(taskId, plan.outcome));
    return messages;
  }

  /** A run's artifact; a 404 when it does not exist or is not present yet. */
  artifact(taskId: string, runId: number, name: string): StoredArtifact {
    const artifact = this.#store.runArtifacts(taskId, runId).get(name);
    if (!artifact?.present) {
      throw artifactNotFound(name);
    }
    return artifact;
  }

  /** The present artifacts of a run, in creation order. */
  listArtifacts(taskId: string, runId: number): ArtifactInfo[] {
    return [...this.#store.runArtifacts(taskId, runId).values()]
      .filter((artifact) => artifact.present)
      .map((artifact) => ({ ...artifact.info }));
  }

  /** The message announcing a present artifact, when the queue sends one (not for s3). */
  #artifactCreated(taskId: string, runId: number, artifact: StoredArtifact): QueueMessage[] {
    const { task, status } = this.#store.get(taskId);
    const run = status.runs[runId]!;
    const info = artifact.info;
    if (info.storageType === 's3') {
      return [];
    }
    return [
      artifactCreatedMessage(
        task,
        status,
        {
          runId,
          workerGroup: run.workerGroup ?? DEFAULT_WORKER.workerGroup,
          workerId: run.workerId ?? DEFAULT_WORKER.workerId,
        },
        { ...info, storageType: info.storageType },
      ),
    ];
  }

  /** Adds a present artifact with its data to a run (the latest by default). */
  addArtifact(taskId: string, input: ArtifactInput, runId?: number): QueueMessage[] {
    const { task } = this.#store.get(taskId);
    const run = runId ?? this.latestRunId(taskId);
    const artifacts = this.#store.runArtifacts(taskId, run);
    const artifact = this.artifacts.add({ taskId, runId: run, projectId: task.projectId }, input);
    artifacts.set(input.name, artifact);
    return this.#emit(this.#artifactCreated(taskId, run, artifact));
  }

  /** `createArtifact` on a running run: returns the answer and emits what the queue sends. */
  createArtifact(
    taskId: string,
    runId: number,
    name: string,
    request: PostArtifactRequest,
  ): PostArtifactResult {
    const { task, status } = this.#store.get(taskId);
    const artifacts = this.#store.runArtifacts(taskId, runId);
    if (status.runs[runId]?.state !== 'running') {
      throw requestConflict(`Run ${runId} of task \`${taskId}\` is not running`);
    }
    const { artifact, response } = this.artifacts.create(
      { taskId, runId, projectId: task.projectId },
      name,
      request,
      artifacts.get(name),
    );
    artifacts.set(name, artifact);
    if (artifact.present) {
      this.#emit(this.#artifactCreated(taskId, runId, artifact));
    }
    return response;
  }

  /** `finishArtifact`: marks an uploaded object artifact present. */
  finishArtifact(
    taskId: string,
    runId: number,
    name: string,
    request: FinishArtifactRequest,
  ): void {
    const artifact = this.#store.runArtifacts(taskId, runId).get(name);
    if (!artifact) {
      throw artifactNotFound(name);
    }
    this.artifacts.finish(artifact, request);
    this.#emit(this.#artifactCreated(taskId, runId, artifact));
  }
}

/**
 * Where the simulated queue keeps its tasks, their task groups and their runs' artifacts, with
 * the 404s the queue answers for what does not exist.
 */
import { notFound, requestConflict } from './api-error.js';
import type { StoredArtifact } from './queue-artifacts.js';
import type { TaskDefinition, TaskStatus } from './queue-types.js';

/** A task, its status and its artifacts by run. */
export interface TaskRecord {
  task: TaskDefinition;
  status: TaskStatus;
  artifacts: Map<number, Map<string, StoredArtifact>>;
}

/** A task group. */
export interface TaskGroupRecord {
  taskGroupId: string;
  schedulerId: string;
  expires: string;
  taskIds: string[];
  /** Whether `task-group-resolved` was sent since the last task was added. */
  resolvedAnnounced: boolean;
  /** When the group was sealed (`sealTaskGroup`), if it was. */
  sealed?: string;
}

/** A task group with its tasks, as `listTaskGroup` answers (before pagination). */
export interface TaskGroupView {
  taskGroupId: string;
  schedulerId: string;
  expires: string;
  sealed?: string;
  tasks: { task: TaskDefinition; status: TaskStatus }[];
}

/** Tasks by id, and task groups by id. */
export class TaskStore {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #groups = new Map<string, TaskGroupRecord>();

  /** A task's record, if it exists. */
  find(taskId: string): TaskRecord | undefined {
    return this.#tasks.get(taskId);
  }

  /** A task's record, or a 404. */
  get(taskId: string): TaskRecord {
    const record = this.#tasks.get(taskId);
    if (!record) {
      throw notFound(`Task \`${taskId}\` not found`);
    }
    return record;
  }

  /** Every task's id and record, in creation order. */
  entries(): IterableIterator<[string, TaskRecord]> {
    return this.#tasks.entries();
  }

  /**
   * Adds a new task and puts it in its group (created on first use); a group belongs to one
   * schedulerId (409 otherwise).
   */
  add(taskId: string, task: TaskDefinition, status: TaskStatus): void {
    const group = this.#groups.get(task.taskGroupId);
    if (group && group.schedulerId !== task.schedulerId) {
      throw requestConflict('The task group belongs to another schedulerId');
    }
    this.#tasks.set(taskId, { task, status, artifacts: new Map() });
    if (!group) {
      this.#groups.set(task.taskGroupId, {
        taskGroupId: task.taskGroupId,
        schedulerId: task.schedulerId,
        expires: task.expires,
        taskIds: [taskId],
        resolvedAnnounced: false,
      });
      return;
    }
    group.taskIds.push(taskId);
    group.resolvedAnnounced = false;
    if (task.expires > group.expires) {
      group.expires = task.expires;
    }
  }

  /** A task group's record, if it exists. */
  group(taskGroupId: string): TaskGroupRecord | undefined {
    return this.#groups.get(taskGroupId);
  }

  /** A task group and its tasks in creation order, or a 404. */
  groupView(taskGroupId: string): TaskGroupView {
    const group = this.#groups.get(taskGroupId);
    if (!group) {
      throw notFound(`Task group \`${taskGroupId}\` not found`);
    }
    const tasks = group.taskIds.map((taskId) => {
      const { task, status } = this.get(taskId);
      return { task, status };
    });
    return {
      taskGroupId,
      schedulerId: group.schedulerId,
      expires: group.expires,
      ...(group.sealed === undefined ? {} : { sealed: group.sealed }),
      tasks,
    };
  }

  /** The artifacts of a run, by name; a 404 for a run the task does not have. */
  runArtifacts(taskId: string, runId: number): Map<string, StoredArtifact> {
    const { status, artifacts } = this.get(taskId);
    if (!status.runs.some((run) => run.runId === runId)) {
      throw notFound(`Task \`${taskId}\` has no run ${runId}`);
    }
    let run = artifacts.get(runId);
    if (!run) {
      run = new Map();
      artifacts.set(runId, run);
    }
    return run;
  }
}

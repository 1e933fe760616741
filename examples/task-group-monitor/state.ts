/**
 * The live state of a task group, built from the queue's messages. Messages may arrive out of
 * order (several consumers, redeliveries), so a message never moves a task back: a later run
 * wins, and within a run a state only moves forward (pending, running, resolved).
 */

/** The state of a task as the queue reports it. */
export type TaskState =
  | 'unscheduled'
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'exception';

/** One task of the group, as the monitor serves it. */
export interface MonitoredTask {
  taskId: string;
  /** The task's `metadata.name`. */
  name: string;
  state: TaskState;
  /** The latest run, or -1 before the first. */
  runId: number;
  workerId: string | undefined;
  /** Why the run resolved (`failed`, `malformed-payload`...). */
  reasonResolved: string | undefined;
  /** Names of the artifacts announced so far. */
  artifacts: string[];
}

/** The whole group. */
export interface TaskGroupState {
  taskGroupId: string;
  /** True once the queue announced that every task is resolved. */
  resolved: boolean;
  tasks: MonitoredTask[];
}

const RANK: Record<TaskState, number> = {
  unscheduled: 0,
  pending: 1,
  running: 2,
  completed: 3,
  failed: 3,
  exception: 3,
};

/** A change of one task's state, as a message reports it. */
export interface TaskUpdate {
  taskId: string;
  name: string;
  state: TaskState;
  runId: number;
  workerId?: string | undefined;
  reasonResolved?: string | undefined;
  artifact?: string | undefined;
}

/** The state of one task group; see the module comment. */
export class TaskGroupTracker {
  readonly #tasks = new Map<string, MonitoredTask>();
  readonly taskGroupId: string;
  resolved = false;

  constructor(taskGroupId: string) {
    this.taskGroupId = taskGroupId;
  }

  /** Applies an update; returns the task when it changed, undefined when it was stale. */
  apply(update: TaskUpdate): MonitoredTask | undefined {
    let task = this.#tasks.get(update.taskId);
    const created = task === undefined;
    if (task === undefined) {
      task = {
        taskId: update.taskId,
        name: update.name,
        state: 'unscheduled',
        runId: -1,
        workerId: undefined,
        reasonResolved: undefined,
        artifacts: [],
      };
      this.#tasks.set(update.taskId, task);
    }
    let changed = created;
    if (update.artifact !== undefined && !task.artifacts.includes(update.artifact)) {
      task.artifacts.push(update.artifact);
      changed = true;
    }
    const newer =
      update.runId > task.runId ||
      (update.runId === task.runId && RANK[update.state] > RANK[task.state]);
    if (newer) {
      task.runId = update.runId;
      task.state = update.state;
      task.workerId = update.workerId ?? task.workerId;
      task.reasonResolved = update.reasonResolved;
      changed = true;
    }
    return changed ? { ...task, artifacts: [...task.artifacts] } : undefined;
  }

  /** A copy of the whole state. */
  snapshot(): TaskGroupState {
    return {
      taskGroupId: this.taskGroupId,
      resolved: this.resolved,
      tasks: [...this.#tasks.values()].map((task) => ({ ...task, artifacts: [...task.artifacts] })),
    };
  }
}

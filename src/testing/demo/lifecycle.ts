/**
 * Task-group lifecycles for the simulated queue: a plan names the tasks of a group, their
 * dependencies, artifacts and outcomes; {@link playTaskGroup} drives the simulated queue through
 * them in the order a real deployment would (defined, pending, running, artifacts, resolved, and
 * dependents scheduled as their dependencies complete), pausing between steps so consumers see
 * events arrive over time. The queue's state and its Pulse messages come from the same
 * transitions, so REST calls made while handling a message agree with the message.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../../errors.js';
import { slugId } from '../../utils/slugid.js';
import type { SimulatedQueue, TaskRunPlan } from '../queue.js';

/** Pause between two steps of a played task group, in milliseconds. */
export const DEFAULT_STEP_DELAY_MS = 60;

/** Workers that take turns claiming the tasks of a played group without a `worker`. */
export const SIMULATED_WORKER_COUNT = 3;

/** One task of a {@link TaskGroupPlan}: its run (worker, artifacts, outcome) and its place. */
export interface PlannedTask extends TaskRunPlan {
  /** The task's label (its `metadata.name`), unique within the plan. */
  readonly name: string;
  /** Labels of earlier tasks this one waits for; each must complete (never fail). */
  readonly dependsOn?: readonly string[];
  /** Task routes, CC'd on every message of the task. */
  readonly routes?: readonly string[];
}

/** The tasks of one task group, dependencies first. */
export interface TaskGroupPlan {
  /** A name for the group, used in task descriptions. */
  readonly name: string;
  readonly tasks: readonly PlannedTask[];
}

/** Options of {@link playTaskGroup}. */
export interface PlayOptions {
  /** The task group id (the first task's id too); a new slugid by default. */
  taskGroupId?: string;
  /** Pause between steps, in milliseconds; defaults to {@link DEFAULT_STEP_DELAY_MS}. */
  stepDelay?: number;
  /** Stops playing between steps. */
  signal?: AbortSignal;
}

/** A played (or playing) task group: its id and its tasks' ids by label. */
export interface PlayedTaskGroup {
  readonly taskGroupId: string;
  /** Task ids by label. */
  readonly taskIds: ReadonlyMap<string, string>;
  /** Labels by task id. */
  readonly names: ReadonlyMap<string, string>;
}

/**
 * Checks a plan: unique labels, dependencies on earlier tasks only, and only on tasks that
 * complete (a dependent of a failed task would wait until its deadline, which a plan cannot
 * express).
 * @throws {InputError} describing the first problem.
 */
export function checkPlan(plan: TaskGroupPlan): void {
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.tasks)) {
    throw new InputError('a task-group plan needs { name, tasks: [...] }');
  }
  if (plan.tasks.length === 0) throw new InputError(`plan "${plan.name}" has no tasks`);
  const seen = new Map<string, PlannedTask>();
  for (const task of plan.tasks) {
    if (typeof task.name !== 'string' || task.name === '') {
      throw new InputError(`plan "${plan.name}": every task needs a name`);
    }
    if (seen.has(task.name)) {
      throw new InputError(`plan "${plan.name}": task "${task.name}" is listed twice`);
    }
    for (const dependency of task.dependsOn ?? []) {
      const earlier = seen.get(dependency);
      if (earlier === undefined) {
        throw new InputError(
          `plan "${plan.name}": task "${task.name}" depends on "${dependency}", which is not an earlier task`,
        );
      }
      if (earlier.outcome.type !== 'completed') {
        throw new InputError(
          `plan "${plan.name}": task "${task.name}" depends on "${dependency}", which does not complete, so it would never be scheduled`,
        );
      }
    }
    seen.set(task.name, task);
  }
}

/** Defines every task of the plan at once (as a decision task would), and returns their ids. */
export function defineTaskGroup(
  queue: SimulatedQueue,
  plan: TaskGroupPlan,
  taskGroupId: string = slugId(),
): PlayedTaskGroup {
  checkPlan(plan);
  const taskIds = new Map<string, string>();
  const names = new Map<string, string>();
  for (const [index, task] of plan.tasks.entries()) {
    // The first task's id is the group's id, as for a decision task.
    const taskId = index === 0 ? taskGroupId : slugId();
    queue.defineTask(
      {
        taskGroupId,
        dependencies: (task.dependsOn ?? []).map((name) => taskIds.get(name)!),
        routes: [...(task.routes ?? [])],
        tags: { label: task.name },
        metadata: {
          name: task.name,
          description: `Task "${task.name}" of the simulated task group "${plan.name}"`,
          owner: 'simulation@example.com',
          source: 'https://example.com/simulation',
        },
      },
      taskId,
    );
    taskIds.set(task.name, taskId);
    names.set(taskId, task.name);
  }
  return { taskGroupId, taskIds, names };
}

/**
 * Plays a task group on the simulated queue: defines its tasks, then, wave after wave, claims
 * every pending task, creates its artifacts and resolves it, until every task is resolved. The
 * queue's listeners (see `SimulatedQueue.onMessage`) see each message as it happens.
 */
export async function playTaskGroup(
  queue: SimulatedQueue,
  plan: TaskGroupPlan,
  options: PlayOptions = {},
): Promise<PlayedTaskGroup> {
  const stepDelay = options.stepDelay ?? DEFAULT_STEP_DELAY_MS;
  const step = () => sleep(stepDelay, undefined, { signal: options.signal });
  const group = defineTaskGroup(queue, plan, options.taskGroupId);
  let claims = 0;
  const unresolved = new Map(plan.tasks.map((task) => [group.taskIds.get(task.name)!, task]));
  while (unresolved.size > 0) {
    await step();
    const wave = [...unresolved].filter(([taskId]) => queue.status(taskId).state === 'pending');
    if (wave.length === 0) {
      throw new InputError(`plan "${plan.name}": tasks are left that can never be scheduled`);
    }
    for (const [taskId, task] of wave) {
      const workerId = `worker-${(claims++ % SIMULATED_WORKER_COUNT) + 1}`;
      queue.claimTask(taskId, task.worker ?? { workerGroup: 'simulated', workerId });
      await step();
    }
    for (const [taskId, task] of wave) {
      for (const artifact of task.artifacts ?? []) {
        queue.addArtifact(taskId, artifact);
        await step();
      }
      queue.resolveTask(taskId, task.outcome);
      // An exception such as `worker-shutdown` makes the queue retry the task in a new run
      // (while it has retries left): the next wave plays that run.
      if (queue.status(taskId).state !== 'pending') unresolved.delete(taskId);
      await step();
    }
  }
  return group;
}

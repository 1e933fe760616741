/**
 * `listen --with-task`: the definition of the task a message is about, fetched once per task
 * from the queue of the deployment in `TASKCLUSTER_*` (a message carries the task's status, not
 * its name or payload).
 */

import { createRestClient, type RestClient } from '../client/catalog.js';
import { optionsFromEnvironment } from '../client/environment.js';
import type { TaskDefinition as Task } from '../index.js';
import { CliUsageError } from './errors.js';

/** Looks up the task of a message payload; undefined for a message about no task. */
export type TaskLookup = (payload: unknown) => Promise<Task | undefined>;

/** The task id of a queue message payload (`status.taskId`), if it has one. */
function taskIdOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || !('status' in payload)) return undefined;
  const { status } = payload;
  if (typeof status !== 'object' || status === null || !('taskId' in status)) return undefined;
  return typeof status.taskId === 'string' ? status.taskId : undefined;
}

/**
 * A lookup with a client from the environment.
 * @throws {CliUsageError} when `TASKCLUSTER_ROOT_URL` is not set, before anything connects.
 */
export function taskLookup(env: NodeJS.ProcessEnv): TaskLookup {
  let queue: RestClient<'queue'>;
  try {
    queue = createRestClient('queue', optionsFromEnvironment({}, env));
  } catch (error) {
    throw new CliUsageError(
      `--with-task needs the deployment: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const tasks = new Map<string, Promise<Task>>();
  return (payload) => {
    const taskId = taskIdOf(payload);
    if (taskId === undefined) return Promise.resolve(undefined);
    let task = tasks.get(taskId);
    if (task === undefined) {
      task = queue.task(taskId);
      tasks.set(taskId, task);
      // A failed lookup is not cached: the next message about the task tries again.
      task.catch(() => tasks.delete(taskId));
    }
    return task;
  };
}

/**
 * The scheduler: when a task of a task group completes, it creates a follow-up task in the same
 * group that depends on it (a new `slugId`, deadlines relative to now with `fromNowJSON`),
 * through the REST client. Follow-ups are tagged so that their own completion starts nothing,
 * and a redelivered message does not create a second follow-up.
 */

import {
  type ClientOptions,
  type ConnectionOptions,
  connect,
  fromNowJSON,
  type Logger,
  QueueEvents,
  slugId,
} from '../../src/index.js';

/** The tag that marks the scheduler's own tasks, and the task each one follows. */
export const FOLLOW_UP_TAG = 'followUpOf';
/** How long a follow-up may wait and run. */
export const FOLLOW_UP_DEADLINE = '2 hours';
/** How long a follow-up and its artifacts are kept. */
export const FOLLOW_UP_EXPIRES = '14 days';

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  /** The broker: a Pulse URL, or a transport such as the in-memory broker's. */
  broker: ConnectionOptions['broker'];
  /** The Pulse user; defaults to `scheduler`. */
  namespace?: string;
  /** REST client options (root URL, credentials with the scopes `createTask` needs). */
  taskcluster: ClientOptions;
  /** Follow this task group only; every task when absent. */
  taskGroupId?: string;
  /** Which completed tasks get a follow-up, by their `metadata.name`; all by default. */
  followUp?: (name: string) => boolean;
  /** A durable queue's name; an exclusive queue when absent. */
  queueName?: string;
  /** Queue exchanges' prefix when the deployment publishes under another name. */
  exchangePrefix?: string;
  /** Where handler failures are logged (silent by default). */
  logger?: Logger;
  /** Called with each follow-up created. */
  onCreated?: (followUp: { taskId: string; follows: string; name: string }) => void;
}

/** A running scheduler. */
export interface Scheduler {
  /** Resolves once its queue is bound and consuming. */
  readonly ready: Promise<void>;
  /** Follow-up task ids by the task they follow. */
  readonly created: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** Starts the scheduler; see the module comment. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const events =
    options.exchangePrefix === undefined
      ? new QueueEvents()
      : new QueueEvents({ exchangePrefix: options.exchangePrefix });
  const created = new Map<string, string>();
  const pulse = connect({ broker: options.broker, namespace: options.namespace ?? 'scheduler' });
  const filter = options.taskGroupId === undefined ? {} : { taskGroupId: options.taskGroupId };

  const runner = pulse.handle(
    {
      bindings: [events.taskCompleted(filter)],
      // One at a time: follow-ups are created in the order their tasks completed.
      concurrency: 1,
      // The handler context's REST clients (`context.queue`) are built from these.
      taskcluster: options.taskcluster,
      ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    },
    async (message, { queue }) => {
      const { taskId, taskGroupId, schedulerId, projectId } = message.payload.status;
      if (created.has(taskId)) return;
      const task = await queue.task(taskId);
      if (task.tags[FOLLOW_UP_TAG] !== undefined) return;
      if (options.followUp !== undefined && !options.followUp(task.metadata.name)) return;
      const followUpId = slugId();
      const name = `notify: ${task.metadata.name} completed`;
      await queue.createTask(followUpId, {
        taskGroupId,
        schedulerId,
        taskQueueId: task.taskQueueId,
        projectId,
        dependencies: [taskId],
        created: fromNowJSON('0 seconds'),
        deadline: fromNowJSON(FOLLOW_UP_DEADLINE),
        expires: fromNowJSON(FOLLOW_UP_EXPIRES),
        payload: { command: ['notify', '--task', taskId] },
        tags: { [FOLLOW_UP_TAG]: taskId },
        metadata: {
          name,
          description: `Follow-up of task ${taskId}, created by the scheduler example`,
          owner: task.metadata.owner,
          source: task.metadata.source,
        },
      });
      created.set(taskId, followUpId);
      options.onCreated?.({ taskId: followUpId, follows: taskId, name });
    },
  );

  return {
    ready: runner.ready,
    created,
    close: () => pulse.close(),
  };
}

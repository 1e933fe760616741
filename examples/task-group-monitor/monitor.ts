/**
 * The task-group monitor: the backend of a dashboard. It follows one task group's queue events
 * as an RxJS stream, keeps the group's live state (seeded from the REST API, so a monitor started
 * late still knows the earlier tasks), and serves it over HTTP: `/api/state` as JSON,
 * `/api/events` as server-sent events, and `/` a small page that shows it.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { concatMap, type Subscription } from 'rxjs';
import {
  type ClientOptions,
  type ConnectionOptions,
  connect,
  type Logger,
  Queue,
  QueueEvents,
  TaskclusterHttpError,
} from '../../src/index.js';
import { type TaskGroupState, TaskGroupTracker } from './state.js';

/** The loopback address the monitor listens on. */
export const MONITOR_HOST = '127.0.0.1';
const PAGE = new URL('./page.html', import.meta.url);

/** Options of {@link startTaskGroupMonitor}. */
export interface TaskGroupMonitorOptions {
  /** The broker: a Pulse URL, or a transport such as the in-memory broker's. */
  broker: ConnectionOptions['broker'];
  /** The Pulse user; defaults to `task-group-monitor`. */
  namespace?: string;
  /** REST client options (root URL, credentials). */
  taskcluster: ClientOptions;
  /** The task group to follow. */
  taskGroupId: string;
  /** The HTTP port; a free one by default. */
  port?: number;
  /** Queue exchanges' prefix when the deployment publishes under another name. */
  exchangePrefix?: string;
  /** Where failures are logged (silent by default). */
  logger?: Logger;
}

/** A running monitor. */
export interface TaskGroupMonitor {
  /** The page's URL, e.g. `http://127.0.0.1:43121/`. */
  readonly url: string;
  /** Resolves once the state is seeded and the queue consumes. */
  readonly ready: Promise<void>;
  /** The current state. */
  state(): TaskGroupState;
  /** Stops consuming, ends the event streams and the server. */
  close(): Promise<void>;
}

/** Starts the monitor; see the module comment. */
export async function startTaskGroupMonitor(
  options: TaskGroupMonitorOptions,
): Promise<TaskGroupMonitor> {
  const queue = new Queue(options.taskcluster);
  const events =
    options.exchangePrefix === undefined
      ? new QueueEvents()
      : new QueueEvents({ exchangePrefix: options.exchangePrefix });
  const { taskGroupId } = options;
  const tracker = new TaskGroupTracker(taskGroupId);
  const streams = new Set<ServerResponse>();
  const page = await readFile(PAGE, 'utf8');

  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };

  // Task names come from the REST API, once per task.
  const names = new Map<string, Promise<string>>();
  const nameOf = (taskId: string): Promise<string> => {
    let name = names.get(taskId);
    if (name === undefined) {
      name = queue.task(taskId).then((task) => task.metadata.name);
      names.set(taskId, name);
    }
    return name;
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://monitor').pathname;
    if (request.method !== 'GET') {
      response.writeHead(405).end();
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (path === '/api/state') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(tracker.snapshot()));
    } else if (path === '/api/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      response.write(`event: state\ndata: ${JSON.stringify(tracker.snapshot())}\n\n`);
      streams.add(response);
      request.on('close', () => streams.delete(response));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, MONITOR_HOST, resolve));
  const { port } = server.address() as AddressInfo;

  const pulse = connect({
    broker: options.broker,
    namespace: options.namespace ?? 'task-group-monitor',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const filter = { taskGroupId };
  const taskBindings = [
    events.taskDefined(filter),
    events.taskPending(filter),
    events.taskRunning(filter),
    events.artifactCreated(filter),
    events.taskCompleted(filter),
    events.taskFailed(filter),
    events.taskException(filter),
  ];
  let subscription: Subscription | undefined;
  let statusSubscription: Subscription | undefined;
  const consuming = new Promise<void>((resolve, reject) => {
    statusSubscription = pulse.status$.subscribe((s) => {
      if (s.type === 'consuming') resolve();
      if (s.type === 'setup-failed' || s.type === 'binding-failed') reject(s.error);
    });
    subscription = pulse
      .consume({ bindings: [...taskBindings, events.taskGroupResolved(filter)] })
      .pipe(
        // One message at a time, so the page sees the group's events in the order they came.
        concatMap(async (message) => {
          const payload = message.payload;
          if ('status' in payload) {
            const { status } = payload;
            const run = status.runs.at(-1);
            const changed = tracker.apply({
              taskId: status.taskId,
              name: await nameOf(status.taskId),
              state: status.state,
              runId: status.runs.length - 1,
              workerId: run?.workerId,
              reasonResolved: run?.reasonResolved,
              artifact: 'artifact' in payload ? payload.artifact.name : undefined,
            });
            if (changed !== undefined) broadcast('task', changed);
          } else {
            // The only message without a task status: every task of the group is resolved.
            tracker.resolved = true;
            broadcast('resolved', { taskGroupId });
          }
          message.ack();
        }),
      )
      .subscribe({
        error: (error: unknown) => {
          options.logger?.error({ error: String(error) }, 'task-group monitor stopped');
          reject(error);
        },
      });
  });

  /** The tasks defined before the monitor started, from the REST API. */
  async function seed(): Promise<void> {
    try {
      for await (const { status, task } of queue.paginate('listTaskGroup', taskGroupId).items()) {
        const run = status.runs.at(-1);
        tracker.apply({
          taskId: status.taskId,
          name: task.metadata.name,
          state: status.state,
          runId: status.runs.length - 1,
          workerId: run?.workerId,
          reasonResolved: run?.reasonResolved,
        });
        names.set(status.taskId, Promise.resolve(task.metadata.name));
      }
    } catch (error) {
      // A group nobody created yet: its tasks arrive as events.
      if (!(error instanceof TaskclusterHttpError && error.statusCode === 404)) throw error;
    }
  }

  const ready = Promise.all([consuming, seed()]).then(() => {
    statusSubscription?.unsubscribe();
  });
  return {
    url: `http://${MONITOR_HOST}:${port}/`,
    ready,
    state: () => tracker.snapshot(),
    async close() {
      subscription?.unsubscribe();
      await pulse.close();
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

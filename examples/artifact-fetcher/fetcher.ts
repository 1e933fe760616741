/**
 * The artifact fetcher: a bot that follows the tasks of a task group. When a task completes it
 * lists the run's artifacts and downloads them with the handler context's REST client
 * (`downloadArtifact` follows each storage type and verifies object hashes); when a task fails it
 * reads the last line of the task's log to report why; when a task ends in an exception it
 * reports the queue's reason.
 */

import {
  ArtifactError,
  type ClientOptions,
  type ConnectionOptions,
  connect,
  downloadArtifact,
  type Logger,
  type Queue,
  QueueEvents,
} from '../../src/index.js';

/** Handlers the fetcher runs at once. */
export const FETCHER_CONCURRENCY = 4;
/** The log a failed task's reason is read from. */
export const LOG_ARTIFACT = 'public/logs/live.log';

/** Options of {@link startArtifactFetcher}. */
export interface ArtifactFetcherOptions {
  /** The broker: a Pulse URL, or a transport such as the in-memory broker's. */
  broker: ConnectionOptions['broker'];
  /** The Pulse user; defaults to `artifact-fetcher`. */
  namespace?: string;
  /** REST client options (root URL, credentials). */
  taskcluster: ClientOptions;
  /** Follow this task group only; every task when absent. */
  taskGroupId?: string;
  /** A durable queue's name; an exclusive queue (gone on exit) when absent. */
  queueName?: string;
  /** Queue exchanges' prefix when the deployment publishes under another name. */
  exchangePrefix?: string;
  /** Where handler failures are logged (silent by default). */
  logger?: Logger;
  /** Called for each task the fetcher finished with. */
  onTask?: (report: TaskReport) => void;
}

/** What happened to one artifact of a completed task. */
export type ArtifactOutcome =
  | { type: 'downloaded'; name: string; bytes: number; contentType: string }
  /** A `reference` artifact points outside Taskcluster: its URL is recorded, not fetched. */
  | { type: 'link'; name: string; url: string }
  /** An `error` artifact: the worker could not upload it. */
  | { type: 'error'; name: string; reason: string };

/** What the fetcher did for one resolved task. */
export type TaskReport =
  | { type: 'completed'; taskId: string; name: string; artifacts: ArtifactOutcome[] }
  | { type: 'failed'; taskId: string; name: string; reason: string }
  | { type: 'exception'; taskId: string; name: string; reason: string };

/** Counters of a running fetcher. */
export interface FetcherStats {
  tasksSeen: number;
  completed: number;
  failed: number;
  exceptions: number;
  artifactsFetched: number;
  bytes: number;
}

/** A running fetcher. */
export interface ArtifactFetcher {
  /** Resolves once its queue is bound and consuming. */
  readonly ready: Promise<void>;
  readonly stats: Readonly<FetcherStats>;
  /** Finishes running handlers, then disconnects. */
  close(): Promise<void>;
}

/** Starts the fetcher; see the module comment. */
export function startArtifactFetcher(options: ArtifactFetcherOptions): ArtifactFetcher {
  const events =
    options.exchangePrefix === undefined
      ? new QueueEvents()
      : new QueueEvents({ exchangePrefix: options.exchangePrefix });
  const filter = options.taskGroupId === undefined ? {} : { taskGroupId: options.taskGroupId };
  const stats: FetcherStats = {
    tasksSeen: 0,
    completed: 0,
    failed: 0,
    exceptions: 0,
    artifactsFetched: 0,
    bytes: 0,
  };
  const pulse = connect({
    broker: options.broker,
    namespace: options.namespace ?? 'artifact-fetcher',
  });

  /** Downloads one artifact of a run, whatever its storage type (hashes verified). */
  async function download(queue: Queue, taskId: string, runId: number, name: string) {
    const { body } = await downloadArtifact(queue, { taskId, runId, name, to: 'buffer' });
    return body;
  }

  async function fetchArtifacts(
    queue: Queue,
    taskId: string,
    runId: number,
  ): Promise<ArtifactOutcome[]> {
    const outcomes: ArtifactOutcome[] = [];
    const { artifacts } = await queue.listArtifacts(taskId, runId);
    for (const { name, storageType, contentType } of artifacts) {
      if (storageType === 'reference' || storageType === 'link') {
        // It points outside Taskcluster: record where, do not fetch.
        const content = await queue.artifact(taskId, runId, name);
        outcomes.push({ type: 'link', name, url: 'url' in content ? content.url : '' });
        continue;
      }
      try {
        const data = await download(queue, taskId, runId, name);
        stats.artifactsFetched++;
        stats.bytes += data.length;
        outcomes.push({ type: 'downloaded', name, bytes: data.length, contentType });
      } catch (error) {
        // The worker could not upload it; the queue says why.
        if (!(error instanceof ArtifactError)) throw error;
        outcomes.push({ type: 'error', name, reason: error.reason });
      }
    }
    return outcomes;
  }

  /** The last non-empty line of the run's log, which says why the task failed. */
  async function failureReason(queue: Queue, taskId: string, runId: number): Promise<string> {
    const { artifacts } = await queue.listArtifacts(taskId, runId);
    if (!artifacts.some((artifact) => artifact.name === LOG_ARTIFACT)) return 'failed (no log)';
    const log = (await download(queue, taskId, runId, LOG_ARTIFACT)).toString('utf8');
    return log.trimEnd().split('\n').at(-1) ?? 'failed (empty log)';
  }

  const runner = pulse.handle(
    {
      bindings: [
        events.taskCompleted(filter),
        events.taskFailed(filter),
        events.taskException(filter),
      ],
      concurrency: FETCHER_CONCURRENCY,
      // The handler context's REST clients (`context.queue`) are built from these.
      taskcluster: options.taskcluster,
      ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    },
    async (message, { queue }) => {
      const { taskId, runs } = message.payload.status;
      const runId = message.payload.runId ?? runs.length - 1;
      const { metadata } = await queue.task(taskId);
      let report: TaskReport;
      if (message.exchange === events.taskCompleted.exchange) {
        const artifacts = await fetchArtifacts(queue, taskId, runId);
        stats.completed++;
        report = { type: 'completed', taskId, name: metadata.name, artifacts };
      } else if (message.exchange === events.taskFailed.exchange) {
        const reason = await failureReason(queue, taskId, runId);
        stats.failed++;
        report = { type: 'failed', taskId, name: metadata.name, reason };
      } else {
        stats.exceptions++;
        const reason = runs[runId]?.reasonResolved ?? 'exception';
        report = { type: 'exception', taskId, name: metadata.name, reason };
      }
      stats.tasksSeen++;
      options.onTask?.(report);
    },
  );

  return {
    ready: runner.ready,
    stats,
    close: () => pulse.close(),
  };
}

/**
 * `npm run demo`: a bot reacting to Taskcluster events with nothing to set up. Starts the
 * simulated Taskcluster and the in-memory broker (or RabbitMQ when `PULSE_URL` is set), runs the
 * artifact fetcher of `examples/artifact-fetcher` on a task group as it plays, shows progress and
 * ends with a summary. Exits 0 when every resolved task was handled, 1 otherwise.
 */

import { type Logger, slugId } from '../src/index.js';
import { DEMO_TASK_GROUP, startSimulation } from '../src/testing/index.js';
import {
  type ArtifactOutcome,
  startArtifactFetcher,
  type TaskReport,
} from './artifact-fetcher/fetcher.js';

/** How long the demo waits for the bot to handle every task after the group resolved. */
const HANDLED_TIMEOUT_MS = 30_000;

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`.padStart(6);
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Warnings and errors (a failing handler, for instance) on stderr; nothing else. */
const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn: (fields, message) =>
    process.stderr.write(`warning: ${message} ${JSON.stringify(fields)}\n`),
  error: (fields, message) => process.stderr.write(`error: ${message} ${JSON.stringify(fields)}\n`),
};

/** A size as people read it: bytes below 1 KiB (never "0.0 KiB"), else KiB with one decimal. */
function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function describeArtifact(artifact: ArtifactOutcome): string {
  switch (artifact.type) {
    case 'downloaded':
      return `${artifact.name} (${size(artifact.bytes)})`;
    case 'link':
      return `${artifact.name} -> ${artifact.url}`;
    case 'error':
      return `${artifact.name} [${artifact.reason}]`;
  }
}

function describeReport(report: TaskReport): string {
  switch (report.type) {
    case 'completed': {
      const details = report.artifacts.map(describeArtifact);
      return `completed  ${report.name}: ${details.join(', ') || 'no artifacts'}`;
    }
    case 'failed':
      return `FAILED     ${report.name}: ${report.reason}`;
    case 'exception':
      return `EXCEPTION  ${report.name}: ${report.reason}`;
  }
}

async function main(): Promise<number> {
  const url = process.env.PULSE_URL || undefined;
  const simulation = await startSimulation(url === undefined ? {} : { broker: url });
  say(`taskcluster-pulse demo`);
  say(`  broker:      ${simulation.brokerDescription}`);
  say(`  taskcluster: ${simulation.taskcluster.rootUrl} (simulated, Hawk-verified)`);
  const taskGroupId = slugId();
  const fetcher = startArtifactFetcher({
    broker: simulation.broker,
    taskcluster: simulation.taskcluster,
    taskGroupId,
    logger: stderrLogger,
    onTask: (report) => say(`${elapsed()}  ${describeReport(report)}`),
  });
  try {
    await fetcher.ready;
    say(`  task group:  ${taskGroupId} (${DEMO_TASK_GROUP.tasks.length} tasks)\n`);
    simulation.server.queue.onMessage((message) => {
      if (message.type === 'taskRunning') {
        const { taskId } = message.payload.status;
        const name = simulation.server.queue.task(taskId).metadata.name;
        say(`${elapsed()}  running    ${name} on ${message.payload.workerId}`);
      }
    });
    await simulation.play(DEMO_TASK_GROUP, { taskGroupId });
    const expected = DEMO_TASK_GROUP.tasks.length;
    const deadline = Date.now() + HANDLED_TIMEOUT_MS;
    while (fetcher.stats.tasksSeen < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { stats } = fetcher;
    say('');
    say(`summary`);
    say(
      `  tasks seen:        ${stats.tasksSeen} of ${expected} (${stats.completed} completed, ${stats.failed} failed, ${stats.exceptions} exception)`,
    );
    say(
      `  artifacts fetched: ${stats.artifactsFetched} (${size(stats.bytes)}, ${stats.bytes} bytes)`,
    );
    say(`  events published:  ${simulation.forwarder.published}`);
    say(`  HTTP requests:     ${simulation.server.requests.length}`);
    say(`  time:              ${elapsed().trim()}`);
    if (stats.tasksSeen < expected) {
      process.stderr.write(`the bot handled ${stats.tasksSeen} of ${expected} tasks in time\n`);
      return 1;
    }
    return 0;
  } finally {
    await fetcher.close();
    await simulation.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);

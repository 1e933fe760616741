/** The worker side of {@link ./child.ts}: the task argument, ready, stop and result. */

import type { StopRequest, WorkerReport } from './child.js';

/** The task the parent passed (JSON in the first argument). */
export function workerTask<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

function send<R>(report: WorkerReport<R>): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(report, () => resolve());
  });
}

/** Tells the parent that set-up is done, with what it needs to know. */
export function reportReady(info?: unknown): Promise<void> {
  return send({ type: 'ready', info });
}

/** Tells the parent how much is done (it reads the latest as the worker's `done`). */
export function reportProgress(done: number): Promise<void> {
  return send({ type: 'progress', done });
}

/** Resolves when the parent asks the worker to stop. */
export function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (message: StopRequest) => {
      if (message.type === 'stop') resolve();
    });
  });
}

/**
 * Runs the worker's body, sends its result (or its error), then exits: a process exit is what
 * flushes a CPU profile, and it does not wait for sockets a library may keep open.
 */
export async function runAsWorker<R>(body: () => Promise<R>): Promise<void> {
  try {
    const result = await body();
    await send({ type: 'result', result });
    process.exit(0);
  } catch (error) {
    await send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  }
}

/**
 * Benchmarks that need a fresh process (a consumer whose memory is sampled, a client that must
 * not share a warmed-up JIT with its baseline, a cold start) run a worker script in a child
 * process: it says `ready` once set up, is told `stop` when the parent decides, and sends one
 * `result`.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** What a worker sends to the parent. */
export type WorkerReport<R> =
  | { type: 'ready'; info?: unknown }
  | { type: 'progress'; done: number }
  | { type: 'result'; result: R }
  | { type: 'error'; message: string };

/** What the parent sends to a worker. */
export interface StopRequest {
  type: 'stop';
}

/** Directory of CPU profiles when `--profile` is given. */
export const PROFILE_DIR = '.bench-tmp/profiles';

/** Node flags for workers: a CPU profile per worker process when profiling. */
let workerFlags: string[] = [];

/** Makes every later worker write a CPU profile (`node --cpu-prof`) under {@link PROFILE_DIR}. */
export function profileWorkers(): void {
  mkdirSync(PROFILE_DIR, { recursive: true });
  workerFlags = ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
}

/** A running worker. */
export interface Worker<R> {
  readonly process: ChildProcess;
  /** Resolves once the worker is set up, with what it said then. */
  readonly ready: Promise<unknown>;
  /** Resolves with the worker's result once it exited. */
  readonly result: Promise<R>;
  /** What the worker counted done so far, by its last `progress` report. */
  readonly done: number;
  /** Asks the worker to finish and report. */
  stop(): void;
}

/**
 * Starts `script` (a path or file URL of a compiled worker next to this file) with `task` as its
 * one argument (JSON).
 */
export function startWorker<R>(script: URL, task: unknown, profile = false): Worker<R> {
  const child = fork(script, [JSON.stringify(task)], {
    execArgv: profile ? workerFlags : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onReady: (info?: unknown) => void = () => undefined;
  let done = 0;
  const ready = new Promise<unknown>((resolve) => {
    onReady = resolve;
  });
  const result = new Promise<R>((resolve, reject) => {
    let settled: R | undefined;
    let failure: string | undefined;
    child.on('message', (report: WorkerReport<R>) => {
      if (report.type === 'ready') onReady(report.info);
      else if (report.type === 'progress') done = report.done;
      else if (report.type === 'result') settled = report.result;
      else failure = report.message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (settled !== undefined) resolve(settled);
      else reject(new Error(`worker ${script.pathname} failed (exit ${code}): ${failure ?? ''}`));
    });
  });
  // A worker that fails before it is ready must not leave the parent waiting forever.
  result.then(
    () => onReady(),
    () => onReady(),
  );
  return {
    process: child,
    ready,
    result,
    get done() {
      return done;
    },
    stop: () => {
      if (child.connected) child.send({ type: 'stop' } satisfies StopRequest);
    },
  };
}

/** Runs a worker to completion and returns its result. */
export function runWorker<R>(script: URL, task: unknown, profile = false): Promise<R> {
  return startWorker<R>(script, task, profile).result;
}

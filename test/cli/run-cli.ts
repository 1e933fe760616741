/**
 * Runs `tc-pulse` (or another script) as a child process (through tsx, as in development) and
 * collects its output, or in this process for the many cases that need no process of their own.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from '../../src/cli/io.js';
import { runCli as runInProcess } from '../../src/cli/program.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const MAIN = 'src/cli/main.ts';

/** What a finished command printed and its exit status. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without any Pulse or Taskcluster variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PULSE_') && !name.startsWith('TASKCLUSTER_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs `tc-pulse args...` to completion. */
export function runCli(args: readonly string[], env = cleanEnv()): Promise<CliResult> {
  return runScript(MAIN, args, env);
}

/** Runs a script of the repository (`scripts/generate.ts`) through tsx, to completion. */
export function runScript(
  script: string,
  args: readonly string[],
  env = cleanEnv(),
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [script, ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs the command line in this process, with its output captured: the same parsing and
 * commands as the executable, without a process start for each of many cases.
 */
export async function runHere(args: readonly string[], env = cleanEnv()): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
    onStop() {},
  };
  const code = await runInProcess(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** A command still running, with what it printed so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when standard error contains `text`; rejects if the command exits first. */
  waitForStderr(text: string): Promise<void>;
  /** Resolves with the result once the command exits. */
  readonly done: Promise<CliResult>;
}

/** Starts `tc-pulse args...` and returns at once. */
export function startCli(args: readonly string[], env = cleanEnv()): RunningCli {
  const child = spawn(TSX, [MAIN, ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStderr(text) {
      let exited = false;
      void done.then(() => {
        exited = true;
        for (const wake of waiters.splice(0)) wake();
      });
      while (!stderr.includes(text)) {
        if (exited) throw new Error(`tc-pulse exited before printing "${text}": ${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    done,
  };
}

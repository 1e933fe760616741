/**
 * What a command reads and writes, so commands never touch `process` directly.
 */

/** The outside world of a command. */
export interface CommandIo {
  /** Writes a line to standard output. */
  out(line: string): void;
  /** Writes a line to standard error (progress, readiness, errors). */
  err(line: string): void;
  /** The environment variables. */
  readonly env: NodeJS.ProcessEnv;
  /** Registers what to do on SIGINT/SIGTERM. */
  onStop(stop: () => void): void;
}

/** The process's own standard streams, environment and signals. */
export function processIo(): CommandIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    onStop(stop) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  };
}

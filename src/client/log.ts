/**
 * Debug lines of the REST client: to the `logger` option, and to stderr when the environment
 * variable {@link DEBUG_ENV} is set. Only method, URL (never signed), status, attempt and duration
 * are logged: no header, no body, no credential.
 */
import type { Logger } from '../logger.js';
import type { AttemptFailure } from './transport.js';

/** Set (to anything non-empty) to print one debug line per request attempt on stderr. */
export const DEBUG_ENV = 'DEBUG_TASKCLUSTER_CLIENT';

/** One attempt of a request. */
export interface AttemptRecord {
  /** HTTP method, upper case. */
  readonly method: string;
  readonly url: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly durationMs: number;
  readonly outcome:
    | { readonly type: 'response'; readonly status: number }
    | { readonly type: 'failure'; readonly reason: AttemptFailure };
}

/** Receives one record per attempt. */
export type AttemptLog = (record: AttemptRecord) => void;

function stderrLine(record: AttemptRecord): void {
  const result =
    record.outcome.type === 'response' ? String(record.outcome.status) : record.outcome.reason;
  process.stderr.write(
    `taskcluster-pulse client: ${record.method} ${record.url} -> ${result} (attempt ${record.attempt}, ${record.durationMs} ms)\n`,
  );
}

/**
 * The attempt log of a client, or undefined when nothing listens, so that the request path
 * does no logging work at all by default.
 */
export function attemptLog(
  logger: Logger | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AttemptLog | undefined {
  const toStderr = Boolean(env[DEBUG_ENV]);
  if (logger === undefined && !toStderr) return undefined;
  return (record) => {
    if (toStderr) stderrLine(record);
    if (logger !== undefined) {
      const status = record.outcome.type === 'response' ? record.outcome.status : undefined;
      const failure = record.outcome.type === 'failure' ? record.outcome.reason : undefined;
      logger.debug(
        {
          method: record.method,
          url: record.url,
          attempt: record.attempt,
          durationMs: record.durationMs,
          ...(status === undefined ? {} : { status }),
          ...(failure === undefined ? {} : { failure }),
        },
        'taskcluster request',
      );
    }
  };
}

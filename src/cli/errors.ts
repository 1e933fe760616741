/**
 * The errors of a command: a wrong command line (a clear message, exit status 1, nothing sent),
 * and a broker that cannot be reached.
 */

import { TaskclusterPulseError } from '../errors.js';

/** A wrong argument, option or environment variable of `tc-pulse`. */
export class CliUsageError extends TaskclusterPulseError {
  override name = 'CliUsageError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CliUsageError', message, options);
  }
}

/** The broker could not be reached, or refused the first connection; the message has no password. */
export class ConnectFailedError extends TaskclusterPulseError {
  override name = 'ConnectFailedError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ConnectFailed', message, options);
  }
}

/**
 * The error of a wrong command line: a clear message, exit status 1, nothing sent.
 */

import { TaskclusterPulseError } from '../errors.js';

/** A wrong argument, option or environment variable of `tc-pulse`. */
export class CliUsageError extends TaskclusterPulseError<'CliUsageError'> {
  override name = 'CliUsageError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CliUsageError', message, options);
  }
}

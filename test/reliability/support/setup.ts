/**
 * Runs before each reliability test file: records everything written to stderr and stdout
 * (the REST client's debug lines among it, since the suite sets DEBUG_TASKCLUSTER_CLIENT), and
 * after the file checks that no registered secret was shown anywhere.
 */

import { afterAll, expect } from 'vitest';
import { DEBUG_ENV } from '../../../src/client/log.js';
import {
  countDebugLine,
  leakedSecrets,
  recordShown,
  registeredSecrets,
  scanned,
} from './leak-scan.js';
import { recordCounts } from './report.js';

/** The prefix of the REST client's stderr debug lines, which are recorded but not echoed. */
const DEBUG_LINE_PREFIX = 'taskcluster-pulse client:';

if (!process.env[DEBUG_ENV]) {
  throw new Error(`the reliability suite runs with ${DEBUG_ENV} set (see its vitest config)`);
}

function tap(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    recordShown(text);
    if (text.startsWith(DEBUG_LINE_PREFIX)) {
      countDebugLine();
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

tap(process.stderr);
tap(process.stdout);

afterAll(() => {
  const file = expect.getState().testPath?.split('/').pop() ?? 'unknown';
  recordCounts(`leak-scan ${file}`, { secrets: registeredSecrets().length, ...scanned() });
  expect(leakedSecrets(), 'secrets shown in output, logs, status events or errors').toEqual([]);
});

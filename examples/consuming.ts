/**
 * Shared by the examples: wait until a handler runner consumes, so a caller knows no message
 * published from then on is missed (the examples' queues are bound when they start).
 */

import { filter, firstValueFrom, map, race } from 'rxjs';
import type { HandlerRunner, PulseClient } from '../src/index.js';

/**
 * Resolves when `pulse` reports a consumer consuming; rejects when its set-up or a binding fails
 * (an exchange that does not exist, for instance) or the runner stops. Subscribe before starting
 * the runner: `const ready = untilConsuming(pulse); const runner = pulse.handle(...)`.
 */
export function untilConsuming(pulse: PulseClient): (runner: HandlerRunner) => Promise<void> {
  const status = firstValueFrom(
    race(
      pulse.status$.pipe(
        filter((s) => s.type === 'consuming'),
        map(() => undefined),
      ),
      pulse.status$.pipe(
        filter((s) => s.type === 'setup-failed' || s.type === 'binding-failed'),
        map((s) => {
          throw 'error' in s ? s.error : new Error('consumer set-up failed');
        }),
      ),
    ),
  );
  return (runner) => Promise.race([status, runner.failed]);
}

/**
 * Statuses as text for assertions about what they say (and never say): `JSON.stringify` alone
 * shows an `Error` as `{}`, which would pass any "does not contain the password" check.
 */

import type { PulseStatus } from '../../src/index.js';

/** Every status as JSON, each `error` as its name and message. */
export function statusText(statuses: readonly PulseStatus[]): string {
  return JSON.stringify(statuses, (_key, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
}

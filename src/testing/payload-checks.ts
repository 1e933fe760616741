/**
 * What the simulated services need beyond their schemas' checks of a payload: the 400
 * `InputValidationError` Taskcluster's services answer for input no schema rules out but the
 * service refuses, and dates stored as the services store them.
 */
import { SimulatedApiError } from './api-error.js';

/** A 400 `InputValidationError`. */
export function invalidInput(message: string): SimulatedApiError {
  return new SimulatedApiError(400, 'InputValidationError', message);
}

/** A date-time as the services store it (ISO 8601 in UTC). */
export function isoDate(value: string): string {
  return new Date(value).toISOString();
}

/**
 * Small checks of request payloads for the simulated services: a bad payload answers
 * 400 `InputValidationError` as Taskcluster's services do for schema violations.
 */
import { SimulatedApiError } from './api-error.js';
import type { JsonObject } from './queue-types.js';

/** A 400 `InputValidationError`. */
export function invalidInput(message: string): SimulatedApiError {
  return new SimulatedApiError(400, 'InputValidationError', message);
}

/** The payload as an object, or a 400. */
export function payloadObject(body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidInput('The payload must be a JSON object');
  }
  return body as JsonObject;
}

/** A required string field, or a 400. */
export function stringField(payload: JsonObject, field: string): string {
  const value = payload[field];
  if (typeof value !== 'string' || value === '') {
    throw invalidInput(`\`${field}\` must be a non-empty string`);
  }
  return value;
}

/** A required date-time field, or a 400. */
export function dateField(payload: JsonObject, field: string): string {
  const value = stringField(payload, field);
  if (Number.isNaN(Date.parse(value))) {
    throw invalidInput(`\`${field}\` must be a date-time`);
  }
  return new Date(value).toISOString();
}

/** An optional object field (`{}` when absent), or a 400. */
export function objectField(payload: JsonObject, field: string): JsonObject {
  const value = payload[field] ?? {};
  return payloadObject(value);
}

/**
 * The routing key a message is published with, built from named fields the way Taskcluster
 * publishes: constants filled in, `_` for a missing optional field, single-word fields without
 * dots. (Binding patterns, with `*` and `#`, are built by the exchanges module.)
 */

import {
  checkConstant,
  checkFieldNames,
  checkWord,
  MISSING_WORD,
  RoutingKeyError,
} from './routing-key.js';
import type { RoutingKeyField } from './types.js';

/** AMQP limits a routing key to 255 bytes. */
export const MAX_ROUTING_KEY_BYTES = 255;

/**
 * The routing key of a message.
 * @throws {RoutingKeyError} for an unknown field, a missing required field, an empty value, a
 * dot in a single-word field, a value other than a constant, or a key over 255 bytes.
 */
export function buildRoutingKey(
  fields: readonly RoutingKeyField[],
  values: Readonly<Record<string, string | number | undefined>>,
): string {
  checkFieldNames(fields, values);
  const words: string[] = [];
  for (const field of fields) {
    const raw = values[field.name];
    const value = raw === undefined ? undefined : String(raw);
    if (field.constant !== undefined) {
      if (value !== undefined) checkConstant(field, field.constant, value);
      words.push(field.constant);
    } else if (value === undefined) {
      if (field.required) {
        throw new RoutingKeyError(`routing-key field "${field.name}" is required`);
      }
      words.push(MISSING_WORD);
    } else {
      checkWord(field, value);
      words.push(value);
    }
  }
  const key = words.join('.');
  if (Buffer.byteLength(key) > MAX_ROUTING_KEY_BYTES) {
    throw new RoutingKeyError(`the routing key is longer than ${MAX_ROUTING_KEY_BYTES} bytes`);
  }
  return key;
}

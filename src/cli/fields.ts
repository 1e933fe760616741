/**
 * Routing-key fields given as kebab-case flags (`--task-group-id X`, `--task-group-id=X`): the
 * flags left over once the command's own options are parsed, mapped to the exchange's field
 * names. A flag that names no field is an error: a misspelt filter would match everything.
 */

import type { RoutingKeyField } from '../exchanges/types.js';
import { CliUsageError } from './errors.js';

/** `taskGroupId` as a flag: `--task-group-id`. */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The field values of the flags in `words`, by field name. */
export function parseFieldFlags(
  words: readonly string[],
  fields: readonly RoutingKeyField[],
  exchangeName: string,
): Record<string, string> {
  const byFlag = new Map(fields.map((field) => [flagOf(field.name), field.name]));
  const known = () => [...byFlag.keys()].join(', ');
  const values: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--')) {
      throw new CliUsageError(`unexpected argument "${word}"`);
    }
    const equals = word.indexOf('=');
    const flag = equals === -1 ? word : word.slice(0, equals);
    const field = byFlag.get(flag);
    if (field === undefined) {
      throw new CliUsageError(
        `unknown option ${flag}: ${exchangeName} has no routing-key field by that name; its fields are: ${known()}`,
      );
    }
    let value: string | undefined;
    if (equals !== -1) value = word.slice(equals + 1);
    else {
      value = words[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new CliUsageError(`option ${flag} needs a value`);
      }
      i++;
    }
    if (Object.hasOwn(values, field)) {
      throw new CliUsageError(`option ${flag} is given twice`);
    }
    values[field] = value;
  }
  return values;
}

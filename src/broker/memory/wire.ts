/**
 * What a field table (headers, queue arguments) looks like after a trip over the wire through
 * amqplib and back: `undefined` entries vanish, inherited keys are sent, typed values
 * (`{ '!': 'timestamp', value }`) come back typed or as plain numbers, Buffers are copied,
 * and values amqplib cannot encode throw a `TypeError` at publish, as amqplib does.
 */

/** A decoded field table. */
export type FieldTable = Record<string, unknown>;

// Values amqplib decodes back into their `{ '!': type, value }` form.
const TYPED_ON_DECODE = new Set(['timestamp', 'decimal']);

/** Copies a table the way encoding then decoding it would. */
export function wireTable(table: object): FieldTable {
  const out: FieldTable = {};
  for (const key in table) {
    const value = (table as FieldTable)[key];
    if (value !== undefined) out[key] = wireValue(value);
  }
  return out;
}

function wireValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Buffer.isBuffer(value)) return Buffer.from(value);
      if (Array.isArray(value)) return value.map(wireValue);
      if (Object.hasOwn(value, '!')) {
        const typed = value as { '!': string; value: unknown };
        return TYPED_ON_DECODE.has(typed['!'])
          ? { '!': typed['!'], value: typed.value }
          : typed.value;
      }
      return wireTable(value);
    }
    default:
      throw new TypeError(`Unknown type to encode: ${typeof value}`);
  }
}

/** RabbitMQ's name of the AMQP type amqplib picks for a value (as shown in 406 texts). */
export function fieldTypeName(value: unknown): string {
  if (typeof value === 'string') return 'longstr';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') {
    if (
      value >= 0x8000000000000000 ||
      (Math.abs(value) < 0x4000000000000 && !Number.isInteger(value))
    ) {
      return 'double';
    }
    if (value >= -128 && value < 128) return 'byte';
    if (value >= -0x8000 && value < 0x8000) return 'short';
    if (value >= -0x80000000 && value < 0x80000000) return 'signedint';
    return 'long';
  }
  if (value === null) return 'void';
  if (Array.isArray(value)) return 'array';
  return 'table';
}

/** Whether two argument values are equal for RabbitMQ (numbers compare by value). */
export function sameFieldValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return fieldTypeName(a) === 'double' ? a === b && fieldTypeName(b) === 'double' : a === b;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

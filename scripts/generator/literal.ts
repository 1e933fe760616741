/** JSON data as TypeScript source in the project's style: single quotes, bare keys, trailing commas. */

import { propertyKey } from './names.js';

const INLINE_WIDTH = 80;

/** Data a literal can be written from: JSON, read-only or with absent optional keys. */
export type LiteralValue =
  | null
  | boolean
  | number
  | string
  | readonly LiteralValue[]
  | { readonly [key: string]: LiteralValue | undefined };

/** A string as a single-quoted TypeScript literal. */
export function stringLiteral(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A JSON value as a TypeScript expression; `indent` is the indentation of its first line. */
export function literal(value: LiteralValue, indent = ''): string {
  if (typeof value === 'string') return stringLiteral(value);
  if (value === null || typeof value !== 'object') return String(value);
  const inner = `${indent}  `;
  if (isList(value)) {
    if (value.length === 0) return '[]';
    const inline = `[${value.map((item) => literal(item, inner)).join(', ')}]`;
    if (!inline.includes('\n') && inline.length <= INLINE_WIDTH) return inline;
    return `[\n${value.map((item) => `${inner}${literal(item, inner)},`).join('\n')}\n${indent}]`;
  }
  const present = Object.entries(value).filter(
    (entry): entry is [string, LiteralValue] => entry[1] !== undefined,
  );
  if (present.length === 0) return '{}';
  return `{\n${present
    .map(([key, item]) => `${inner}${propertyKey(key)}: ${literal(item, inner)},`)
    .join('\n')}\n${indent}}`;
}

function isList(value: LiteralValue): value is readonly LiteralValue[] {
  return Array.isArray(value);
}

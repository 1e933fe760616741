/**
 * Rendering of hooks' task templates for the simulated hooks service: the part of JSON-e that
 * task templates use most: `${path}` in strings, `$eval` of a path, `$fromNow`, `$json` and
 * `$if`-`then`-`else` (paths are dotted properties of the context, e.g. `payload.branch`). Any
 * other operator or expression is refused with an error that names it, never rendered wrongly.
 */

import type { JsonValue } from '../client/generated/json.js';
import { InputError } from '../errors.js';
import { fromNow } from '../utils/from-now.js';

/** What a template is rendered with (`firedBy`, `taskId`, `payload`, ...). */
export type TemplateContext = Readonly<Record<string, JsonValue | undefined>>;

/** The operators rendered here. */
const OPERATORS = new Set(['$eval', '$fromNow', '$json', '$if']);
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** `${...}` not preceded by another `$` (`$${` is an escaped `${`). */
const INTERPOLATION = /(\$?)\$\{([^}]*)\}/g;
/** What a `$if` without `else` renders to when false: the key or element is left out. */
const DELETED = Symbol('deleted');

/** A template the simulation cannot render. */
export class HookTemplateError extends InputError {
  override name = 'HookTemplateError';
}

/** The value at a dotted path of the context; an unknown path is an error, as in JSON-e. */
function lookup(context: TemplateContext, expression: string): JsonValue {
  const path = expression.trim();
  if (!PATH.test(path)) {
    throw new HookTemplateError(
      `the simulated hooks service evaluates only dotted paths, not \`${expression}\``,
    );
  }
  let value: JsonValue | undefined = context as JsonValue;
  for (const key of path.split('.')) {
    value =
      typeof value === 'object' && value !== null && !Array.isArray(value) ? value[key] : undefined;
    if (value === undefined) throw new HookTemplateError(`unknown context value \`${path}\``);
  }
  return value;
}

function interpolate(text: string, context: TemplateContext): string {
  return text.replace(INTERPOLATION, (whole, escaped: string, expression: string) => {
    if (escaped === '$') return whole.slice(1);
    const value = lookup(context, expression);
    if (typeof value === 'object' && value !== null) {
      throw new HookTemplateError(`\`${expression}\` is not a string, number or boolean`);
    }
    return String(value);
  });
}

function renderValue(
  template: JsonValue,
  context: TemplateContext,
  now: Date,
): JsonValue | typeof DELETED {
  if (typeof template === 'string') return interpolate(template, context);
  if (Array.isArray(template)) {
    return template
      .map((item) => renderValue(item, context, now))
      .filter((item): item is JsonValue => item !== DELETED);
  }
  if (template === null || typeof template !== 'object') return template;
  const operator = Object.keys(template).find((key) => /^\$[^$]/.test(key));
  if (operator !== undefined) return renderOperator(operator, template, context, now);
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(template)) {
    const rendered = renderValue(value, context, now);
    // `$$key` is an escaped `$key`.
    if (rendered !== DELETED) out[key.startsWith('$$') ? key.slice(1) : key] = rendered;
  }
  return out;
}

function renderOperator(
  operator: string,
  template: { [key: string]: JsonValue },
  context: TemplateContext,
  now: Date,
): JsonValue | typeof DELETED {
  if (!OPERATORS.has(operator)) {
    throw new HookTemplateError(
      `the simulated hooks service does not render the JSON-e operator ${operator}`,
    );
  }
  const argument = template[operator]!;
  switch (operator) {
    case '$eval':
      if (typeof argument !== 'string') throw new HookTemplateError('$eval takes a string');
      return lookup(context, argument);
    case '$json':
      return JSON.stringify(renderValue(argument, context, now));
    case '$fromNow': {
      const offset = renderValue(argument, context, now);
      const from = template.from === undefined ? now : new Date(String(template.from));
      if (typeof offset !== 'string') throw new HookTemplateError('$fromNow takes a string');
      return fromNow(offset, from).toISOString();
    }
    default: {
      if (typeof argument !== 'string') throw new HookTemplateError('$if takes a string');
      const branch = lookup(context, argument) ? 'then' : 'else';
      const chosen = template[branch];
      return chosen === undefined ? DELETED : renderValue(chosen, context, now);
    }
  }
}

/**
 * Renders a task template; `undefined` when it renders to nothing (a false `$if` without
 * `else` at the top), which creates no task.
 * @throws {HookTemplateError} for what this subset of JSON-e does not render.
 */
export function renderTemplate(
  template: JsonValue,
  context: TemplateContext,
  now: Date,
): JsonValue | undefined {
  const rendered = renderValue(template, context, now);
  return rendered === DELETED ? undefined : rendered;
}

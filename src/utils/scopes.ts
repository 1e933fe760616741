/** Local scope satisfaction (no role expansion): does a set of scopes satisfy a requirement? */
import { InputError } from '../errors.js';

function checkScopes(what: string, scopes: unknown): asserts scopes is readonly string[] {
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
    throw new InputError(`${what} must be an array of strings`);
  }
}

/**
 * Whether `scope` is granted by `assumed`: equal, or an assumed scope ending in `*` is a
 * prefix of it (a `*` elsewhere is literal; `a*` grants `a`, `a:*` does not).
 */
function satisfies(assumed: readonly string[], scope: string): boolean {
  for (const pattern of assumed) {
    if (pattern === scope) return true;
    if (pattern.endsWith('*') && scope.startsWith(pattern.slice(0, -1))) return true;
  }
  return false;
}

/**
 * Whether the `assumed` scopes (already expanded) satisfy `required`, a list of scope sets in
 * disjunctive normal form: true when every scope of at least one set is satisfied.
 * Throws {@link InputError} on malformed input.
 */
export function scopeMatch(
  assumed: readonly string[],
  required: readonly (readonly string[])[],
): boolean {
  checkScopes('assumed scopes', assumed);
  const sets: unknown = required;
  if (!Array.isArray(sets)) {
    throw new InputError('required scopes must be an array of scope sets (arrays of strings)');
  }
  for (const [index, set] of sets.entries()) checkScopes(`required scope set ${index}`, set);
  return required.some((set) => set.every((scope) => satisfies(assumed, scope)));
}

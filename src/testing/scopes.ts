/**
 * Scope satisfaction as the simulated auth service applies it. Written independently of the
 * package's own scope utilities on purpose: this side checks them.
 */

/** Whether one held scope satisfies one required scope: equal, or a prefix ending in `*`. */
export function scopeSatisfies(held: string, required: string): boolean {
  if (held === required) {
    return true;
  }
  return held.endsWith('*') && required.startsWith(held.slice(0, -1));
}

/** Whether the held scopes satisfy every one of the required scopes. */
export function satisfiesAll(held: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => held.some((h) => scopeSatisfies(h, scope)));
}

/** Whether the held scopes satisfy at least one conjunction of a disjunctive normal form. */
export function satisfiesAny(held: readonly string[], requiredDnf: readonly string[][]): boolean {
  return requiredDnf.some((conjunction) => satisfiesAll(held, conjunction));
}

/** The required scopes of a conjunction that the held scopes do not satisfy. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !held.some((h) => scopeSatisfies(h, scope)));
}

/** Whether a value is a list of strings (the only valid shape of a scope list). */
export function isScopeList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((scope) => typeof scope === 'string');
}

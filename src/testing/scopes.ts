/**
 * Scope satisfaction and role expansion as the simulated auth service applies them. Written
 * independently of the package's own scope utilities on purpose: this side checks them.
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

/** The value a role's `<..>` takes for a scope that grants it, or undefined if it does not. */
function roleGrant(scope: string, roleId: string): string | undefined {
  const assumed = `assume:${roleId}`;
  if (scopeSatisfies(scope, assumed)) {
    // The scope covers the role's id (`assume:repo:*` covers `repo:x`): so it covers any `<..>`.
    return roleId.endsWith('*') ? '*' : '';
  }
  if (roleId.endsWith('*') && scope.startsWith(assumed.slice(0, -1))) {
    return scope.slice(assumed.length - 1);
  }
  return undefined;
}

/** A role's scope with its `<..>` replaced; a replacement ending in `*` ends the scope there. */
function parameterized(scope: string, replacement: string): string {
  const at = scope.indexOf('<..>');
  if (at < 0) return scope;
  const star = replacement.indexOf('*');
  return star >= 0
    ? scope.slice(0, at) + replacement.slice(0, star + 1)
    : scope.replace('<..>', replacement);
}

/** Scopes without those another one already satisfies, sorted. */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  const unique = [...new Set(scopes)];
  return unique
    .filter((scope) => !unique.some((other) => other !== scope && scopeSatisfies(other, scope)))
    .sort();
}

/**
 * Expands scopes through roles as the auth service does: a scope `assume:<roleId>` grants the
 * role's scopes, transitively; a role id ending in `*` is granted by every scope it prefixes
 * (its scopes' `<..>` become the rest of that scope), and a scope ending in `*` grants every role
 * it prefixes. The scopes come first in their order, then what the roles add, each once.
 */
export function expandScopes(
  scopes: readonly string[],
  roles: ReadonlyMap<string, readonly string[]>,
): string[] {
  const held = new Set<string>();
  const pending = [...scopes];
  for (let next = 0; next < pending.length; next++) {
    const scope = pending[next]!;
    if (held.has(scope)) continue;
    held.add(scope);
    for (const [roleId, roleScopes] of roles) {
      const replacement = roleGrant(scope, roleId);
      if (replacement === undefined) continue;
      pending.push(...roleScopes.map((roleScope) => parameterized(roleScope, replacement)));
    }
  }
  return [...held];
}

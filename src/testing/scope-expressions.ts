/**
 * Scope expressions as Taskcluster's services evaluate them: the expression of an API entry
 * (`AnyOf`, `AllOf`, `if`-`then`-`else`, `each`-`for`-`in`, `<param>` placeholders) rendered
 * with the request's parameters into the disjunctive normal form that the scope checks take.
 */
import type { ScopeExpression } from '../client/reference.js';

/** Values of an expression's parameters: strings, lists for `each`, booleans for `if`. */
export type ScopeParameters = Readonly<Record<string, string | readonly string[] | boolean>>;

/** An expression that cannot be rendered with the parameters given: a simulation bug. */
export class ScopeExpressionError extends Error {
  override name = 'ScopeExpressionError';
}

const PLACEHOLDER = /<([^<>]+)>/g;

/** The names of every parameter an expression uses. */
export function expressionParameters(expression: ScopeExpression): Set<string> {
  const names = new Set<string>();
  const walk = (node: ScopeExpression): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(PLACEHOLDER)) names.add(match[1]!);
    } else if ('AnyOf' in node) {
      node.AnyOf.forEach(walk);
    } else if ('AllOf' in node) {
      node.AllOf.forEach(walk);
    } else if ('if' in node) {
      names.add(node.if);
      walk(node.then);
      if (node.else !== undefined) walk(node.else);
    } else {
      names.add(node.in);
      for (const match of node.each.matchAll(PLACEHOLDER)) {
        if (match[1] !== node.for) names.add(match[1]!);
      }
    }
  };
  walk(expression);
  return names;
}

function substitute(template: string, parameters: ScopeParameters): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = parameters[name];
    if (typeof value !== 'string') {
      throw new ScopeExpressionError(`scope parameter <${name}> is not a string`);
    }
    return value;
  });
}

/** A rendered expression: scopes and their combinations only. */
type Rendered = string | { AnyOf: Rendered[] } | { AllOf: Rendered[] };

/**
 * Renders an expression; like Taskcluster's, `each` and a false `if` without `else` splice
 * their results into the list around them (none at all for the latter).
 */
function render(expression: ScopeExpression, parameters: ScopeParameters): Rendered[] {
  if (typeof expression === 'string') return [substitute(expression, parameters)];
  if ('AnyOf' in expression) {
    return [{ AnyOf: expression.AnyOf.flatMap((member) => render(member, parameters)) }];
  }
  if ('AllOf' in expression) {
    return [{ AllOf: expression.AllOf.flatMap((member) => render(member, parameters)) }];
  }
  if ('if' in expression) {
    const condition = parameters[expression.if];
    if (typeof condition !== 'boolean') {
      throw new ScopeExpressionError(`scope parameter <${expression.if}> is not a boolean`);
    }
    if (condition) return render(expression.then, parameters);
    return expression.else === undefined ? [] : render(expression.else, parameters);
  }
  const list = parameters[expression.in];
  if (!Array.isArray(list)) {
    throw new ScopeExpressionError(`scope parameter <${expression.in}> is not a list`);
  }
  return list.map((item: string) =>
    substitute(expression.each, { ...parameters, [expression.for]: item }),
  );
}

/** A rendered expression in disjunctive normal form: any one of the conjunctions suffices. */
function normalForm(expression: Rendered): string[][] {
  if (typeof expression === 'string') return [[expression]];
  if ('AnyOf' in expression) return expression.AnyOf.flatMap(normalForm);
  // AllOf: one conjunction per choice of a conjunction from each member.
  return expression.AllOf.reduce<string[][]>(
    (product, member) =>
      product.flatMap((left) => normalForm(member).map((right) => [...left, ...right])),
    [[]],
  );
}

/**
 * The scopes an expression requires with these parameters, in disjunctive normal form.
 * @throws {ScopeExpressionError} when a parameter it uses is missing or of the wrong kind.
 */
export function requiredScopes(
  expression: ScopeExpression,
  parameters: ScopeParameters,
): string[][] {
  return normalForm({ AllOf: render(expression, parameters) });
}

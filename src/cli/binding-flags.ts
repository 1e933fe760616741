/**
 * The binding a command line asks for: an exchange reference with routing-key field flags, or
 * with `--route`.
 */

import { taskRouteBinding } from '../exchanges/routing-key.js';
import type { Binding } from '../exchanges/types.js';
import { CliUsageError } from './errors.js';
import { resolveExchange } from './exchange-reference.js';
import { parseFieldFlags } from './fields.js';
import { checkFieldValues, messageSchemaOf } from './messages.js';

/**
 * The binding a command line asks for: `<service>.<exchange>` with routing-key field flags
 * (each checked against the message's type for it), or with `--route` (a task-route binding);
 * both at once is a usage error.
 */
export async function bindingOfFlags(
  reference: string,
  fieldWords: readonly string[],
  options: { route?: string | undefined; exchangePrefix?: string | undefined },
): Promise<Binding> {
  const target = resolveExchange(reference, options.exchangePrefix);
  const fields = parseFieldFlags(fieldWords, target.entry.routingKey, reference);
  if (options.route !== undefined && Object.keys(fields).length > 0) {
    throw new CliUsageError('give either routing-key fields or --route, not both');
  }
  if (Object.keys(fields).length > 0) checkFieldValues(await messageSchemaOf(target), fields);
  return options.route === undefined
    ? target.method(fields)
    : taskRouteBinding(target.method(), options.route);
}

/**
 * How `tc-pulse listen` prints a message: a readable block, or one JSON object per line.
 */

import type { Message } from '../consumer/message.js';

/** A message as one JSON line (`--json`). */
export function messageAsJson(name: string, message: Message): string {
  return JSON.stringify({
    exchange: message.exchange,
    name,
    routingKey: message.routingKey,
    routing: message.routing,
    routes: message.routes,
    redelivered: message.redelivered,
    payload: message.payload,
  });
}

/** A message as a readable block: a header with the set routing fields, then the payload. */
export function messageAsText(name: string, message: Message): string {
  const fields = Object.entries(message.routing)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${field}=${value}`);
  const lines = [`${new Date().toISOString()} ${name} ${fields.join(' ')}`];
  if (message.routes.length > 0) lines.push(`  routes: ${message.routes.join(', ')}`);
  const payload = JSON.stringify(message.payload, null, 2).split('\n');
  lines.push(...payload.map((line) => `  ${line}`));
  return lines.join('\n');
}

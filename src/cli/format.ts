/**
 * How `tc-pulse listen` prints a message: a readable block, or one JSON object per line.
 */

import type { Message } from '../consumer/message.js';
import type { TaskDefinition as Task } from '../index.js';

/** A message as one JSON line (`--json`), with its task's definition when looked up. */
export function messageAsJson(name: string, message: Message, task?: Task): string {
  return JSON.stringify({
    exchange: message.exchange,
    name,
    routingKey: message.routingKey,
    routing: message.routing,
    routes: message.routes,
    redelivered: message.redelivered,
    payload: message.payload,
    ...(task === undefined ? {} : { task }),
  });
}

/**
 * A message as a readable block: a header with the set routing fields (and the task's name when
 * looked up), then the payload.
 */
export function messageAsText(name: string, message: Message, task?: Task): string {
  const fields = Object.entries(message.routing)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${field}=${value}`);
  const lines = [`${new Date().toISOString()} ${name} ${fields.join(' ')}`];
  if (task !== undefined) lines.push(`  task: ${task.metadata.name}`);
  if (message.routes.length > 0) lines.push(`  routes: ${message.routes.join(', ')}`);
  const payload = JSON.stringify(message.payload, null, 2).split('\n');
  lines.push(...payload.map((line) => `  ${line}`));
  return lines.join('\n');
}

/**
 * The `ping` method every Taskcluster service has.
 */
import type { RouteHandler } from './routes.js';

/** A `ping` handler answering `{alive: true, uptime}` like the services, uptime from now on. */
export function pingHandler(): RouteHandler {
  const started = Date.now();
  return () => ({ json: { alive: true, uptime: (Date.now() - started) / 1000 } });
}

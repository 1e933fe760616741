/**
 * The `ping` route every Taskcluster service has.
 */
import type { ApiServer } from './api-server.js';

/** Registers `GET /api/<service>/v1/ping`, answering `{alive: true, uptime}` like the services. */
export function registerPing(server: ApiServer, service: string): void {
  const started = Date.now();
  server.route(
    service,
    'get',
    '/ping',
    () => ({ json: { alive: true, uptime: (Date.now() - started) / 1000 } }),
    { name: 'ping' },
  );
}

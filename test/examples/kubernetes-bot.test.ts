/**
 * The Kubernetes example: its health server on RabbitMQ (the probes' answers as the bot
 * consumes, loses its broker and shuts down), the graceful shutdown on SIGTERM (the running
 * handler finishes and is acked), a port in use, main.ts as its container runs it, and the
 * Deployment and Dockerfile agreeing with what the bot serves.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startArtifactCounter } from '../../examples/kubernetes-bot/bot.js';
import { HealthServerError } from '../../src/consumer/health-server.js';
import { DEFAULT_HEALTH_PORT, SHUTDOWN_MARGIN_MS } from '../../src/consumer/options.js';
import { InputError } from '../../src/errors.js';
import { DEMO_TASK_GROUP, type Simulation, startSimulation } from '../../src/testing/index.js';
import { cleanEnv } from '../cli/run-cli.js';
import {
  BROKER_URL,
  closeConnectionsNamed,
  deleteQueues,
  queueDepth,
  unique,
  waitFor,
} from '../support/rabbitmq.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const EXAMPLE = new URL('../../examples/kubernetes-bot/', import.meta.url);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A simulation on the test broker under exchanges of its own, and a bot on it. */
async function botOnRabbitMq(options: { reconnectDelay?: number; gracePeriod?: number } = {}) {
  const simulation: Simulation = await startSimulation({
    broker: BROKER_URL,
    exchangePrefix: `exchange/${unique('k8s')}/queue/v1/`,
  });
  cleanups.push(() => simulation.close());
  const namespace = unique('k8s-ns');
  const queueName = 'artifact-counter';
  const queue = `queue/${namespace}/${queueName}`;
  cleanups.push(() => deleteQueues(queue, `${queue}/retry`, `${queue}/dead`, `${queue}/bindings`));
  const connectionName = unique('k8s-conn');
  const bot = await startArtifactCounter({
    broker: BROKER_URL,
    namespace,
    taskcluster: simulation.taskcluster,
    exchangePrefix: simulation.exchangePrefix,
    port: 0,
    gracePeriod: options.gracePeriod ?? 10_000,
    exit: false,
    connectionName,
    reconnect: { baseDelay: options.reconnectDelay ?? 100, maxDelay: 10_000 },
  });
  cleanups.push(async () => {
    await bot.health.close();
    await bot.pulse.close();
  });
  return { simulation, bot, queue, connectionName };
}

async function get(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('the Kubernetes example', () => {
  it('answers the probes and the scrape while it consumes, and 503 with the reason while its broker is gone', async () => {
    const { simulation, bot, connectionName } = await botOnRabbitMq({ reconnectDelay: 3_000 });
    await bot.runner.ready;
    const base = bot.health.url;
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, text: 'ok\n' });
    expect(await get(`${base}/livez`)).toMatchObject({ status: 200, text: 'ok\n' });
    const head = await get(`${base}/healthz`, { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
    expect((await get(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await get(`${base}/nothing-here`)).status).toBe(404);

    await simulation.play(DEMO_TASK_GROUP, { stepDelay: 0 });
    const completed = DEMO_TASK_GROUP.tasks.filter((t) => t.outcome.type === 'completed').length;
    await waitFor(() => bot.counted.size === completed, 'every completed task counted');
    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toMatch(new RegExp(`^taskcluster_pulse_handled_total ${completed}$`, 'm'));
    expect(metrics.text).toMatch(/^taskcluster_pulse_handler_duration_seconds_count \d+$/m);
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total /m);

    // The broker drops the connection; the next attempt waits 3 s: the probe says why.
    expect(await closeConnectionsNamed(connectionName)).toBe(1);
    await waitFor(async () => (await get(`${base}/healthz`)).status === 503, 'a 503');
    const down = await get(`${base}/healthz`);
    expect(down.text).toMatch(/^unhealthy: no connection to the broker: .*closed by a test/);
    expect(down.text).not.toContain('guest:');
    await waitFor(async () => (await get(`${base}/healthz`)).status === 200, 'healthy again');
  });

  it('on SIGTERM lets the running handler finish and acks it, answering 503 meanwhile, then stops serving', async () => {
    const others = process.listeners('SIGTERM');
    const { simulation, bot, queue } = await botOnRabbitMq();
    await bot.runner.ready;
    // The bot's own listener, called as the signal calls it (vitest's worker may have others).
    const [onSigterm] = process.listeners('SIGTERM').filter((l) => !others.includes(l));
    expect(onSigterm).toBeDefined();
    const route = simulation.server.routeKey(
      'queue',
      'get',
      '/task/<taskId>/runs/<runId>/artifacts',
    );
    // The handler's one REST call takes 1.5 s: it is running when the signal comes.
    simulation.server.injectFaults(route, { type: 'delay', ms: 1_500 });
    const played = await simulation.play(
      { name: 'one task', tasks: [{ name: 'build', outcome: { type: 'completed' } }] },
      { stepDelay: 0 },
    );
    await waitFor(() => simulation.server.attempts(route) === 1, 'the handler running');
    expect(bot.counted.size).toBe(0);
    (onSigterm as (signal: NodeJS.Signals) => void)('SIGTERM');
    expect(bot.health.shuttingDown).toBe(true);
    expect(await get(`${bot.health.url}/healthz`)).toMatchObject({
      status: 503,
      text: 'unhealthy: shutting down\n',
    });
    await bot.health.shutdown();
    expect([...bot.counted.keys()]).toEqual([played.taskIds.get('build')!]);
    // Acked before the connection closed: nothing came back to the queue.
    expect(await queueDepth(queue)).toBe(0);
    await expect(fetch(`${bot.health.url}/healthz`)).rejects.toThrow();
    // The signal listeners are gone with the server.
    expect(process.listeners('SIGTERM')).toEqual(others);
  });

  it('refuses a port in use with a HealthServerError, and a bad port with an InputError', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;
    const simulation = await startSimulation();
    cleanups.push(() => simulation.close());
    const start = (p: number) =>
      startArtifactCounter({
        broker: simulation.broker,
        taskcluster: simulation.taskcluster,
        port: p,
        gracePeriod: 1_000,
        exit: false,
      });
    const error = await start(port).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HealthServerError);
    expect(error).toMatchObject({ code: 'PortInUse', port });
    expect((error as Error).message).toBe(
      `the health server cannot listen on every interface port ${port}: the port is already in use; choose another port`,
    );
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    await expect(start(70_000)).rejects.toBeInstanceOf(InputError);
    // Nothing listens for signals after a failed start.
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('main.ts serves the probes on a simulation, and exits 0 on SIGTERM', async () => {
    const child = spawn(TSX, ['examples/kubernetes-bot/main.ts'], {
      cwd: ROOT,
      env: cleanEnv({ HEALTH_PORT: '0', GRACE_PERIOD_MS: '5000' }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => stdout.includes('task group played'), 'the demo played', 30_000);
    const url = /health and metrics on (http:\/\/\S+)/.exec(stdout)![1]!;
    expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, text: 'ok\n' });
    expect((await get(`${url}/metrics`)).text).toMatch(/^taskcluster_pulse_handled_total \d+$/m);
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
  });

  it('has a Deployment and a Dockerfile that agree with what the bot serves', () => {
    const deployment = readFileSync(new URL('deployment.yaml', EXAMPLE), 'utf8');
    const dockerfile = readFileSync(new URL('Dockerfile', EXAMPLE), 'utf8');
    const envValue = (name: string) =>
      new RegExp(`- name: ${name}\\n\\s+value: "?([^"\\n]+)"?`).exec(deployment)?.[1];
    const port = Number(envValue('HEALTH_PORT'));
    expect(port).toBe(DEFAULT_HEALTH_PORT);
    expect(deployment).toContain(`containerPort: ${port}`);
    expect(dockerfile).toContain(`EXPOSE ${port}`);
    expect(deployment).toMatch(/readinessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: health/);
    expect(deployment).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/livez\n\s+port: health/);
    // Kubernetes waits long enough for the handlers' grace and the shutdown's margin.
    const grace = Number(envValue('GRACE_PERIOD_MS'));
    const termination = Number(/terminationGracePeriodSeconds: (\d+)/.exec(deployment)?.[1]);
    expect(termination * 1000).toBeGreaterThan(grace + SHUTDOWN_MARGIN_MS);
    expect(dockerfile).toContain(`GRACE_PERIOD_MS=${grace}`);
    // node is PID 1 and gets the SIGTERM; the file it runs exists.
    const command = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    expect(command).toBe('"node", "--import", "tsx", "examples/kubernetes-bot/main.ts"');
    expect(readFileSync(new URL('main.ts', EXAMPLE), 'utf8')).toContain('startArtifactCounter');
  });
});

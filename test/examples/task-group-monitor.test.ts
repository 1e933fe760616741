/**
 * The task-group monitor's page in a real headless Chromium (Debian's, driven by
 * playwright-core): tasks appear and turn running, then completed, as the simulated queue's
 * events flow through the in-memory broker, without reloading the page; the JSON state agrees.
 */

import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTaskGroupMonitor,
  type TaskGroupMonitor,
} from '../../examples/task-group-monitor/monitor.js';
import {
  DEMO_TASK_GROUP,
  defineTaskGroup,
  type Simulation,
  startSimulation,
} from '../../src/testing/index.js';
import { slugId } from '../../src/utils/slugid.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Generous: a loaded 2-core machine runs the broker, the server and the browser at once. */
const UI_TIMEOUT_MS = 20_000;

describe('task-group monitor page in headless Chromium', () => {
  let simulation: Simulation;
  let monitor: TaskGroupMonitor;
  let browser: Browser;
  let page: Page;
  const taskGroupId = slugId();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`,
      );
    }
    simulation = await startSimulation();
    monitor = await startTaskGroupMonitor({
      broker: simulation.broker,
      taskcluster: simulation.taskcluster,
      taskGroupId,
    });
    await monitor.ready;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await monitor?.close();
    await simulation?.close();
  });

  function row(name: string) {
    return page.locator(`#tasks tr[data-name="${name}"]`);
  }

  async function expectState(name: string, state: string): Promise<void> {
    await expect
      .poll(() => row(name).getAttribute('data-state'), { timeout: UI_TIMEOUT_MS })
      .toBe(state);
  }

  it('shows tasks turning running and completed as events arrive', async () => {
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await page.goto(monitor.url);
    await expect
      .poll(() => page.locator('#connection').getAttribute('data-connected'))
      .toBe('true');
    expect(await page.locator('#tasks tr').count()).toBe(0);

    const queue = simulation.server.queue;
    const group = defineTaskGroup(queue, DEMO_TASK_GROUP, taskGroupId);
    const decision = group.taskIds.get('decision')!;
    await simulation.forwarder.flush();
    await expect.poll(() => page.locator('#tasks tr').count(), { timeout: UI_TIMEOUT_MS }).toBe(8);
    await expectState('decision', 'pending');
    await expectState('build-linux', 'unscheduled');

    queue.claimTask(decision, { workerGroup: 'wg', workerId: 'worker-7' });
    await simulation.forwarder.flush();
    await expectState('decision', 'running');
    await expect(row('decision').locator('td').nth(3).textContent()).resolves.toBe('worker-7');

    queue.addArtifact(decision, {
      storageType: 'object',
      name: 'public/graph.json',
      content: '{}',
    });
    queue.resolveTask(decision, { type: 'completed' });
    await simulation.forwarder.flush();
    await expectState('decision', 'completed');
    await expect
      .poll(() => row('decision').locator('td').nth(4).textContent(), { timeout: UI_TIMEOUT_MS })
      .toBe('public/graph.json');
    // Its dependents were scheduled by the same transition.
    await expectState('build-linux', 'pending');
    await expectState('lint', 'pending');
    expect(await page.locator('#group').getAttribute('data-resolved')).toBe('false');

    // Play the rest: every task ends as planned, and the group is announced resolved.
    const planned = new Map(DEMO_TASK_GROUP.tasks.map((t) => [group.taskIds.get(t.name)!, t]));
    for (;;) {
      const next = [...planned.keys()].find((taskId) => queue.status(taskId).state === 'pending');
      if (next === undefined) break;
      queue.claimTask(next);
      queue.resolveTask(next, planned.get(next)!.outcome);
    }
    await simulation.forwarder.flush();
    for (const task of DEMO_TASK_GROUP.tasks) await expectState(task.name, task.outcome.type);
    await expect
      .poll(() => page.locator('#group').getAttribute('data-resolved'), { timeout: UI_TIMEOUT_MS })
      .toBe('true');
    await expect(row('lint').locator('td').nth(5).textContent()).resolves.toBe('malformed-payload');
    await expect(page.locator('#counts').textContent()).resolves.toBe(
      '8 tasks: 6 completed, 1 exception, 1 failed',
    );
    // Every change came over the event stream: the page was loaded once.
    expect(navigations).toBe(1);

    const state = monitor.state();
    expect(state.resolved).toBe(true);
    expect(Object.fromEntries(state.tasks.map((t) => [t.name, t.state]))).toEqual(
      Object.fromEntries(DEMO_TASK_GROUP.tasks.map((t) => [t.name, t.outcome.type])),
    );
    const served = (await (await fetch(`${monitor.url}api/state`)).json()) as typeof state;
    expect(served).toEqual(state);
  });

  it('seeds a late page and a late monitor from what happened before', async () => {
    const late = await startTaskGroupMonitor({
      broker: simulation.broker,
      taskcluster: simulation.taskcluster,
      taskGroupId,
    });
    try {
      await late.ready;
      const latePage = await browser.newPage();
      await latePage.goto(late.url);
      await expect
        .poll(() => latePage.locator('#tasks tr[data-state="completed"]').count(), {
          timeout: UI_TIMEOUT_MS,
        })
        .toBe(6);
      await latePage.close();
    } finally {
      await late.close();
    }
  });
});

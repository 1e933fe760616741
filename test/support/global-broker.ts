/**
 * The vitest global set-up of every suite that needs RabbitMQ: one test broker for the whole
 * run (a container, the local RabbitMQ or PULSE_TEST_URL: see startTestBroker), handed to the
 * test workers through the environment, and stopped at the end, failed tests or not.
 */

import { startTestBroker } from '../../src/testing/test-broker.js';

export default async function setup(): Promise<() => Promise<void>> {
  const broker = await startTestBroker();
  Object.assign(process.env, broker.environment);
  const where = broker.url.replace(/\/\/[^@]*@/, '//');
  const container =
    broker.containerId === undefined ? '' : ` in container ${broker.containerId.slice(0, 12)}`;
  process.stdout.write(`test broker: ${broker.source}, ${where}${container}\n`);
  return () => broker.stop();
}

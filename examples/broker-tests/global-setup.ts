/**
 * A vitest global set-up that gives the whole test run one RabbitMQ: a container where Docker
 * runs, else the local RabbitMQ, else PULSE_TEST_URL's broker (see `startTestBroker`). The test
 * files find it in PULSE_TEST_URL; the container is removed at the end, failed tests or not.
 */

import { startTestBroker } from '../../src/testing/index.js';

export default async function setup(): Promise<() => Promise<void>> {
  const broker = await startTestBroker();
  Object.assign(process.env, broker.environment);
  return () => broker.stop();
}

/**
 * Connects a command to Pulse. A long-running bot reconnects forever; a command fails at once
 * when the first connection cannot be made, with the broker's (redacted) reason.
 */

import { filter, firstValueFrom, map } from 'rxjs';
import { connect, type PulseClient } from '../consumer/pulse.js';
import type { BrokerChoice } from './broker.js';
import { CliConnectionError } from './errors.js';

/** The connection name `tc-pulse` shows in the broker's connection list. */
export const CLI_CONNECTION_NAME = 'tc-pulse';

/** Connects; rejects with the reason of the first failed attempt. */
export async function connectCommand(choice: BrokerChoice): Promise<PulseClient> {
  const pulse = connect({
    broker: choice.broker,
    namespace: choice.namespace,
    connectionName: CLI_CONNECTION_NAME,
  });
  const firstFailure = firstValueFrom(
    pulse.status$.pipe(
      filter((status) => status.type === 'reconnecting'),
      map((status) => status.error),
    ),
    { defaultValue: undefined },
  );
  const outcome = await Promise.race([
    pulse.connected().then(() => undefined),
    firstFailure.then((error) => error),
  ]);
  if (outcome !== undefined) {
    await pulse.close();
    // The transport's reasons usually name the broker already.
    throw new CliConnectionError(
      outcome.includes(pulse.broker) ? outcome : `cannot connect to ${pulse.broker}: ${outcome}`,
    );
  }
  return pulse;
}

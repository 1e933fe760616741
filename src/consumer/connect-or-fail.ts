/**
 * Connecting for a short-lived program (a command, the demo). A long-running bot reconnects
 * forever; a command fails at once when the first connection cannot be made, with the broker's
 * (redacted) reason.
 */

import { ConnectFailedError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import { connect, type PulseClient } from './pulse.js';
import { filter, firstValueFrom, map } from './rx.js';

const CANNOT_CONNECT = 'cannot connect to';

/**
 * Connects; rejects once every node has failed once (the one node of a URL, each node of a
 * list), with the reasons of those attempts.
 * @throws {ConnectFailedError} when no node could be reached (the message has no password).
 */
export async function connectOrFail(options: ConnectionOptions): Promise<PulseClient> {
  const pulse = connect(options);
  const nodes = Array.isArray(options.broker) ? options.broker.length : 1;
  const failures: string[] = [];
  const everyNodeFailed = firstValueFrom(
    pulse.status$.pipe(
      filter((status) => status.type === 'reconnecting'),
      map((status) => status.error.message),
      filter((error) => failures.push(error) >= nodes),
    ),
    { defaultValue: undefined },
  );
  const outcome = await Promise.race([
    pulse.connected().then(() => undefined),
    everyNodeFailed.then(() => (failures.length === 0 ? undefined : failures)),
  ]);
  if (outcome !== undefined) {
    await pulse.close();
    throw new ConnectFailedError(
      nodes === 1
        ? describeFailure(outcome[0]!, pulse.broker)
        : `cannot connect to any of the ${nodes} broker nodes: ${outcome.map((error) => describeFailure(error, pulse.broker)).join('; ')}`,
    );
  }
  return pulse;
}

/**
 * The AMQP transport's reasons start with the same words and name the broker already
 * (redacted: the broker may show as `***` where the user name equals the password).
 */
function describeFailure(error: string, broker: string): string {
  return error.startsWith(CANNOT_CONNECT) ? error : `${CANNOT_CONNECT} ${broker}: ${error}`;
}

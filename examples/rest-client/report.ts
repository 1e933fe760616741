/**
 * The REST client outside a bot: a report of a task group. It pages through the group, reads
 * each task's latest artifacts, signs a URL that a browser can open without credentials, and
 * hands a helper temporary credentials that may read these artifacts and nothing else.
 */

import {
  type ClientOptions,
  type Credentials,
  createTemporaryCredentials,
  fromNow,
  Queue,
} from '../../src/index.js';

/** One task of the report. */
export interface TaskReport {
  taskId: string;
  name: string;
  state: string;
  /** A signed URL of each artifact, valid for the client's `signedUrlExpiration`. */
  artifacts: { name: string; url: string }[];
}

/** The report of a task group, and credentials for a helper that reads its artifacts. */
export interface GroupReport {
  tasks: TaskReport[];
  helperCredentials: Credentials;
}

/** Builds the report of `taskGroupId`; `options` need credentials with `queue:*` read scopes. */
export async function reportTaskGroup(
  options: ClientOptions,
  taskGroupId: string,
): Promise<GroupReport> {
  const queue = new Queue(options);
  const tasks: TaskReport[] = [];
  // Pages are fetched as the loop needs them; paging stops when no continuationToken comes.
  for await (const { status, task } of queue.paginate('listTaskGroup', taskGroupId).items()) {
    const { artifacts } = await queue.listLatestArtifacts(status.taskId);
    tasks.push({
      taskId: status.taskId,
      name: task.metadata.name,
      state: status.state,
      artifacts: artifacts.map(({ name }) => ({
        name,
        url: queue.buildSignedUrl('latestArtifact', status.taskId, name),
      })),
    });
  }
  if (options.credentials === undefined) throw new Error('the report needs credentials');
  // A helper gets an hour of read access to these artifacts (by name), nothing more.
  const names = new Set(tasks.flatMap((task) => task.artifacts.map(({ name }) => name)));
  const helperCredentials = createTemporaryCredentials({
    credentials: options.credentials,
    start: fromNow('-5 minutes'),
    expiry: fromNow('1 hour'),
    scopes: [...names].sort().map((name) => `queue:get-artifact:${name}`),
  });
  return { tasks, helperCredentials };
}

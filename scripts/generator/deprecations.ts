/**
 * Why seed-era entries and services are deprecated: they are in the Taskcluster 16 references
 * (or the legacy services) the seed documents, and no current deployment serves them.
 */

/** The stability of entries a current reference marks deprecated. */
export const STABILITY_DEPRECATED = 'deprecated';

const REMOVED = 'Removed from Taskcluster after release 16; current deployments do not serve it.';

/** What to use instead, where the current API has a replacement. */
const ENTRY_HINTS: Readonly<Record<string, string>> = {
  'queue.defineTask': 'Use `createTask`; a task is scheduled once its dependencies resolve.',
  'queue.completeArtifact': 'Use `finishArtifact` for object artifacts.',
  'queue.declareProvisioner': 'Provisioners are managed by the worker-manager service.',
  'queue.declareWorkerType': 'Worker types are worker pools of the worker-manager service.',
  'auth.statsumToken': 'The statsum service was retired.',
  'github.githubWebHookConsumer': 'GitHub delivers its web hooks to the service directly.',
  'notify.irc': 'Use `matrix` or `slack` notifications.',
  'notify.ircRequest': 'Listen to `notify` messages instead.',
};

const SERVICE_REASONS: Readonly<Record<string, string>> = {
  login: 'The login service was removed after Taskcluster 16; the web server issues credentials.',
  treeherder:
    'The treeherder exchanges were removed after Taskcluster 16; Treeherder reads the queue exchanges.',
  'aws-provisioner':
    'The AWS provisioner was retired with the taskcluster.net deployment; use WorkerManager.',
  'ec2-manager':
    'The EC2 manager was retired with the taskcluster.net deployment; use WorkerManager.',
};

/** The reason an entry is deprecated: removed after release 16, or marked so by its reference. */
export function deprecationOfEntry(serviceName: string, name: string, stability?: string): string {
  if (stability === STABILITY_DEPRECATED) {
    return 'Marked deprecated by the current Taskcluster reference; it may be removed.';
  }
  const hint = ENTRY_HINTS[`${serviceName}.${name}`];
  return hint === undefined ? REMOVED : `${REMOVED} ${hint}`;
}

/** The reason a whole service is deprecated. */
export function deprecationOfService(
  serviceName: string,
  kind: 'api' | 'exchanges' = 'api',
): string {
  return (
    SERVICE_REASONS[serviceName] ??
    `The ${serviceName} ${kind === 'api' ? 'service' : 'exchanges'} ${REMOVED.toLowerCase()}`
  );
}

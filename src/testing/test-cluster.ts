/**
 * A RabbitMQ cluster in Docker for tests: `startTestCluster()` starts N nodes (3 by default) of
 * `PULSE_TEST_IMAGE`, joins them into one cluster, and hands back each node with the faults a
 * cluster meets in production: a node killed and started again, a node frozen (`docker pause`),
 * a node cut off from the others (a network partition), and back.
 *
 * How the networks are laid out, and why. Each node is on two networks:
 * - Docker's default bridge, where its AMQP port is published on a FIXED host port (chosen free
 *   at start), so that a node killed and started again keeps its URL: a client's list of nodes
 *   stays right, as a real cluster's DNS names do. The default bridge has no DNS, so the nodes
 *   cannot find each other through it, only through the next one.
 * - an internal network of the cluster's own, where each node's host name resolves: all the
 *   Erlang distribution traffic runs there. Being `internal`, it never becomes the container's
 *   gateway, so the published port stays on the bridge (seen to work on Docker 28 here).
 *
 * `partition()` disconnects a node from the internal network only: the node loses its peers,
 * yet its clients keep their connections to it, as when a link between racks fails. That is
 * the case worth testing: a client on the minority side sees a node that still answers until
 * `pause_minority` (set here, with a short `net_ticktime`, so that it happens in seconds and
 * not in a minute) stops it, and must then move to the majority.
 *
 * Every container carries the test broker label and is removed by `stop()` and, should the
 * process die first, by an exit hook; so is the internal network.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import {
  type BrokerContainer,
  DEFAULT_CONTAINER_STARTUP_TIMEOUT_MS,
  describeError,
  loginError,
  startBrokerContainer,
  TEST_BROKER_LABEL,
} from './broker-container.js';
import { DEFAULT_TEST_BROKER_IMAGE, PULSE_TEST_IMAGE_ENV } from './test-broker.js';
import { TestBrokerError } from './test-broker-error.js';

/** Nodes a test cluster has unless told otherwise: the smallest with a majority after a loss. */
export const DEFAULT_TEST_CLUSTER_SIZE = 3;
/**
 * The Erlang `net_ticktime` of a test cluster's nodes, in seconds: a peer that stops answering
 * is declared down after 10 to 12.5 s instead of RabbitMQ's default 60 to 75 s.
 */
export const DEFAULT_TEST_CLUSTER_NET_TICKTIME_S = 10;
/** Time one `rabbitmqctl` call may take, in milliseconds (a node in trouble can hang it). */
const COMMAND_TIMEOUT_MS = 60_000;
/**
 * Time between two looks at the cluster's state while waiting for it: each look runs
 * `rabbitmqctl` on every node, about a second of CPU each, taken from the tests' own work.
 */
const POLL_INTERVAL_MS = 1_000;
/** Time one login tried while waiting for a node may take, in milliseconds. */
const LOGIN_TIMEOUT_MS = 3_000;
/**
 * How long a node that came back may take to be seen by all its peers, in milliseconds:
 * `pause_minority` resumes a node that paused itself within a few seconds of seeing the
 * majority again. Past that, or once a partition stays recorded for
 * {@link PARTITION_RECORDED_MS}, the partition is ended by restarting the node's app.
 */
const REJOIN_GRACE_MS = 20_000;
/** How long a recorded partition must last to be taken as one RabbitMQ will not end itself. */
const PARTITION_RECORDED_MS = 5_000;

/** How a cluster handles a network partition (RabbitMQ's `cluster_partition_handling`). */
export type PartitionHandling = 'pause_minority' | 'autoheal' | 'ignore';

/** What a node is doing, as far as the cluster's faults go. */
export type TestClusterNodeState = 'running' | 'killed' | 'stopped' | 'paused' | 'partitioned';

/**
 * How a node came back after `unpause()` or `heal()`: `rejoined` by itself, or `app-restarted`
 * when RabbitMQ kept a partition recorded and the node's app was restarted to end it, as
 * RabbitMQ's documentation says to recover from a partition. A `docker pause` longer than the
 * tick time leads there: the frozen node never saw itself in a minority, so `pause_minority`
 * does not stop it, and when it wakes each side has marked the other as partitioned.
 */
export type TestClusterRecovery = 'rejoined' | 'app-restarted';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** How many nodes; default {@link DEFAULT_TEST_CLUSTER_SIZE}. At least 1. */
  nodes?: number | undefined;
  /** The image; default `PULSE_TEST_IMAGE`, else the test broker's default image. */
  image?: string | undefined;
  /** Milliseconds a node may take to start (or start again) and take a login; default 90 s. */
  startupTimeoutMs?: number | undefined;
  /** The partition handling; default `pause_minority`. */
  partitionHandling?: PartitionHandling | undefined;
  /** Erlang's `net_ticktime` in seconds; default {@link DEFAULT_TEST_CLUSTER_NET_TICKTIME_S}. */
  netTicktimeS?: number | undefined;
  /** The environment the image default comes from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** One node of a {@link TestCluster}. */
export interface TestClusterNode {
  /** Its RabbitMQ node name, `rabbit@<hostname>`, as `rabbitmqctl` and `cluster_status` say. */
  readonly name: string;
  /** The container's host name (unique to this cluster). */
  readonly hostname: string;
  /** Its AMQP URL with user and password; the same after `kill()` and `start()`. */
  readonly url: string;
  /** The fixed host port its AMQP port is published on. */
  readonly hostPort: number;
  /** `host:port` of its URL, as the consumer's `connected` and `reconnecting` statuses name it. */
  readonly host: string;
  /** Docker's id of its container. */
  readonly containerId: string;
  /** What it is doing now (see {@link TestClusterNodeState}). */
  readonly state: TestClusterNodeState;
  /** Kills the container (SIGKILL: no goodbye to peers or clients). */
  kill(): Promise<void>;
  /** Stops the container gracefully (SIGTERM: RabbitMQ closes connections, hands over leaders). */
  shutdown(): Promise<void>;
  /**
   * Starts the container again after `kill()` or `shutdown()`, and resolves once the node is
   * running in the cluster (in every running node's view) and AMQP takes a login.
   */
  start(): Promise<void>;
  /** Freezes the container (`docker pause`): its connections stay open and go silent. */
  pause(): Promise<void>;
  /** Thaws it, and resolves once it is back in the cluster and takes a login. */
  unpause(): Promise<TestClusterRecovery>;
  /**
   * Cuts it off from the other nodes (disconnects it from the cluster's internal network);
   * its clients stay connected to it.
   */
  partition(): Promise<void>;
  /** Reconnects it to the others, and resolves once it is back in the cluster and takes a login. */
  heal(): Promise<TestClusterRecovery>;
  /** Runs `rabbitmqctl -q <args>` on this node and returns what it printed. */
  rabbitmqctl(...args: string[]): Promise<string>;
}

/** A RabbitMQ cluster for tests; see {@link startTestCluster}. */
export interface TestCluster {
  /** Its nodes, the first being the one the others joined. */
  readonly nodes: readonly TestClusterNode[];
  /** Every node's URL, in node order: give them to `connect({ broker })`. */
  readonly urls: readonly string[];
  /** Runs `rabbitmqctl -q <args>` on the first running node and returns what it printed. */
  rabbitmqctl(...args: string[]): Promise<string>;
  /** The node of a `host:port` (as statuses name it), a URL, a host port or a node name. */
  nodeOf(address: string | number): TestClusterNode | undefined;
  /**
   * The node that holds a queue: a quorum queue's leader, a classic queue's home node
   * (from `rabbitmqctl list_queues name leader pid`).
   * @throws {TestBrokerError} `command-failed` when there is no such queue.
   */
  queueLeader(queue: string, vhost?: string): Promise<TestClusterNode>;
  /**
   * Resolves once every node in state `running` sees all of those as running and none
   * records a partition. Rejects after `timeoutMs` (default: the start-up timeout).
   */
  waitUntilFormed(timeoutMs?: number): Promise<void>;
  /** Undoes every fault (unpause, heal, start), then waits until all nodes form the cluster. */
  restore(): Promise<void>;
  /** Removes every container and the internal network. Idempotent. */
  stop(): Promise<void>;
}

/** What `cluster_status --formatter json` says, the parts used here. */
interface ClusterStatus {
  running_nodes?: string[];
  partitions?: Record<string, string[]>;
}

/** Docker objects of clusters not yet stopped, for the exit hook. */
const live = new Map<symbol, { containers: string[]; network: string }>();
let exitHookInstalled = false;

/**
 * Removes what a cluster left when the process exits without `stop()`. The broker containers'
 * own hook removes the containers too; doing it here as well keeps the network removable
 * (Docker refuses to remove a network that containers are attached to).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    const quiet = { stdio: 'ignore' as const, timeout: 20_000 };
    for (const { containers, network } of live.values()) {
      try {
        if (containers.length > 0) execFileSync('docker', ['rm', '-f', '-v', ...containers], quiet);
      } catch {
        // Already gone, or Docker is away: the label finds them later.
      }
      try {
        execFileSync('docker', ['network', 'rm', network], quiet);
      } catch {
        // As above; the network carries the label too.
      }
    }
  });
}

async function runtime() {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    return await getContainerRuntimeClient();
  } catch (error) {
    throw new TestBrokerError(
      'no-docker',
      `a test cluster needs a Docker engine and the testcontainers package: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/** `count` distinct ports nothing listens on now (held open together, so never the same). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a `command-failed` error after `ms` (a hung `docker exec` must not hang a test). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TestBrokerError('command-failed', `${what} took more than ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The node part of an Erlang pid as `rabbitmqctl` prints it: `<rabbit@host.1.2.3>`. */
function pidNode(pid: string): string | undefined {
  return /^<(.+)\.\d+\.\d+\.\d+>$/.exec(pid)?.[1];
}

class ClusterNode implements TestClusterNode {
  readonly name: string;
  readonly hostname: string;
  readonly url: string;
  readonly hostPort: number;
  readonly host: string;
  readonly containerId: string;
  state: TestClusterNodeState = 'running';
  readonly broker: BrokerContainer;
  readonly #cluster: Cluster;

  constructor(cluster: Cluster, hostname: string, broker: BrokerContainer) {
    this.#cluster = cluster;
    this.hostname = hostname;
    this.name = `rabbit@${hostname}`;
    this.broker = broker;
    this.url = broker.url;
    this.hostPort = broker.hostPort;
    this.host = `${new URL(broker.url).hostname}:${broker.hostPort}`;
    this.containerId = broker.id;
  }

  async #container() {
    return (await runtime()).container.getById(this.containerId);
  }

  async #docker(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      throw new TestBrokerError(
        'command-failed',
        `docker ${what} of ${this.name} failed: ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  async kill(): Promise<void> {
    const container = await this.#container();
    await this.#docker('kill', () => container.kill());
    await this.#waitUntilNotRunning();
    this.state = 'killed';
  }

  async shutdown(): Promise<void> {
    const container = await this.#container();
    // RabbitMQ's own shutdown takes a few seconds; it gets 60 before Docker kills it.
    await this.#docker('stop', () => container.stop({ t: 60 }));
    await this.#waitUntilNotRunning();
    this.state = 'stopped';
  }

  async #waitUntilNotRunning(): Promise<void> {
    const container = await this.#container();
    for (;;) {
      const info = await container.inspect();
      if (!info.State.Running) return;
      await sleep(100);
    }
  }

  async start(): Promise<void> {
    if (this.state !== 'killed' && this.state !== 'stopped') {
      throw new TestBrokerError(
        'bad-option',
        `${this.name} is ${this.state}: start() follows kill() or shutdown()`,
      );
    }
    const container = await this.#container();
    await this.#docker('start', () => container.start());
    this.state = 'running';
    await this.#cluster.waitForMembers(this.#cluster.startupTimeoutMs, this);
  }

  async pause(): Promise<void> {
    const container = await this.#container();
    await this.#docker('pause', () => container.pause());
    this.state = 'paused';
  }

  async unpause(): Promise<TestClusterRecovery> {
    const container = await this.#container();
    await this.#docker('unpause', () => container.unpause());
    this.state = 'running';
    return this.#rejoin();
  }

  async partition(): Promise<void> {
    const network = await this.#cluster.network();
    await this.#docker('network disconnect', () =>
      network.disconnect({ Container: this.containerId, Force: true }),
    );
    this.state = 'partitioned';
  }

  async heal(): Promise<TestClusterRecovery> {
    const network = await this.#cluster.network();
    await this.#docker('network connect', () =>
      network.connect({
        Container: this.containerId,
        EndpointConfig: { Aliases: [this.hostname] },
      }),
    );
    this.state = 'running';
    return this.#rejoin();
  }

  /**
   * Waits for the node to be back among its peers; when a partition stays recorded (a frozen
   * node never paused itself), restarts its app, which is how RabbitMQ says to end one.
   */
  async #rejoin(): Promise<TestClusterRecovery> {
    try {
      await this.#cluster.waitForMembers(REJOIN_GRACE_MS, this, PARTITION_RECORDED_MS);
      return 'rejoined';
    } catch {
      await this.rabbitmqctl('stop_app');
      await this.rabbitmqctl('start_app');
      await this.#cluster.waitForMembers(this.#cluster.startupTimeoutMs, this);
      return 'app-restarted';
    }
  }

  rabbitmqctl(...args: string[]): Promise<string> {
    return within(
      this.broker.exec(['rabbitmqctl', '-q', ...args]),
      COMMAND_TIMEOUT_MS,
      `rabbitmqctl ${args[0] ?? ''} on ${this.name}`,
    );
  }

  /** What this node says of the cluster, or undefined when it cannot say (down, booting). */
  async status(): Promise<ClusterStatus | undefined> {
    try {
      return JSON.parse(await this.rabbitmqctl('cluster_status', '--formatter', 'json'));
    } catch {
      return undefined;
    }
  }
}

class Cluster implements TestCluster {
  readonly nodes: ClusterNode[] = [];
  readonly urls: string[] = [];
  readonly startupTimeoutMs: number;
  readonly networkId: string;
  readonly #key = Symbol('test cluster');
  #stopping: Promise<void> | undefined;

  constructor(networkId: string, startupTimeoutMs: number) {
    this.networkId = networkId;
    this.startupTimeoutMs = startupTimeoutMs;
    live.set(this.#key, { containers: [], network: networkId });
  }

  add(node: ClusterNode): void {
    this.nodes.push(node);
    this.urls.push(node.url);
    live.get(this.#key)?.containers.push(node.containerId);
  }

  async network() {
    return (await runtime()).network.getById(this.networkId);
  }

  rabbitmqctl(...args: string[]): Promise<string> {
    const node = this.nodes.find((n) => n.state === 'running');
    if (node === undefined) {
      return Promise.reject(
        new TestBrokerError('command-failed', `no node is running to run rabbitmqctl ${args[0]}`),
      );
    }
    return node.rabbitmqctl(...args);
  }

  nodeOf(address: string | number): TestClusterNode | undefined {
    if (typeof address === 'number') return this.nodes.find((n) => n.hostPort === address);
    return this.nodes.find(
      (n) =>
        n.host === address || n.url === address || n.name === address || n.hostname === address,
    );
  }

  async queueLeader(queue: string, vhost = '/'): Promise<TestClusterNode> {
    // The table, not JSON: the JSON formatter prints a pid without its node (`#PID<1.2.3>`).
    const output = await this.rabbitmqctl(
      'list_queues',
      '--no-table-headers',
      '-p',
      vhost,
      'name',
      'leader',
      'pid',
    );
    const row = output
      .split('\n')
      .map((line) => line.split('\t'))
      .find((columns) => columns[0] === queue);
    if (row === undefined) {
      throw new TestBrokerError('command-failed', `no queue "${queue}" in vhost "${vhost}"`);
    }
    const [, leader = '', pid = ''] = row;
    // A quorum queue names its leader; a classic queue only its process, on its home node.
    const name = leader !== '' ? leader : pidNode(pid);
    const node = name === undefined ? undefined : this.nodeOf(name);
    if (node === undefined) {
      throw new TestBrokerError(
        'command-failed',
        `queue "${queue}" has no leader on a node of this cluster (leader "${leader}", pid "${pid}")`,
      );
    }
    return node;
  }

  waitUntilFormed(timeoutMs = this.startupTimeoutMs): Promise<void> {
    return this.waitForMembers(timeoutMs);
  }

  /**
   * Waits until every running node sees every running node as running and records no
   * partition, and `node` (if given) takes a login. Gives up early when a partition stays
   * recorded for `partitionMs`.
   */
  async waitForMembers(timeoutMs: number, node?: ClusterNode, partitionMs = timeoutMs) {
    const end = Date.now() + timeoutMs;
    let partitionSince: number | undefined;
    for (;;) {
      const running = this.nodes.filter((n) => n.state === 'running');
      const names = running.map((n) => n.name);
      const views = await Promise.all(running.map((n) => n.status()));
      const problems = views.flatMap((view, i) => {
        const who = running[i]!.name;
        if (view === undefined) return [`${who} does not answer cluster_status`];
        const missing = names.filter((name) => !view.running_nodes?.includes(name));
        const partitioned = Object.keys(view.partitions ?? {});
        return [
          ...(missing.length > 0 ? [`${who} does not see ${missing.join(', ')} running`] : []),
          ...(partitioned.length > 0 ? [`${who} records a partition`] : []),
        ];
      });
      if (
        problems.length === 0 &&
        (node === undefined || (await loginError(node.url, LOGIN_TIMEOUT_MS)) === undefined)
      )
        return;
      const partitioned = problems.some((problem) => problem.endsWith('records a partition'));
      partitionSince = partitioned ? (partitionSince ?? Date.now()) : undefined;
      const stuck = partitionSince !== undefined && Date.now() - partitionSince >= partitionMs;
      if (Date.now() > end || stuck) {
        const last = problems.length > 0 ? problems.join('; ') : `${node?.name} takes no login`;
        const when = stuck ? 'while a partition stayed recorded' : `within ${timeoutMs} ms`;
        throw new TestBrokerError('container-failed', `the cluster did not form ${when}: ${last}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  async restore(): Promise<void> {
    for (const node of this.nodes) {
      if (node.state === 'paused') await node.unpause();
      else if (node.state === 'partitioned') await node.heal();
      else if (node.state === 'killed' || node.state === 'stopped') await node.start();
    }
    await this.waitForMembers(this.startupTimeoutMs);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const client = await runtime().catch(() => undefined);
      await Promise.all(
        this.nodes.map(async (node) => {
          const container = client?.container.getById(node.containerId);
          // A frozen container cannot be stopped; thaw it so that it can go.
          if (node.state === 'paused') await container?.unpause().catch(() => undefined);
          await node.broker.stop().catch(() => undefined);
          await container?.remove({ force: true, v: true }).catch(() => undefined);
        }),
      );
      await client?.network
        .getById(this.networkId)
        .remove()
        .catch(() => undefined);
      live.delete(this.#key);
    })();
    return this.#stopping;
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TestBrokerError('bad-option', `${what} must be a positive integer, not ${value}`);
  }
  return value;
}

/**
 * Starts a RabbitMQ cluster in Docker (see the module's notes for its layout) and resolves
 * once every node runs in it and takes an AMQP login. On failure, removes what it started and
 * rejects with a {@link TestBrokerError}.
 *
 * @example Three nodes, a client of all of them, and a node lost:
 * ```ts
 * import { connect } from 'taskcluster-pulse';
 * import { startTestCluster } from 'taskcluster-pulse/testing';
 *
 * const cluster = await startTestCluster();
 * const pulse = connect({ broker: cluster.urls, namespace: 'bot', heartbeat: 2 });
 * // ... start consuming, then:
 * const leader = await cluster.queueLeader('queue/bot/my-queue');
 * await leader.kill();
 * // ... check that the bot carries on, then bring the node back:
 * await leader.start();
 * await pulse.close();
 * await cluster.stop();
 * ```
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const env = options.env ?? process.env;
  const count = positiveInteger(options.nodes ?? DEFAULT_TEST_CLUSTER_SIZE, 'nodes');
  const ticktime = positiveInteger(
    options.netTicktimeS ?? DEFAULT_TEST_CLUSTER_NET_TICKTIME_S,
    'netTicktimeS',
  );
  const handling = options.partitionHandling ?? 'pause_minority';
  if (!['pause_minority', 'autoheal', 'ignore'].includes(handling)) {
    throw new TestBrokerError(
      'bad-option',
      `partitionHandling must be pause_minority, autoheal or ignore, not "${handling}"`,
    );
  }
  const fromEnv = env[PULSE_TEST_IMAGE_ENV];
  const image =
    options.image ??
    (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : DEFAULT_TEST_BROKER_IMAGE);
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_CONTAINER_STARTUP_TIMEOUT_MS;
  const client = await runtime();
  const id = randomBytes(4).toString('hex');
  let networkId: string;
  try {
    // Internal: never the containers' gateway, so their published ports stay on the bridge.
    const network = await client.network.create({
      Name: `tc-pulse-cluster-${id}`,
      Internal: true,
      Labels: { [TEST_BROKER_LABEL]: String(process.pid) },
    });
    networkId = network.id;
  } catch (error) {
    throw new TestBrokerError(
      'container-failed',
      `the cluster's network could not be created: ${describeError(error)}`,
      { cause: error },
    );
  }
  installExitHook();
  const cluster = new Cluster(networkId, startupTimeoutMs);
  try {
    await formCluster(cluster, {
      id,
      count,
      image,
      startupTimeoutMs,
      erlArgs: `-rabbit cluster_partition_handling ${handling} -kernel net_ticktime ${ticktime}`,
    });
    await checkSettings(cluster, handling, ticktime);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function formCluster(
  cluster: Cluster,
  plan: { id: string; count: number; image: string; startupTimeoutMs: number; erlArgs: string },
): Promise<void> {
  const hostPorts = await freePorts(plan.count);
  const password = randomBytes(12).toString('hex');
  const cookie = randomBytes(20).toString('hex');
  const hostnames = hostPorts.map((_, i) => `rmq-${plan.id}-${i + 1}`);
  // The nodes boot side by side; each is a cluster of its own until it joins the first.
  const started = await Promise.allSettled(
    hostnames.map((hostname, i) =>
      startBrokerContainer({
        image: plan.image,
        username: 'pulse-test',
        password,
        startupTimeoutMs: plan.startupTimeoutMs,
        hostPort: hostPorts[i],
        hostname,
        environment: {
          RABBITMQ_ERLANG_COOKIE: cookie,
          RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: plan.erlArgs,
        },
      }),
    ),
  );
  started.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      cluster.add(new ClusterNode(cluster, hostnames[i]!, result.value));
    }
  });
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  // Connected after the start, since a container is created with one network only; nothing
  // needs the internal network before the joins below.
  const network = await cluster.network();
  for (const node of cluster.nodes) {
    await network.connect({
      Container: node.containerId,
      EndpointConfig: { Aliases: [node.hostname] },
    });
  }
  const [first, ...others] = cluster.nodes;
  for (const node of others) {
    await node.rabbitmqctl('stop_app');
    await joinWithRetries(node, first!.name, plan.startupTimeoutMs);
    await node.rabbitmqctl('start_app');
  }
  await cluster.waitForMembers(plan.startupTimeoutMs);
  for (const node of cluster.nodes) await cluster.waitForMembers(plan.startupTimeoutMs, node);
}

/** `join_cluster`, tried again while the first node's name does not resolve yet. */
async function joinWithRetries(node: ClusterNode, first: string, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await node.rabbitmqctl('join_cluster', first);
      return;
    } catch (error) {
      if (Date.now() > end) {
        throw new TestBrokerError(
          'container-failed',
          `${node.name} could not join ${first}: ${describeError(error)}`,
          { cause: error },
        );
      }
      await sleep(1_000);
    }
  }
}

/** Checks that the Erlang arguments took effect: a typo there would quietly slow every test. */
async function checkSettings(cluster: Cluster, handling: string, ticktime: number): Promise<void> {
  for (const node of cluster.nodes) {
    const got = (
      await node.rabbitmqctl(
        'eval',
        '{application:get_env(rabbit, cluster_partition_handling), net_kernel:get_net_ticktime()}.',
      )
    ).trim();
    if (got !== `{{ok,${handling}},${ticktime}}`) {
      throw new TestBrokerError(
        'container-failed',
        `${node.name} runs with ${got}, not partition handling ${handling} and net_ticktime ${ticktime}: the image ignores RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS`,
      );
    }
  }
}

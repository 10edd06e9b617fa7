// Starts a real OpenIVS server process (the published CLI, `dotnet $OPENIVS_CLI_DLL serve`) on free
// loopback ports with a fresh temporary data directory, waits for GET /health, and stops it afterwards.
// Each test file starts its own server, so files never see each other's resources.
// With OPENIVS_TEST_POSTGRES (lib/postgres.js) the "server" is one or more nodes on a fresh PostgreSQL database
// (layoutFor): the same tests then run against the PostgreSQL store and, where the layout says, several nodes.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { IvsClient } from '@aws-sdk/client-ivs';
import { signedFetch, TEST_CREDENTIALS } from './sigv4.js';
import { createDatabase, usePostgres } from './postgres.js';

export const REGION = 'us-west-2';
export const ACCOUNT = '000000000000';

const STARTUP_LIMIT_MS = 90_000;

// The SDK warns once per process that releases after January 2027 need Node 22; the tests run on Node 20
// with a pinned SDK, so the warning is noise in the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The published CLI; fails (never skips) when it is missing, so a broken build cannot pass. */
export function cliDll() {
  const dll = process.env.OPENIVS_CLI_DLL;
  if (!dll) {
    throw new Error('OPENIVS_CLI_DLL is not set. Run ./scripts/test.sh, or publish the CLI ' +
      '(dotnet publish src/OpenIvs.Cli -c Release -o artifacts/cli) and export OPENIVS_CLI_DLL=$PWD/artifacts/cli/openivs.dll.');
  }
  if (!existsSync(dll)) {
    throw new Error(`OPENIVS_CLI_DLL points at ${dll}, which does not exist. Publish the CLI first.`);
  }
  return dll;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Which nodes do what. `nodes` processes share one PostgreSQL database; `api` lists the nodes the API calls go to
 * (round-robin, one request each), `ingest` the node publishers connect to (`ports`), `playback` the node playback
 * is read from (`playbackUrl()`). On SQLite there is one node and every role is node 0.
 *
 * On PostgreSQL (OPENIVS_TEST_POSTGRES) the defaults are: files that only call the API (`startServer({ apiOnly: true })`)
 * get 3 nodes with the API spread over all of them; the others one node. OPENIVS_TEST_API_LAYOUT and
 * OPENIVS_TEST_LAYOUT (JSON, e.g. `{"nodes":3,"api":[0,1,2],"ingest":1,"playback":2}`) replace those defaults;
 * scripts/test.sh spreads every file over three nodes that way (relayed playback, actions passed to the holder).
 *
 * `pinned`: the file needs what a node keeps to itself (recordings in the embedded S3 folder, which is per node: a
 * cluster uses a shared S3 service; injected faults, a test facility of one node's memory): its API calls
 * and playback go to the ingest node, the other nodes still run.
 */
export function layoutFor({ apiOnly = false, pinned = false } = {}) {
  if (!usePostgres()) return { nodes: 1, api: [0], ingest: 0, playback: 0 };
  const configured = process.env[apiOnly ? 'OPENIVS_TEST_API_LAYOUT' : 'OPENIVS_TEST_LAYOUT'];
  const layout = { api: [0], ingest: 0, playback: 0, ...(configured ? JSON.parse(configured) : (apiOnly ? { nodes: 3, api: [0, 1, 2] } : { nodes: 1 })) };
  return pinned ? { ...layout, api: [layout.ingest], playback: layout.ingest } : layout;
}

/**
 * @param {{faultInjection?: boolean, transcoding?: boolean, apiOnly?: boolean, pinned?: boolean, args?: string[], env?: Record<string, string>, httpPort?: number}} [options]
 *   httpPort: the first node's HTTP port, when something must know it before the server starts (a proxy in front)
 * @returns {Promise<OpenIvsTestServer>}
 */
export async function startServer(options = {}) {
  const layout = layoutFor(options);
  const dataDirs = Array.from({ length: layout.nodes }, () => mkdtempSync(join(tmpdir(), 'openivs-js-')));
  const postgres = usePostgres() ? await createDatabase() : null;
  const env = postgres ? { OPENIVS_POSTGRES: postgres } : {};
  const nodes = [];
  try {
    // The first node creates the master key; the others get a copy (stream keys are sealed with it) and start together.
    nodes.push(await startNode(dataDirs[0], options, env));
    for (const dir of dataDirs.slice(1)) copyFileSync(join(dataDirs[0], 'master.key'), join(dir, 'master.key'));
    nodes.push(...await Promise.all(dataDirs.slice(1).map((dir) => startNode(dir, { ...options, httpPort: undefined }, env))));
  } catch (e) {
    for (const node of nodes) node.child.kill('SIGKILL');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return new OpenIvsTestServer(nodes, layout, env);
}

// Free ports are picked before the server binds them, so another process can take one in between: the server then
// exits at once saying so, and the node starts again on new ports.
async function startNode(dataDir, options, storeEnv) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNodeOnce(dataDir, options, storeEnv);
    } catch (e) {
      if (attempt >= 5 || options.httpPort || !e.portInUse) {
        rmSync(dataDir, { recursive: true, force: true });
        throw e;
      }
    }
  }
}

async function startNodeOnce(dataDir, options, storeEnv) {
  const dll = cliDll();
  const [http, rtmp, rtmps, srt] = [options.httpPort ?? await freePort(), await freePort(), await freePort(), await freePort()];
  // Each process is a node of its own (--node-id), named after its data directory (the same again after a restart).
  const args = [dll, 'serve', '--data-dir', dataDir, '--node-id', basename(dataDir), '--http', `127.0.0.1:${http}`,
    '--rtmp', `127.0.0.1:${rtmp}`, '--rtmps', `127.0.0.1:${rtmps}`, '--srt', `127.0.0.1:${srt}`, '--region', REGION, '--log-level', 'Warning',
    ...(options.faultInjection ? ['--enable-fault-injection'] : []), ...(options.args ?? [])];
  const child = spawn('dotnet', args, {
    env: {
      ...process.env,
      OPENIVS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      OPENIVS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      // No ffmpeg transcoder per STANDARD stream unless a test asks (CPU); the C# TranscodingTests cover it.
      OPENIVS_Transcoding__Enabled: options.transcoding ? 'true' : 'false',
      ...storeEnv,
      ...(options.env ?? {}),
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => { output = (output + chunk.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));

  const endpoint = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  for (;;) {
    if (exited) {
      throw Object.assign(new Error(`openivs serve exited during start-up (${JSON.stringify(exited)}):\n${output}`),
        { portInUse: output.includes('address already in use') });
    }
    try {
      const health = await fetch(`${endpoint}/health`);
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`openivs serve did not become healthy within ${STARTUP_LIMIT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return { child, exit, endpoint, dataDir, output: () => output, exited: () => exited, ports: { http, rtmp, rtmps } };
}

export class OpenIvsTestServer {
  constructor(nodes, layout, storeEnv) {
    /** Every node, in start order (one on SQLite). */
    this.nodes = nodes;
    /** The roles of the nodes (see layoutFor). */
    this.layout = layout;
    const first = nodes[layout.api[0]];
    this.child = first.child;
    this.exit = first.exit;
    /** The first API node's base URL (for requests that must go to one node: pages, /health). */
    this.endpoint = first.endpoint;
    this.dataDir = first.dataDir;
    this.region = REGION;
    this.account = ACCOUNT;
    /** The ingest node's listeners: `http`, `rtmp` (plain, for channels with insecureIngest) and `rtmps`. */
    this.ports = nodes[layout.ingest].ports;
    /** Environment for `openivs admin` run against this server's store (OPENIVS_POSTGRES on PostgreSQL). */
    this.adminEnv = { ...process.env, ...storeEnv };
    this._next = 0;
  }

  /** The API nodes' endpoints, taken in turn: each call to this is the next node. */
  nextApiEndpoint() {
    const node = this.nodes[this.layout.api[this._next++ % this.layout.api.length]];
    return node.endpoint;
  }

  /** `url` (a channel's playbackUrl, or any URL on a node) pointed at the playback node. */
  playbackUrl(url) {
    const target = new URL(url);
    const node = new URL(this.nodes[this.layout.playback].endpoint);
    target.protocol = node.protocol;
    target.host = node.host;
    return target.toString();
  }

  output() {
    return this.nodes.map((n, i) => (this.nodes.length > 1 ? `--- node ${i}\n` : '') + n.output()).join('\n');
  }

  exited() {
    return this.nodes.map((n) => n.exited()).find((e) => e !== null) ?? null;
  }

  /** An IVS client configured as a user would: custom endpoint, region, explicit credentials. */
  client(overrides = {}) {
    const client = new IvsClient({
      endpoint: this.endpoint,
      region: REGION,
      credentials: { ...TEST_CREDENTIALS }, // a copy: the SDK annotates the object it is given
      maxAttempts: 1, // errors must reach the test, not be retried away
      ...overrides,
    });
    if (this.layout.api.length > 1 && !overrides.endpoint) {
      // Each request to the next API node, chosen before the request is signed (the host is signed).
      client.middlewareStack.add((next) => (args) => {
        const node = new URL(this.nextApiEndpoint());
        args.request.hostname = node.hostname;
        args.request.port = Number(node.port);
        if (args.request.headers?.host) args.request.headers.host = node.host;
        return next(args);
      }, { step: 'build', name: 'openivsRoundRobin' });
    }
    return client;
  }

  /** A signed raw request to the API, for inputs the SDK would refuse to serialize. */
  raw(method, path, body, extra = {}) {
    return signedFetch(this.nextApiEndpoint(), { method, path, body, ...extra });
  }

  /** Makes the next `count` calls of `operation` fail with `errorCode` (needs faultInjection). */
  async injectFault(operation, errorCode, { count = 1, message } = {}) {
    const body = JSON.stringify({ operation, errorCode, count, ...(message ? { message } : {}) });
    // Faults live in one node's memory: files that inject them pin their calls to one node (layoutFor).
    const response = await signedFetch(this.endpoint, { method: 'POST', path: '/_openivs/faults', body });
    if (response.status !== 204) {
      throw new Error(`fault injection refused: ${response.status} ${response.text}`);
    }
  }

  async clearFaults() {
    const response = await signedFetch(this.endpoint, { method: 'DELETE', path: '/_openivs/faults' });
    if (response.status !== 204) {
      throw new Error(`clearing faults failed: ${response.status} ${response.text}`);
    }
  }

  /** True while every node is running. */
  get alive() {
    return this.exited() === null;
  }

  async stop() {
    await Promise.all(this.nodes.map(async (node) => {
      if (node.exited() === null) {
        node.child.kill('SIGTERM');
        const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
        await node.exit;
        clearTimeout(timer);
      }
      rmSync(node.dataDir, { recursive: true, force: true });
    }));
  }
}

// Starts a real OpenIVS server process (the published CLI, `dotnet $OPENIVS_CLI_DLL serve`) on free
// loopback ports with a fresh temporary data directory, waits for GET /health, and stops it afterwards.
// Each test file starts its own server, so files never see each other's resources.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvsClient } from '@aws-sdk/client-ivs';
import { signedFetch, TEST_CREDENTIALS } from './sigv4.js';

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
 * @param {{faultInjection?: boolean, transcoding?: boolean, args?: string[], env?: Record<string, string>, httpPort?: number}} [options]
 *   httpPort: the HTTP listener's port, when something must know it before the server starts (a proxy in front)
 * @returns {Promise<OpenIvsTestServer>}
 */
export async function startServer(options = {}) {
  const dll = cliDll();
  const dataDir = mkdtempSync(join(tmpdir(), 'openivs-js-'));
  const [http, rtmp, rtmps, srt] = [options.httpPort ?? await freePort(), await freePort(), await freePort(), await freePort()];
  const args = [dll, 'serve', '--data-dir', dataDir, '--http', `127.0.0.1:${http}`,
    '--rtmp', `127.0.0.1:${rtmp}`, '--rtmps', `127.0.0.1:${rtmps}`, '--srt', `127.0.0.1:${srt}`, '--region', REGION, '--log-level', 'Warning',
    ...(options.faultInjection ? ['--enable-fault-injection'] : []), ...(options.args ?? [])];
  const child = spawn('dotnet', args, {
    env: {
      ...process.env,
      OPENIVS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      OPENIVS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      // No ffmpeg transcoder per STANDARD stream unless a test asks (CPU); the C# TranscodingTests cover it.
      OPENIVS_Transcoding__Enabled: options.transcoding ? 'true' : 'false',
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
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`openivs serve exited during start-up (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const health = await fetch(`${endpoint}/health`);
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`openivs serve did not become healthy within ${STARTUP_LIMIT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return new OpenIvsTestServer(child, exit, endpoint, dataDir, () => output, () => exited, { http, rtmp, rtmps });
}

export class OpenIvsTestServer {
  constructor(child, exit, endpoint, dataDir, output, exited, ports) {
    this.child = child;
    this.exit = exit;
    this.endpoint = endpoint;
    this.dataDir = dataDir;
    this.output = output;
    this.exited = exited;
    this.region = REGION;
    this.account = ACCOUNT;
    /** The listeners' ports: `http`, `rtmp` (plain, for channels with insecureIngest) and `rtmps`. */
    this.ports = ports;
  }

  /** An IVS client configured as a user would: custom endpoint, region, explicit credentials. */
  client(overrides = {}) {
    return new IvsClient({
      endpoint: this.endpoint,
      region: REGION,
      credentials: { ...TEST_CREDENTIALS }, // a copy: the SDK annotates the object it is given
      maxAttempts: 1, // errors must reach the test, not be retried away
      ...overrides,
    });
  }

  /** A signed raw request to the API, for inputs the SDK would refuse to serialize. */
  raw(method, path, body, extra = {}) {
    return signedFetch(this.endpoint, { method, path, body, ...extra });
  }

  /** Makes the next `count` calls of `operation` fail with `errorCode` (needs faultInjection). */
  async injectFault(operation, errorCode, { count = 1, message } = {}) {
    const body = JSON.stringify({ operation, errorCode, count, ...(message ? { message } : {}) });
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

  /** True while the process is running. */
  get alive() {
    return this.exited() === null;
  }

  async stop() {
    if (this.exited() === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exit;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

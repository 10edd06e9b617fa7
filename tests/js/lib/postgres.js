// A throw-away PostgreSQL for the tests (Debian's postgresql 15 binaries): initdb into a temporary directory,
// postgres on a free loopback port with fsync off, stopped and deleted when this process exits. As root it runs as
// the `postgres` user (PostgreSQL refuses root). Each test server gets a database of its own (createDatabase).
//
// OPENIVS_TEST_POSTGRES selects it: `1` starts a cluster in this process on first use; a connection string
// (`Host=...;Port=...;Username=...`, as scripts/test.sh passes from `node lib/with-postgres.js`) uses that cluster.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

const BIN = '/usr/lib/postgresql/15/bin';
const asRoot = userInfo().uid === 0;
let started = null;
let databases = 0;

/** True when the tests run the server on PostgreSQL. */
export const usePostgres = () => (process.env.OPENIVS_TEST_POSTGRES ?? '') !== '' && process.env.OPENIVS_TEST_POSTGRES !== '0';

function run(file, args) {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}${result.error ?? ''}`);
  }
}

/** Starts a cluster and returns its admin connection string (Npgsql form); `stop` ends it. */
export async function startCluster() {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 is not installed (${BIN}/initdb): run scripts/install-test-deps.sh.`);
  }
  const directory = mkdtempSync(join(tmpdir(), 'openivs-js-pg-'));
  if (asRoot) chownSync(directory, uidOf('postgres'), gidOf('postgres'));
  const data = join(directory, 'data');
  run(join(BIN, 'initdb'), ['-D', data, '-U', 'openivs', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // Durability is not what the tests measure: fsync off keeps a shared machine responsive.
  run(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(directory, 'postgres.log'), '-w', '-t', '60', 'start',
    '-o', `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=500`]);
  const stop = () => {
    try {
      run(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  return { connection: `Host=127.0.0.1;Port=${port};Username=openivs;Database=postgres`, stop };
}

/** A new, empty database on the tests' cluster; returns its connection string. */
export async function createDatabase() {
  let admin = process.env.OPENIVS_TEST_POSTGRES;
  if (!admin.includes('=')) {
    if (!started) {
      started = await startCluster();
      process.on('exit', () => started.stop());
    }
    admin = started.connection;
  }
  const settings = Object.fromEntries(admin.split(';').filter(Boolean).map((pair) => pair.split('=').map((s) => s.trim())).map(([k, v]) => [k.toLowerCase(), v]));
  const name = `openivs_js_${process.pid}_${++databases}`;
  const result = spawnSync(join(BIN, 'createdb'), ['-h', settings.host, '-p', settings.port, '-U', settings.username, name], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`createdb ${name} failed: ${result.stderr}`);
  }
  return `Host=${settings.host};Port=${settings.port};Username=${settings.username};Database=${name}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function idOf(flag, name) {
  return Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
}
const uidOf = (name) => idOf('-u', name);
const gidOf = (name) => idOf('-g', name);

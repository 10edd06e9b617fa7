// Runs a command with one throw-away PostgreSQL for all of it: `node lib/with-postgres.js node --test test/`.
// The command sees OPENIVS_TEST_POSTGRES set to the cluster's connection string (lib/server.js then starts every
// test server on a database of its own); the cluster is stopped and deleted when the command ends.
import { spawn } from 'node:child_process';
import { startCluster } from './postgres.js';

const [command, ...args] = process.argv.slice(2);
const cluster = await startCluster();
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, OPENIVS_TEST_POSTGRES: cluster.connection } });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  cluster.stop();
  process.exit(code ?? (signal ? 1 : 0));
});

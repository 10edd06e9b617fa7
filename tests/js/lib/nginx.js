// Runs Debian's nginx with docs/deploy's cache-tier configuration (docs/deploy/nginx/openivs.conf.template, rendered
// with envsubst exactly as the deploy README says) in front of OpenIVS nodes, with a self-signed certificate made
// here, in a temporary directory. The same template is what bench/cluster/run.py runs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './server.js';

export const TEMPLATE = fileURLToPath(new URL('../../../docs/deploy/nginx/openivs.conf.template', import.meta.url));

/**
 * @param {string[]} upstreams the nodes' HTTP listeners, HOST:PORT
 * @returns {Promise<{http: number, https: number, certificate: string, accessLog: () => string[], stop: () => Promise<void>}>}
 */
export async function startNginx(upstreams) {
  const dir = mkdtempSync(join(tmpdir(), 'openivs-nginx-'));
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', certificate], { stdio: 'ignore' });
  const [http, https] = [await freePort(), await freePort()];
  const values = {
    OPENIVS_UPSTREAM_SERVERS: upstreams.map((u) => `server ${u};`).join(' '),
    OPENIVS_HTTP_LISTEN: `127.0.0.1:${http}`,
    OPENIVS_HTTPS_LISTEN: `127.0.0.1:${https}`,
    OPENIVS_TLS_CERTIFICATE: certificate,
    OPENIVS_TLS_CERTIFICATE_KEY: key,
    OPENIVS_CACHE_DIR: join(dir, 'cache'),
    OPENIVS_NGINX_LOG_DIR: dir,
  };
  // envsubst with the template's own variable list, as the README renders it; a variable we do not set fails here.
  const template = readFileSync(TEMPLATE, 'utf8');
  const names = [...new Set(template.match(/\$\{OPENIVS_[A-Z_]+\}/g))];
  for (const name of names) {
    if (!(name.slice(2, -1) in values)) throw new Error(`the template uses ${name}, which the test does not set`);
  }
  const rendered = execFileSync('envsubst', [names.join(' ')], { input: template, env: { ...process.env, ...values } });
  writeFileSync(join(dir, 'openivs.conf'), rendered);
  const user = process.getuid?.() === 0 ? 'user root;' : ''; // workers must write the temporary directory
  writeFileSync(join(dir, 'nginx.conf'), `${user}
daemon off;
worker_processes 1;
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/openivs.conf;
}
`);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => { errors += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`nginx exited: ${errors}\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    }
    try {
      await fetch(`http://127.0.0.1:${http}/health`); // any answer (502 before the nodes run) means nginx listens
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer: ${errors}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    http,
    https,
    certificate,
    /** The access log's lines (openivs_cache format: ... cache=STATUS upstream=ADDRESS ...); written within 1 s. */
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'openivs-access.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The cache tier of docs/deploy: Debian's nginx, run with docs/deploy/nginx/openivs.conf.template itself, in front of
// a real OpenIVS node with an ffmpeg publisher, TLS ending at nginx (a self-signed certificate made here).
// - the AWS CLI creates and reads channels through nginx over HTTPS: SigV4 verifies because Host reaches the node
//   as the client signed it; the playback URL the API returns points at nginx (--playback-base-url);
// - ffprobe plays that URL over TLS, and nginx speaks HTTP/2 to clients that ask for it;
// - N viewers asking at once for the same blocking playlist reload, each with its own session, and then for the
//   same preload-hinted part, reach the node once each (nginx's access log: one request with an upstream address);
// - answers that are never stored (multivariant playlists, media playlists without _HLS_msn) bypass the cache and
//   its lock: N viewers asking at once each reach the node, none waits on another's request;
// - a private channel's media is never served from the cache: without a token, or without the session its
//   token started, a viewer gets 403 from the node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseMediaPlaylist } from '../../../bench/playback/viewers.mjs';
import { startNginx } from '../lib/nginx.js';
import { freePort, REGION, startServer } from '../lib/server.js';
import { TEST_CREDENTIALS } from '../lib/sigv4.js';
import { eventually, publish } from '../lib/live.js';

const run = promisify(execFile);
const VIEWERS = 20;

/**
 * Checks how many of VIEWERS identical requests sent at once reached the node (nginx's access log: lines with an
 * upstream address), under the template's lock settings: the first; the others wait on the cache lock and look again
 * after 500 ms (nginx's timer). If the node answered the first by then, they are served from the cache: exactly one
 * request. Only when the node took longer (a very loaded machine), the lock is older than proxy_cache_lock_age
 * (100 ms) when they look, and one waiter per 100 ms goes to the node itself (docs/deploy/README.md).
 */
function assertCollapsed(t, lines, what) {
  const upstream = lines.filter((l) => !/ upstream=- /.test(l));
  const answeredMs = Math.round(1000 * Math.min(...upstream.map((l) => Number(/ urt=([\d.]+)/.exec(l)?.[1] ?? 0))));
  t.diagnostic(`${what}: ${upstream.length} of ${lines.length} reached the node, which answered the first after ${answeredMs} ms`);
  const most = answeredMs < 450 ? 1 : 1 + Math.ceil((answeredMs - 400) / 100);
  assert.ok(upstream.length >= 1 && upstream.length <= most && upstream.length < VIEWERS,
    `${upstream.length} of ${VIEWERS} ${what} reached the node (it answered after ${answeredMs} ms; at most ${most}):\n${lines.join('\n')}`);
}

describe('nginx cache tier (docs/deploy) in front of a node', () => {
  let server;
  let nginx;
  let publisher;
  let work;
  let base;

  /** The AWS CLI against nginx's TLS listener, trusting the test certificate. */
  async function aws(...args) {
    const { stdout } = await run('aws', ['ivs', ...args, '--endpoint-url', base, '--region', REGION, '--ca-bundle', nginx.certificate,
      '--output', 'json'], {
      env: {
        ...process.env, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    return stdout.trim() ? JSON.parse(stdout) : {};
  }

  /** A GET over HTTPS/1.1 on `agent` (one keep-alive connection per simulated viewer): status, headers, body. */
  function get(url, agent) {
    return new Promise((resolve, reject) => {
      const request = https.get(url, { agent: agent ?? new https.Agent({ ca }) }, (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.setTimeout(30_000, () => request.destroy(new Error(`timeout ${url}`)));
    });
  }
  let ca;
  const viewerAgent = () => new https.Agent({ keepAlive: true, maxSockets: 1, ca });

  /** The lines of nginx's access log for requests whose request line contains `fragment`, once `count` are there. */
  async function logged(fragment, count) {
    return eventually(`${count} access log lines with ${fragment}`, () => {
      const lines = nginx.accessLog().filter((l) => l.includes(fragment));
      return lines.length >= count ? lines : null;
    }, 10_000);
  }
  const reachedNode = (lines) => lines.filter((l) => !/ upstream=- /.test(l));

  async function goLive(channel, streamKey) {
    publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey}`);
    await eventually('the stream to go live', async () => (await aws('get-stream', '--channel-arn', channel.arn)).stream, 30_000)
      .catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openivs-nginx-test-'));
    // The node is told where viewers reach it: playback URLs name nginx's TLS listener. nginx's port is only known
    // once nginx runs, and nginx needs the node's port: start nginx first against the node's port reserved here.
    const nodeHttp = await freePort();
    nginx = await startNginx([`127.0.0.1:${nodeHttp}`]);
    ca = readFileSync(nginx.certificate);
    base = `https://127.0.0.1:${nginx.https}`;
    server = await startServer({ httpPort: nodeHttp, args: ['--playback-base-url', base] });
  });
  after(async () => {
    await publisher?.stop();
    await nginx?.stop();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('API over TLS through nginx with the AWS CLI; public playback over TLS and HTTP/2; concurrent identical requests reach the node once',
    { timeout: 180_000 }, async (t) => {
      const created = await aws('create-channel', '--name', 'cached', '--latency-mode', 'LOW', '--type', 'BASIC', '--insecure-ingest');
      const channel = created.channel;
      assert.ok(channel.playbackUrl.startsWith(`${base}/api/video/v1/`), channel.playbackUrl);
      assert.equal((await aws('get-channel', '--arn', channel.arn)).channel.name, 'cached');
      assert.ok((await aws('list-channels')).channels.some((c) => c.arn === channel.arn));
      // The API is never cached: every call reached the node.
      const apiLines = await logged('"POST /', 3);
      assert.equal(reachedNode(apiLines).length, apiLines.length, apiLines.join('\n'));

      await goLive(channel, created.streamKey.value);
      await eventually('the first segment through nginx', async () => (await get(channel.playbackUrl)).status === 200, 30_000);

      // A player over TLS: ffprobe reads the multivariant playlist, a media playlist and media through nginx.
      const { stdout } = await run('ffprobe', ['-v', 'error', '-ca_file', nginx.certificate, '-tls_verify', '1',
        '-show_entries', 'stream=codec_name,width', '-of', 'json', channel.playbackUrl], { timeout: 60_000 });
      const streams = JSON.parse(stdout).streams;
      assert.ok(streams.some((s) => s.codec_name === 'h264' && s.width === 640), stdout);

      // HTTP/2 (ALPN h2) on the TLS listener.
      const h2 = http2.connect(base, { ca });
      try {
        const status = await new Promise((resolve, reject) => {
          const stream = h2.request({ ':path': new URL(channel.playbackUrl).pathname });
          stream.on('response', (headers) => { resolve(headers[':status']); stream.resume(); });
          stream.on('error', reject);
          stream.end();
        });
        assert.equal(status, 200);
        assert.equal(h2.alpnProtocol, 'h2');
        // A SigV4-signed API call over HTTP/2 (only :authority, no Host header): nginx must give the node the host
        // and port that were signed.
        const body = JSON.stringify({ arn: channel.arn });
        const signed = await new SignatureV4({ service: 'ivs', region: REGION, credentials: TEST_CREDENTIALS, sha256: Sha256 }).sign({
          method: 'POST', protocol: 'https:', hostname: '127.0.0.1', port: nginx.https, path: '/GetChannel', query: {},
          headers: { host: `127.0.0.1:${nginx.https}`, 'content-type': 'application/json' }, body,
        });
        const { host, ...headers } = signed.headers;
        assert.equal(host, `127.0.0.1:${nginx.https}`);
        const answer = await new Promise((resolve, reject) => {
          const stream = h2.request({ ':method': 'POST', ':path': '/GetChannel', ...headers });
          let text = '';
          let status2 = 0;
          stream.on('response', (h) => { status2 = h[':status']; });
          stream.on('data', (c) => { text += c; });
          stream.on('end', () => resolve({ status: status2, text }));
          stream.on('error', reject);
          stream.end(body);
        });
        assert.equal(answer.status, 200, answer.text);
        assert.equal(JSON.parse(answer.text).channel.arn, channel.arn);
      } finally {
        h2.close();
      }

      // N viewers, each with its own session (multivariant request) and its own keep-alive connection.
      const viewers = [];
      for (let i = 0; i < VIEWERS; i++) {
        const agent = viewerAgent();
        const multivariant = await get(channel.playbackUrl, agent);
        assert.equal(multivariant.status, 200);
        assert.equal(multivariant.headers['cache-control'], 'no-store');
        assert.equal(multivariant.headers['x-cache-status'], 'BYPASS', 'a multivariant request does not wait on the cache lock');
        const variant = multivariant.body.toString().split('\n').find((l) => l && !l.startsWith('#')).trim();
        viewers.push({ agent, media: new URL(variant, channel.playbackUrl) });
      }
      assert.equal(new Set(viewers.map((v) => v.media.searchParams.get('s'))).size, VIEWERS, 'each viewer has a session of its own');

      // Every viewer's first media playlist at once: never stored (no-cache), so each goes to the node around the
      // cache lock rather than one after another on it (all share a key: the session is not in it).
      const firsts = await Promise.all(viewers.map((v) => get(v.media, v.agent)));
      for (const f of firsts) {
        assert.equal(f.status, 200);
        assert.equal(f.headers['cache-control'], 'no-cache');
        assert.equal(f.headers['x-cache-status'], 'BYPASS', 'a plain media playlist request does not wait on the cache lock');
      }
      const playlistPath = viewers[0].media.pathname;
      const plainLines = (await logged(`${playlistPath}?s=`, VIEWERS)).filter((l) => !l.includes('_HLS_msn='));
      assert.equal(reachedNode(plainLines).length, plainLines.length, plainLines.join('\n'));

      // The playlist as it is now (no-cache: it reaches the node), and the next part, which does not exist yet.
      const now = await get(viewers[0].media, viewers[0].agent);
      const playlist = parseMediaPlaylist(now.body.toString());
      const blocking = (v) => {
        const url = new URL(v.media);
        url.searchParams.set('_HLS_msn', String(playlist.nextMsn));
        url.searchParams.set('_HLS_part', String(playlist.nextPart));
        url.searchParams.set('_HLS_skip', 'YES');
        return url;
      };
      const answers = await Promise.all(viewers.map((v) => get(blocking(v), v.agent)));
      for (const a of answers) {
        assert.equal(a.status, 200);
        assert.deepEqual(a.body, answers[0].body, 'every viewer gets the same playlist bytes');
      }
      // That part, or the next segment's first when the segment ended with the part before it (RFC 8216bis 6.2.5.2: a
      // part closed on its last frame is listed before the keyframe after it completes the segment).
      const reloaded = parseMediaPlaylist(answers[0].body.toString());
      const holds = (msn, idx) => reloaded.parts.some((p) => p.msn === msn && p.idx === idx);
      assert.ok(holds(playlist.nextMsn, playlist.nextPart) || holds(playlist.nextMsn + 1, 0),
        `the blocking answer holds part ${playlist.nextMsn}.${playlist.nextPart} or ${playlist.nextMsn + 1}.0`);
      const fragment = `_HLS_msn=${playlist.nextMsn}&_HLS_part=${playlist.nextPart}&`;
      const reloadLines = await logged(fragment, VIEWERS);
      assert.equal(reloadLines.length, VIEWERS);
      assertCollapsed(t, reloadLines, 'blocking reloads');

      // The part a fresh playlist hints (EXT-X-PRELOAD-HINT): not complete yet, so the node holds the requests.
      const fresh = (await get(viewers[0].media, viewers[0].agent)).body.toString();
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(fresh);
      assert.ok(hint, 'the playlist hints the next part');
      const partUrl = new URL(hint[1], viewers[0].media);
      partUrl.search = '';
      const parts = await Promise.all(viewers.map((v) => get(partUrl, v.agent)));
      for (const p of parts) {
        assert.equal(p.status, 200);
        assert.ok(p.body.length > 1000);
        assert.deepEqual(p.body, parts[0].body);
        assert.equal(p.headers['cache-control'], 'public, max-age=31536000, immutable');
      }
      const partLines = await logged(`${partUrl.pathname} `, VIEWERS);
      assertCollapsed(t, partLines, 'part requests');
      // Asked again later: served from the cache, the node is not asked.
      const again = await get(partUrl, viewers[1].agent);
      assert.equal(again.headers['x-cache-status'], 'HIT');
      for (const v of viewers) v.agent.destroy();
      await publisher.stop();
      publisher = null;
    });

  test('a private channel\'s media are not served through the cache without a token or its session', { timeout: 180_000 }, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = join(work, 'playback-key.pem');
    writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }));
    await aws('import-playback-key-pair', '--public-key-material', `file://${pem}`);
    const created = await aws('create-channel', '--name', 'private', '--latency-mode', 'LOW', '--type', 'BASIC', '--insecure-ingest', '--authorized');
    const channel = created.channel;
    await goLive(channel, created.streamKey.value);
    const token = await new SignJWT({ 'aws:channel-arn': channel.arn, 'aws:access-control-allow-origin': '*' })
      .setProtectedHeader({ alg: 'ES384' }).setExpirationTime('10m').sign(privateKey);

    // Without a token: no playlist.
    await eventually('the first segment through nginx', async () => (await get(`${channel.playbackUrl}?token=${token}`)).status === 200, 30_000);
    assert.equal((await get(channel.playbackUrl)).status, 403);

    // With one: the session is in every path; the media reach the viewer but nginx does not store them.
    const agent = viewerAgent();
    const multivariant = await get(`${channel.playbackUrl}?token=${token}`, agent);
    const variant = multivariant.body.toString().split('\n').find((l) => l && !l.startsWith('#')).trim();
    const media = new URL(variant, channel.playbackUrl);
    const sessionPath = media.pathname.split('/').at(-2);
    const playlist = parseMediaPlaylist((await get(media, agent)).body.toString());
    const part = new URL(playlist.parts.at(-1).uri, media);
    const first = await get(part, agent);
    assert.equal(first.status, 200);
    assert.match(first.headers['cache-control'], /^private/);
    const second = await get(part, agent);
    assert.equal(second.status, 200);
    assert.notEqual(second.headers['x-cache-status'], 'HIT', 'a private answer is never stored');

    // A viewer without the session: the same part by the path without it, or with a made-up session, after the
    // rightful viewer fetched it twice. Each request reaches the node, which refuses it.
    const bare = new URL(part.href.replace(`/${sessionPath}/`, '/'));
    const forged = new URL(part.href.replace(`/${sessionPath}/`, '/AAAAAAAAAAAAAAAAAAAAAA/'));
    const initUrl = playlist.init ? new URL(playlist.init, media) : null;
    for (const url of [bare, forged, ...(initUrl ? [new URL(initUrl.href.replace(`/${sessionPath}/`, '/'))] : [])]) {
      const refused = await get(url);
      assert.equal(refused.status, 403, `${url.pathname}: ${refused.body}`);
      assert.notEqual(refused.headers['x-cache-status'], 'HIT');
      assert.ok(!refused.body.includes(Buffer.from('moof')), 'no media bytes');
    }
    const refusedLines = await logged(`${bare.pathname} `, 1);
    assert.equal(reachedNode(refusedLines).length, refusedLines.length, 'every refused request was decided by the node');
    agent.destroy();
  });
});

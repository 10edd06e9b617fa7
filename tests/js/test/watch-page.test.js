// The watch page (/watch/{channelId}) in a real browser: Debian's Chromium, driven by playwright-core, plays a
// channel that real ffmpeg publishes over RTMP, through OpenIVS's LL-HLS origin and the hls.js it serves.
// Also: the offline state of a channel that is not live, the page's ?token= reaching the playback URL, going
// live while the page is open, recovering when the stream restarts, and a private channel's recordings listed and played.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  CreateChannelCommand, CreateRecordingConfigurationCommand, GetRecordingConfigurationCommand, GetStreamCommand, ImportPlaybackKeyPairCommand,
} from '@aws-sdk/client-ivs';
import { SignJWT } from 'jose';
import { launchChromium } from '../lib/browser.js';
import { eventually, publish } from '../lib/live.js';
import { startServer } from '../lib/server.js';

const WATCH_SECONDS = 20;
const SAMPLE_MS = 500;
const STALL_MS = 1500; // no progress for longer than this counts as a stall

describe('watch page in Chromium', () => {
  let server;
  let ivs;
  let browser;
  const publishers = [];

  before(async () => {
    server = await startServer({ pinned: true }); // recordings read back from the embedded S3 folder (per node)
    ivs = server.client();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const publisher of publishers) await publisher.stop();
    await server?.stop();
  });

  async function createChannel(name, authorized = false, recordingConfigurationArn = undefined) {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ name, insecureIngest: true, authorized, recordingConfigurationArn }));
    const id = channel.arn.slice(channel.arn.lastIndexOf('/') + 1);
    return { channel, id, ingest: `rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}` };
  }

  async function goLive(target) {
    const publisher = publish(target.ingest);
    publishers.push(publisher);
    await eventually('GetStream to say LIVE', async () => {
      const { stream } = await ivs.send(new GetStreamCommand({ channelArn: target.channel.arn }));
      return stream.state === 'LIVE';
    }, 30_000).catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });
    return publisher;
  }

  /** A page that fails the test on script errors and CSP refusals, and records the playlist requests. */
  async function openPage(path) {
    const page = await browser.newPage();
    const problems = [];
    const playlists = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('.m3u8')) playlists.push(request.url());
    });
    const response = await page.goto(`${server.endpoint}${path}`);
    assert.equal(response.status(), 200);
    return { page, problems, playlists };
  }

  const state = (page) => page.evaluate(() => document.body.dataset.state);
  const currentTime = (page) => page.evaluate(() => document.getElementById('video').currentTime);

  /** Samples the video's currentTime; returns how far it got and every stall (no progress for > STALL_MS). */
  async function watch(page, seconds) {
    await page.evaluate(() => {
      window.waitingEvents = 0;
      document.getElementById('video').addEventListener('waiting', () => { window.waitingEvents++; });
    });
    const start = await currentTime(page);
    let last = start;
    let lastProgress = Date.now();
    const stalls = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const now = await currentTime(page);
      if (now > last) {
        last = now;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_MS) {
        stalls.push(`stuck at ${now.toFixed(2)} s for ${Date.now() - lastProgress} ms`);
        lastProgress = Date.now(); // count each stall once per STALL_MS
      }
    }
    return { advanced: last - start, stalls, waiting: await page.evaluate(() => window.waitingEvents) };
  }

  test('a live channel plays in low-latency mode, muted, for 20 s without a stall, and shows its latency', { timeout: 120_000 }, async () => {
    const live = await createChannel('live');
    await goLive(live);
    const { page, problems, playlists } = await openPage(`/watch/${live.id}`);
    try {
      await page.waitForFunction(() => document.body.dataset.state === 'playing' && document.getElementById('video').currentTime > 0,
        null, { timeout: 30_000 });
      assert.equal(await page.evaluate(() => document.getElementById('video').muted), true);

      const { advanced, stalls, waiting } = await watch(page, WATCH_SECONDS);
      const latency = Number(await page.evaluate(() => document.getElementById('latency').dataset.seconds));
      console.log(`watch page: played ${advanced.toFixed(2)} s in ${WATCH_SECONDS} s, latency to live edge ${latency} s, ` +
        `${playlists.length} playlist requests`);

      assert.deepEqual(stalls, [], 'the video stalled');
      assert.equal(waiting, 0, 'the video waited for data after playback began');
      // Real time, give or take the page's catch-up (1.1x) and the sampling grain.
      assert.ok(advanced >= WATCH_SECONDS - 2 && advanced <= WATCH_SECONDS * 1.2 + 1, `played ${advanced} s in ${WATCH_SECONDS} s`);
      assert.ok(Number.isFinite(latency) && latency > 0 && latency < 5, `latency to the live edge: ${latency} s`);
      // hls.js asks for blocking playlist reloads only in low-latency mode against an LL-HLS playlist.
      assert.ok(playlists.some((url) => new URL(url).searchParams.has('_HLS_msn')), `no blocking reload among:\n${playlists.slice(0, 5).join('\n')}`);
      assert.match(await page.textContent('#latency'), /s behind live/);
      assert.equal(await state(page), 'playing');
      assert.ok(playlists.some((url) => new URL(url).pathname === new URL(live.channel.playbackUrl).pathname), playlists.join('\n'));

      // A viewer who fell far behind (here: paused for 8 s) is brought back near the live edge by the page.
      await page.evaluate(() => document.getElementById('video').pause());
      await new Promise((r) => setTimeout(r, 8000));
      await page.evaluate(() => document.getElementById('video').play());
      const behind = Number(await page.evaluate(() => document.getElementById('latency').dataset.seconds));
      const caughtUp = await eventually('the page to return near the live edge', async () => {
        const seconds = Number(await page.evaluate(() => document.getElementById('latency').dataset.seconds));
        return seconds < latency + 1.5 && seconds;
      }, 15_000);
      console.log(`watch page: ${behind} s behind after the pause, ${caughtUp} s after catching up`);
      assert.ok(behind > latency + 5, `the pause should have left the player behind: ${behind} s`);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('a channel that is not live shows offline, passes ?token= on, retries, and plays once it goes live', { timeout: 120_000 }, async () => {
    const later = await createChannel('later');
    const token = 'eyJhbGciOiJFUzM4NCJ9.e30.c2ln'; // any token: the channel is public, only its passing-on is checked
    const { page, problems, playlists } = await openPage(`/watch/${later.id}?token=${token}`);
    try {
      await page.waitForFunction(() => document.body.dataset.state === 'offline', null, { timeout: 15_000 });
      assert.match(await page.textContent('#status'), /Offline/);
      assert.equal(await page.isVisible('#overlay'), true);
      assert.equal(await currentTime(page), 0);

      // It keeps asking (every 3 s), each time with the page's token on the playback URL.
      await eventually('a second playlist request', () => playlists.length >= 2, 10_000);
      for (const url of playlists) {
        const parsed = new URL(url);
        assert.equal(parsed.pathname, new URL(later.channel.playbackUrl).pathname);
        assert.equal(parsed.searchParams.get('token'), token);
      }
      assert.equal(await state(page), 'offline');

      await goLive(later);
      await page.waitForFunction(() => document.body.dataset.state === 'playing' && document.getElementById('video').currentTime > 1,
        null, { timeout: 30_000 });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('the page recovers by itself when the stream stops and starts again', { timeout: 120_000 }, async () => {
    const restart = await createChannel('restart');
    const first = await goLive(restart);
    const { page, problems } = await openPage(`/watch/${restart.id}`);
    try {
      await page.waitForFunction(() => document.body.dataset.state === 'playing' && document.getElementById('video').currentTime > 1,
        null, { timeout: 30_000 });
      await first.stop();
      await page.waitForFunction(() => ['offline', 'reconnecting'].includes(document.body.dataset.state), null, { timeout: 30_000 });

      await goLive(restart);
      await page.waitForFunction(() => document.body.dataset.state === 'playing', null, { timeout: 30_000 });
      const before = await currentTime(page);
      await eventually('the restarted stream to play on', async () => (await currentTime(page)) > before + 2, 15_000);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('a private channel plays with the ?token= of the page URL and is refused without it', { timeout: 120_000 }, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: publicKey.export({ type: 'spki', format: 'pem' }) }));
    const secret = await createChannel('private', true);
    await goLive(secret);

    const refused = await openPage(`/watch/${secret.id}`);
    try {
      await refused.page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 15_000 });
      assert.match(await refused.page.textContent('#status'), /403/);
      assert.equal(await currentTime(refused.page), 0);
    } finally {
      await refused.page.close();
    }

    const token = await new SignJWT({ 'aws:channel-arn': secret.channel.arn, 'aws:access-control-allow-origin': '*' })
      .setProtectedHeader({ alg: 'ES384' })
      .setExpirationTime('10m')
      .sign(privateKey);
    const { page, problems } = await openPage(`/watch/${secret.id}?token=${encodeURIComponent(token)}`);
    try {
      await page.waitForFunction(() => document.body.dataset.state === 'playing' && document.getElementById('video').currentTime > 2,
        null, { timeout: 30_000 });
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test("a private channel's recordings are listed below the player and play with the page's token", { timeout: 120_000 }, async () => {
    const { recordingConfiguration } = await ivs.send(new CreateRecordingConfigurationCommand({
      destinationConfiguration: { s3: { bucketName: 'watch-recordings' } },
      thumbnailConfiguration: { recordingMode: 'INTERVAL', targetIntervalSeconds: 5 },
    }));
    await eventually('the recording configuration to be ACTIVE', async () =>
      (await ivs.send(new GetRecordingConfigurationCommand({ arn: recordingConfiguration.arn }))).recordingConfiguration.state === 'ACTIVE');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: publicKey.export({ type: 'spki', format: 'pem' }) }));
    const recorded = await createChannel('recorded', true, recordingConfiguration.arn);
    const token = await new SignJWT({ 'aws:channel-arn': recorded.channel.arn, 'aws:access-control-allow-origin': '*' })
      .setProtectedHeader({ alg: 'ES384' })
      .setExpirationTime('10m')
      .sign(privateKey);

    // About 8 s of stream, then the recording ends (no reconnect window) and is listed with its playlist.
    const publisher = await goLive(recorded);
    await new Promise((r) => setTimeout(r, 8000));
    await publisher.stop();
    const listUrl = `${server.endpoint}/_openivs/recordings/${recorded.id}`;
    assert.equal((await fetch(listUrl)).status, 403); // a private channel's list needs its token
    const [entry] = await eventually('the ended recording in the list', async () => {
      const { recordings } = await (await fetch(`${listUrl}?token=${encodeURIComponent(token)}`)).json();
      return recordings.length === 1 && recordings[0].status === 'RECORDING_ENDED' && recordings[0].playlist ? recordings : null;
    }, 60_000);
    assert.ok(entry.durationMs > 4000, `duration ${entry.durationMs}`);

    const { page, problems } = await openPage(`/watch/${recorded.id}?token=${encodeURIComponent(token)}`);
    try {
      await page.waitForSelector('#recording-list button', { timeout: 20_000 });
      assert.equal(await page.isVisible('#recordings'), true);
      assert.equal(await page.locator('#recording-list img').count(), 1); // its thumbnail, loaded with the token
      await page.waitForFunction(() => document.querySelector('#recording-list img').naturalWidth > 0, null, { timeout: 10_000 });
      await page.click('#recording-list button');
      await page.waitForFunction(() => document.body.dataset.state === 'recording' && document.getElementById('video').currentTime > 2,
        null, { timeout: 30_000 });
      assert.equal(await page.isVisible('#recording-bar'), true);
      assert.equal(await page.getAttribute('#recording-list button', 'aria-current'), 'true');

      // Back to live: the channel is offline now.
      await page.click('#back-to-live');
      await page.waitForFunction(() => document.body.dataset.state === 'offline', null, { timeout: 15_000 });
      assert.equal(await page.isVisible('#recording-bar'), false);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});

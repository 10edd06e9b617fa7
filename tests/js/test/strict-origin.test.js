// Strict origin enforcement in a real browser: a public channel whose playback restriction policy allows one
// origin with enableStrictOriginEnforcement. Chromium maps good.test and evil.test to the server, so pages on
// two origins play the same stream: the allowed one plays; the other gets neither the playlists nor any media,
// also when it asks for media playlists and segments directly, without or with a forged session parameter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateChannelCommand, CreatePlaybackRestrictionPolicyCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { launchChromium } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { eventually, publish } from '../lib/live.js';


describe('strict origin enforcement in Chromium', () => {
  let server;
  let browser;
  let publisher;
  let channel;
  let good;
  let evil;

  before(async () => {
    server = await startServer();
    const ivs = server.client();
    good = `http://good.test:${server.ports.http}`;
    evil = `http://evil.test:${server.ports.http}`;
    const { playbackRestrictionPolicy } = await ivs.send(new CreatePlaybackRestrictionPolicyCommand({
      allowedOrigins: [good], enableStrictOriginEnforcement: true,
    }));
    const created = await ivs.send(new CreateChannelCommand({
      name: 'strict', insecureIngest: true, latencyMode: 'LOW', playbackRestrictionPolicyArn: playbackRestrictionPolicy.arn,
    }));
    channel = created.channel;
    publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${created.streamKey.value}`);
    await eventually('the stream to go live', async () => (await ivs.send(new GetStreamCommand({ channelArn: channel.arn }))).stream, 30_000)
      .catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });
    // Live for the API comes before the first segment: the players below give up on a first 404 (no retries).
    await eventually('the first segment', async () => (await fetch(channel.playbackUrl, { headers: { Origin: good } })).status === 200, 30_000);
    browser = await launchChromium(['--host-resolver-rules=MAP good.test 127.0.0.1, MAP evil.test 127.0.0.1']);
  });
  after(async () => {
    await browser?.close();
    await publisher?.stop();
    await server?.stop();
  });

  /** A page on `origin` that plays the channel with hls.js; records the media URLs it requests. */
  async function play(origin) {
    const page = await browser.newPage();
    const requested = [];
    page.on('request', (request) => { if (request.url().includes('/api/video/v1/')) requested.push(request.url()); });
    await page.goto(`${origin}/health`);
    await page.addScriptTag({ url: `${origin}/watch/assets/hls.min.js` });
    await page.evaluate((url) => {
      window.fatal = [];
      const video = document.createElement('video');
      video.muted = true;
      document.body.appendChild(video);
      const hls = new window.Hls({ lowLatencyMode: true, manifestLoadingMaxRetry: 0 });
      hls.on(window.Hls.Events.ERROR, (_, data) => { if (data.fatal) window.fatal.push(data.details); });
      hls.loadSource(url);
      hls.attachMedia(video);
      video.play().catch(() => {});
      window.video = video;
    }, channel.playbackUrl);
    return { page, requested };
  }

  /** What a script on the page gets for `url`: the status, or the browser's refusal (no CORS header). */
  const fetchFrom = (page, url) => page.evaluate(async (target) => {
    try {
      const response = await fetch(target);
      return `${response.status} ${(await response.text()).slice(0, 40)}`;
    } catch (error) {
      return `refused: ${error.message}`;
    }
  }, url);

  test('the allowed origin plays; another origin gets no playlist and no media, with or without a session', { timeout: 120_000 }, async () => {
    const allowed = await play(good);
    let media;
    try {
      await allowed.page.waitForFunction(() => window.video.currentTime > 1, null, { timeout: 40_000 });
      media = allowed.requested.filter((url) => /\/(index\.m3u8|seg\d+\.|part\d+\.|init\d+\.mp4)/.test(url));
      assert.ok(media.some((url) => url.includes('index.m3u8?s=')), allowed.requested.join('\n'));
      assert.ok(media.some((url) => /\/(part|seg)\d+\./.test(url)), allowed.requested.join('\n'));
    } finally {
      await allowed.page.close();
    }

    const forbidden = await play(evil);
    try {
      await forbidden.page.waitForFunction(() => window.fatal.length > 0, null, { timeout: 30_000 });
      assert.equal(await forbidden.page.evaluate(() => window.video.currentTime), 0);

      // The URLs the allowed page used, and the same without the session or with a forged one.
      const playlist = media.find((url) => url.includes('index.m3u8?s='));
      const stripped = playlist.slice(0, playlist.indexOf('?'));
      const segment = media.find((url) => /\/(part|seg)\d+\./.test(url));
      for (const url of [playlist, stripped, `${stripped}?s=forged`, segment, `${segment}?s=forged`]) {
        const answer = await fetchFrom(forbidden.page, url);
        assert.match(answer, /^refused/, `${url} from ${evil}: ${answer}`);
      }
      // The allowed origin still gets them (the session parameter is not what decides).
      const again = await browser.newPage();
      try {
        await again.goto(`${good}/health`);
        assert.match(await fetchFrom(again, stripped), /^200 #EXTM3U/);
      } finally {
        await again.close();
      }
    } finally {
      await forbidden.page.close();
    }
  });
});

// Adaptive bitrate in a real browser: a STANDARD channel (transcoded by ffmpeg into IVS's ladder) played by the watch
// page's hls.js in Debian's Chromium. With the network throttled through the DevTools protocol, hls.js must move to
// the lowest rung; with the throttle lifted, back up. Rungs are told apart by their playlist paths
// (`{streamId}.{rendition}/`), so the test reads only what the browser fetched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateChannelCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { launchChromium } from '../lib/browser.js';
import { eventually, publish } from '../lib/live.js';
import { startServer } from '../lib/server.js';

const THROTTLED_BPS = 400_000; // fits 160p30 (0.23 Mbps + 48 kbps), not 360p30 (0.63 Mbps + 64 kbps)

describe('hls.js switching rungs in Chromium', () => {
  let server;
  let browser;
  let publisher;

  before(async () => {
    // x264 ultrafast at low priority: the test is about switching, and the machine is shared.
    server = await startServer({ transcoding: true, env: { OPENIVS_Transcoding__X264Preset: 'ultrafast', OPENIVS_Transcoding__Niceness: '10' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await publisher?.stop();
    await server?.stop();
  });

  test('the throttled player moves to the lowest rung, and back up when the throttle is lifted', { timeout: 240_000 }, async () => {
    const ivs = server.client();
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ name: 'abr', insecureIngest: true, type: 'STANDARD' }));
    publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}`,
      { size: '854x480', videoArgs: ['-b:v', '1500k', '-maxrate', '1500k', '-bufsize', '1500k'] });
    await eventually('GetStream to say LIVE', async () => {
      const { stream } = await ivs.send(new GetStreamCommand({ channelArn: channel.arn }));
      return stream.state === 'LIVE';
    }, 30_000).catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });

    const page = await browser.newPage();
    const fetched = []; // [time, rendition] of every media request (segments and parts, not playlists)
    page.on('request', (request) => {
      const match = /\.(\d+p\d+)\/[^/]*$/.exec(new URL(request.url()).pathname);
      if (match && !request.url().includes('.m3u8')) fetched.push([Date.now(), match[1]]);
    });
    const id = channel.arn.slice(channel.arn.lastIndexOf('/') + 1);
    await page.goto(`${server.endpoint}/watch/${id}`);
    const since = (t0) => fetched.filter(([t]) => t >= t0).map(([, rendition]) => rendition);
    /** The player has settled on a rung: its last `count` media requests since `t0` are all of that rung. */
    const settledOn = (t0, accept, count = 6) => {
      const recent = since(t0).slice(-count);
      return recent.length === count && recent.every(accept);
    };
    const trail = (t0) => since(t0).slice(-12).join(' ');

    // Unthrottled on loopback, hls.js climbs to the top rung (480p30 for a 480p source) and stays there.
    await eventually('the player settled on 480p30', () => settledOn(0, (r) => r === '480p30'), 90_000)
      .catch((error) => { throw new Error(`${error.message}; last requests: ${trail(0)}`); });

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 20, downloadThroughput: THROTTLED_BPS / 8, uploadThroughput: THROTTLED_BPS / 8,
    });
    const throttled = Date.now();
    await eventually('the throttled player settled on 160p30', () => settledOn(throttled, (r) => r === '160p30'), 120_000)
      .catch((error) => { throw new Error(`${error.message}; last requests: ${trail(throttled)}`); });
    assert.equal(await page.evaluate(() => document.body.dataset.state === 'playing' || document.body.dataset.state === 'buffering'), true);

    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const lifted = Date.now();
    await eventually('the player settled above 160p30 once the throttle is lifted', () => settledOn(lifted, (r) => r !== '160p30'), 120_000)
      .catch((error) => { throw new Error(`${error.message}; last requests: ${trail(lifted)}`); });
    console.log(`rungs fetched: ${trail(0)}`);
  });
});

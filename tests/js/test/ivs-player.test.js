// The IVS web player (npm amazon-ivs-player, installed at test time: lib/ivs-player.js) plays OpenIVS LOW latency
// channels in Debian's Chromium: a TS and an fMP4 channel published by real ffmpeg, each watched for 20 s once
// playing. It must reach PLAYING, keep showing frames without rebuffering, and show frames within 4 s of their capture
// (median; the publisher paints the capture wall-clock time as a barcode that the page decodes, as bench/playback
// does; the player's own getLiveLatency() reads 0 on OpenIVS). The goal, 3 s, is measured by
// `bench/playback/run.sh latency --players ivs`: on a loaded machine the player sometimes starts one segment back
// (3.1-3.4 s), on the holder as through a relay. Before OpenIVS served the player's dialect (#EXT-X-PREFETCH segments
// streamed while written, an ID3 tag at the start of every TS segment) it never started on TS and played 6-8 s
// behind on fMP4 (docs/playback.md, "The IVS web player"). In the cluster layout of scripts/test.sh the player
// watches the node the publisher reached (see before()).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { launchChromium } from '../lib/browser.js';
import { barcodeArgs, installIvsPlayer, serveIvsPlayerPage } from '../lib/ivs-player.js';
import { eventually, publish } from '../lib/live.js';
import { startServer } from '../lib/server.js';

const WATCH_SECONDS = 20;
const SAMPLE_MS = 500;
const STALL_MS = 1000; // no new frame for longer than this counts as a stall
const MAX_LATENCY_S = 4; // a segment-late start or the old 6-8 s fails it; the 3 s goal is the benchmark's

describe('IVS web player in Chromium', () => {
  let server;
  let ivs;
  let browser;
  let pages;
  const publishers = [];
  const work = mkdtempSync(join(tmpdir(), 'openivs-ivs-player-'));

  before(async () => {
    pages = await serveIvsPlayerPage(await installIvsPlayer()); // throws (fails the suite) when npm cannot install it
    // On the holder: through a relay the player rebuffered on fMP4 in 2 of 9 runs (docs/playback.md, "Relayed playback").
    server = await startServer({ pinned: true });
    ivs = server.client();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const publisher of publishers) await publisher.stop();
    await server?.stop();
    await pages?.close();
    rmSync(work, { recursive: true, force: true });
  });

  for (const containerFormat of ['TS', 'FRAGMENTED_MP4']) {
    test(`plays a LOW latency ${containerFormat} channel within ${MAX_LATENCY_S} s of live, without stalling`, async (t) => {
      const { channel, streamKey } = await ivs.send(new CreateChannelCommand({
        name: `ivs-player-${containerFormat}`, latencyMode: 'LOW', containerFormat, insecureIngest: true,
      }));
      const publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}`, { videoArgs: barcodeArgs(work) });
      publishers.push(publisher);
      await eventually('the stream to be LIVE', async () => {
        const { stream } = await ivs.send(new GetStreamCommand({ channelArn: channel.arn }));
        return stream.state === 'LIVE';
      }).catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });
      const playbackUrl = server.playbackUrl(channel.playbackUrl);
      await eventually('the multivariant playlist', async () => (await fetch(playbackUrl)).status === 200);

      const page = await browser.newPage();
      try {
        const problems = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await page.goto(pages.url(playbackUrl));
        await eventually('the player to reach PLAYING', async () => {
          const { playingAt, errors } = await page.evaluate(() => window.ivs);
          if (errors.length > 0) throw new Error(`player errors: ${errors.join('; ')}`);
          return playingAt > 0;
        }, 30_000).catch(async (error) => {
          throw new Error(`${error.message}; states ${JSON.stringify(await page.evaluate(() => window.ivs.states))}`);
        });

        const start = await page.evaluate(() => ({ frames: window.ivs.frames, rebuffering: window.ivs.rebuffering, at: Date.now() }));
        const samples = [];
        for (let elapsed = 0; elapsed < WATCH_SECONDS * 1000; elapsed += SAMPLE_MS) {
          await page.waitForTimeout(SAMPLE_MS);
          samples.push(await page.evaluate(() => ({
            state: window.player.getState(), sinceFrame: Date.now() - window.ivs.lastFrameAt,
          })));
        }
        const end = await page.evaluate(() => ({
          frames: window.ivs.frames, rebuffering: window.ivs.rebuffering, errors: window.ivs.errors, samples: window.probe.samples, bad: window.probe.bad,
        }));

        assert.deepEqual(end.errors, [], 'player errors');
        assert.deepEqual(problems, []);
        assert.ok(end.frames - start.frames >= WATCH_SECONDS * 20, `frames advanced by only ${end.frames - start.frames} in ${WATCH_SECONDS} s`);
        assert.equal(end.rebuffering - start.rebuffering, 0, 'the player rebuffered');
        const stalls = samples.filter((s) => s.state !== 'Playing' || s.sinceFrame > STALL_MS);
        assert.deepEqual(stalls, [], `stalled at ${stalls.length} of ${samples.length} samples`);
        const latencies = end.samples.filter(([at]) => at >= start.at).map(([, ms]) => ms / 1000).sort((a, b) => a - b);
        assert.ok(latencies.length >= WATCH_SECONDS * 10, `only ${latencies.length} frames with a readable barcode (${end.bad} unreadable)`);
        const median = latencies[Math.floor(latencies.length / 2)];
        t.diagnostic(`${containerFormat}: median glass-to-glass ${median.toFixed(2)} s (min ${latencies[0].toFixed(2)}, max ${latencies.at(-1).toFixed(2)}), ${end.frames - start.frames} frames`);
        assert.ok(median <= MAX_LATENCY_S, `median glass-to-glass latency ${median.toFixed(2)} s (min ${latencies[0].toFixed(2)}, max ${latencies.at(-1).toFixed(2)})`);
      } finally {
        await page.close();
        await publisher.stop();
      }
    });
  }
});

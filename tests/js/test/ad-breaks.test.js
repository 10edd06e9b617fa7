// InsertAdBreak seen by a player: real ffmpeg publishes over RTMP, the JavaScript SDK inserts an ad break, and hls.js
// (the copy OpenIVS serves) in Debian's Chromium reads it from the LL-HLS media playlist as a date range
// (Hls.Events.LEVEL_UPDATED, details.dateRanges): ID, CLASS, START-DATE, PLANNED-DURATION, SCTE35-OUT, then the
// end (DURATION, SCTE35-IN). A delta update (_HLS_skip=YES) that skips the break's segments still carries the range.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAdConfigurationCommand, CreateChannelCommand, InsertAdBreakCommand } from '@aws-sdk/client-ivs';
import { driver, runDriver } from '../lib/drivers.js';
import { eventually, publish } from '../lib/live.js';
import { startServer } from '../lib/server.js';

describe('ad breaks in Chromium', () => {
  let server;
  let ivs;
  let publisher;

  before(async () => {
    server = await startServer();
    ivs = server.client();
  });
  after(async () => {
    await publisher?.stop();
    await server?.stop();
  });

  test('hls.js reads the ad break from LEVEL_UPDATED date ranges; delta updates keep it', async () => {
    const { adConfiguration } = await ivs.send(new CreateAdConfigurationCommand({
      name: 'js-ads',
      mediaTailorPlaybackConfigurations: [{ playbackConfigurationArn: 'arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/js-ads' }],
    }));
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ name: 'js-ads', insecureIngest: true, adConfigurationArn: adConfiguration.arn }));
    publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}`);
    await eventually('the first segment', async () => (await fetch(channel.playbackUrl)).ok, 30_000);

    const { adBreakId } = await ivs.send(new InsertAdBreakCommand({ channelArn: channel.arn, durationSeconds: 2 }));
    assert.match(adBreakId, /^[a-zA-Z0-9]{12}$/);

    const { found, dateRanges, fatal } = await runDriver(driver('hls-dateranges.mjs'), {
      server: server.endpoint, playbackUrl: channel.playbackUrl, expect: [adBreakId], ended: true, timeoutMs: 60_000,
    });
    assert.deepEqual(fatal, []);
    assert.deepEqual(found, [adBreakId], 'the end of the break in hls.js');
    const range = dateRanges.find((r) => r.id === adBreakId);
    assert.equal(range.class, 'com.openivs.ad-break');
    assert.equal(range.isValid, true);
    assert.equal(range.plannedDuration, 2);
    assert.ok(range.duration >= 1.9 && range.duration <= 3.1, `duration ${range.duration}: the first keyframe (1 s GOP) after 2 s`);
    assert.ok(Number.isFinite(range.startTime), 'placed on the timeline through PROGRAM-DATE-TIME');
    assert.match(range.scte35Out, /^0xFC[0-9A-F]+$/);
    assert.match(range.scte35In, /^0xFC[0-9A-F]+$/);

    // §6.2.5.1: a delta update keeps every EXT-X-DATERANGE, also of the segments it skips (no CAN-SKIP-DATERANGES).
    const multivariant = await (await fetch(channel.playbackUrl)).text();
    const media = new URL(multivariant.split('\n').find((l) => l && !l.startsWith('#')), channel.playbackUrl);
    const full = await (await fetch(media)).text();
    const startSegment = Number(new RegExp(`#EXT-X-DATERANGE:ID="${adBreakId}"[^\\n]*SCTE35-OUT[^\\n]*\\n(?:#[^\\n]*\\n)*seg(\\d+)\\.ts`).exec(full)[1]);
    media.searchParams.set('_HLS_skip', 'YES');
    const delta = await eventually(`a delta update that skips segment ${startSegment}`, async () => {
      const text = await (await fetch(media)).text();
      const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(text)?.[1] ?? 0);
      const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)[1]);
      return skipped > 0 && sequence + skipped > startSegment ? text : null;
    }, 60_000);
    const outTag = new RegExp(`#EXT-X-DATERANGE:ID="${adBreakId}",[^\\n]*SCTE35-OUT=`);
    assert.match(delta, outTag, delta);
    assert.doesNotMatch(delta, /RECENTLY-REMOVED-DATERANGES/);
  });
});

// Plays an HLS URL with hls.js (the copy OpenIVS serves for its watch page) in Debian's Chromium and reports the
// EXT-X-DATERANGE tags hls.js parses from the media playlists (Hls.Events.LEVEL_UPDATED, details.dateRanges).
// stdin:  {"server": "http://127.0.0.1:PORT", "playbackUrl": "...", "expect": ["ID", ...], "ended": true|false, "timeoutMs": 60000}
//         ended: also wait until every expected range has its end (SCTE35-IN) in the same level's playlist.
// stdout: {"found": [IDs of `expect` seen], "dateRanges": [{"id", "class", "startDate", "duration", "plannedDuration",
//          "scte35Out", "scte35In", "isValid", "startTime", "level"}], "fatal": [hls.js errors]}
import { hlsPage, launchChromium, readJsonInput } from '../lib/browser.js';

const { server, playbackUrl, expect, ended = false, timeoutMs = 60_000 } = await readJsonInput();

const browser = await launchChromium();
try {
  const page = await hlsPage(browser, server);
  await page.evaluate((url) => {
    window.ranges = {};
    window.fatal = [];
    const video = document.createElement('video');
    video.muted = true;
    document.body.appendChild(video);
    const hls = new window.Hls({ lowLatencyMode: true });
    hls.on(window.Hls.Events.LEVEL_UPDATED, (_, data) => {
      for (const range of Object.values(data.details.dateRanges)) {
        window.ranges[range.id] = {
          id: range.id,
          class: range.class,
          startDate: range.startDate.toISOString(),
          duration: range.duration,
          plannedDuration: range.plannedDuration,
          scte35Out: range.attr['SCTE35-OUT'] ?? null,
          scte35In: range.attr['SCTE35-IN'] ?? null,
          isValid: range.isValid,
          startTime: range.startTime,
          level: data.level,
        };
      }
    });
    hls.on(window.Hls.Events.ERROR, (_, data) => { if (data.fatal) window.fatal.push(`${data.type}: ${data.details}`); });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => {});
  }, playbackUrl);

  const deadline = Date.now() + timeoutMs;
  let result;
  for (;;) {
    const { ranges, fatal } = await page.evaluate(() => ({ ranges: window.ranges, fatal: window.fatal }));
    const found = expect.filter((id) => ranges[id] && (!ended || ranges[id].scte35In));
    result = { found, dateRanges: Object.values(ranges), fatal };
    if (found.length === expect.length || fatal.length > 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write(JSON.stringify(result));
} finally {
  await browser.close();
}

// Plays an HLS URL with hls.js (the copy OpenIVS serves for its watch page) in Debian's Chromium and reports the
// timed-metadata (ID3) samples hls.js parses from the segments (Hls.Events.FRAG_PARSING_METADATA).
// stdin:  {"server": "http://127.0.0.1:PORT", "playbackUrl": "...", "expect": ["text", ...], "timeoutMs": 60000}
// stdout: {"found": [texts of `expect` seen in a sample], "samples": [{"type", "pts", "text"}], "fatal": [hls.js errors]}
import { hlsPage, launchChromium, readJsonInput } from '../lib/browser.js';

const { server, playbackUrl, expect, timeoutMs = 60_000 } = await readJsonInput();

const browser = await launchChromium();
try {
  const page = await hlsPage(browser, server);
  await page.evaluate((url) => {
    window.samples = [];
    window.fatal = [];
    const video = document.createElement('video');
    video.muted = true;
    document.body.appendChild(video);
    const hls = new window.Hls({ lowLatencyMode: true });
    hls.on(window.Hls.Events.FRAG_PARSING_METADATA, (_, data) => {
      for (const sample of data.samples) {
        // ID3 frames hold the text as Latin-1/UTF-8 bytes: searching the raw bytes as characters is enough.
        window.samples.push({ type: sample.type, pts: sample.pts, text: Array.from(sample.data, (b) => String.fromCharCode(b)).join('') });
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
    const { samples, fatal } = await page.evaluate(() => ({ samples: window.samples, fatal: window.fatal }));
    const found = expect.filter((text) => samples.some((sample) => sample.text.includes(text)));
    result = { found, samples: samples.slice(0, 50), fatal };
    if (found.length === expect.length || fatal.length > 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write(JSON.stringify(result));
} finally {
  await browser.close();
}

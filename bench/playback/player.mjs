// Glass-to-glass latency probe (part of bench/playback, not a test).
//
// usage: node player.mjs URL WARMUP_SECONDS MEASURE_SECONDS [hls.js config as JSON]
//
// Serves a page and hls.js (from node_modules, never a CDN) on a loopback port, opens it in the system's headless
// Chromium through playwright-core, and plays URL with hls.js in low-latency mode. On every displayed frame
// (requestVideoFrameCallback) the page draws the barcode strip at the top of the frame to a canvas and decodes the
// capture wall-clock time that the publisher painted there (see BARCODE in run.py: 24 blocks, bit k of
// epoch-milliseconds mod 2^24, a second row with the inverted bits as a check). Latency = the frame's expected
// display wall time - its capture wall time (the page side is barcode.mjs, shared with ivs-player.mjs). Prints one JSON
// object on stdout.
import http from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { barcodeScript, summarize } from "./barcode.mjs";

const [url, warmupArg, measureArg, configArg] = process.argv.slice(2);
if (!url) {
  console.error("usage: node player.mjs URL WARMUP_SECONDS MEASURE_SECONDS [hls.js config JSON]");
  process.exit(2);
}
const warmup = Number(warmupArg ?? 15);
const measure = Number(measureArg ?? 45);
const hlsConfig = { lowLatencyMode: true, ...(configArg ? JSON.parse(configArg) : {}) };

const require = createRequire(import.meta.url);
const hlsSource = readFileSync(require.resolve("hls.js/dist/hls.min.js"));
const hlsVersion = JSON.parse(readFileSync(require.resolve("hls.js/package.json"), "utf8")).version;

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>latency probe</title></head>
<body style="margin:0;background:#000">
<video id="v" muted playsinline autoplay style="width:640px"></video>
<script src="/hls.js"></script>
<script>
${barcodeScript}
const video = document.getElementById("v");
probe.hlsLatency = [];
const hls = new Hls(${JSON.stringify(hlsConfig)});
hls.on(Hls.Events.ERROR, (_, d) => { if (probe.errors.length < 50) probe.errors.push((d.fatal ? "FATAL " : "") + d.type + " " + d.details); });
hls.loadSource(${JSON.stringify(url)});
hls.attachMedia(video);
video.play().catch(e => probe.errors.push("play: " + e));
startBarcodeProbe(video);
setInterval(() => { if (hls.latency > 0) probe.hlsLatency.push([Date.now(), hls.latency, hls.targetLatency ?? 0]); }, 500);
</script></body></html>`;

const server = http.createServer((req, res) => {
  if (req.url === "/hls.js") {
    res.writeHead(200, { "content-type": "text/javascript" });
    res.end(hlsSource);
  } else {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(page);
  }
});
await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // the stream is on another origin (port); the bench must not depend on the origin's CORS headers
  args: ["--autoplay-policy=no-user-gesture-required", "--disable-web-security", "--mute-audio"],
});
let result;
try {
  const tab = await browser.newPage();
  const consoleErrors = [];
  tab.on("pageerror", e => consoleErrors.push(String(e)));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForTimeout(warmup * 1000);
  const from = Date.now();
  await tab.waitForTimeout(measure * 1000);
  const probe = await tab.evaluate(() => {
    const q = document.getElementById("v").getVideoPlaybackQuality();
    return { ...window.probe, dropped: q.droppedVideoFrames, total: q.totalVideoFrames };
  });
  const hl = probe.hlsLatency.filter(s => s[0] >= from);
  const mean = xs => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  result = {
    url, hlsVersion, hlsConfig, warmup, measure,
    undecodable: probe.bad, framesSeen: probe.frames, ...summarize(probe.samples, from, measure),
    hlsLatency: mean(hl.map(s => s[1])), hlsTargetLatency: mean(hl.map(s => s[2])),
    waiting: probe.waiting, dropped: probe.dropped, totalFrames: probe.total,
    errors: probe.errors.concat(consoleErrors).slice(0, 20),
  };
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));

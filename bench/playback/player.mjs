// Glass-to-glass latency probe (part of bench/playback, not a test).
//
// usage: node player.mjs URL WARMUP_SECONDS MEASURE_SECONDS [hls.js config as JSON]
//
// Serves a page and hls.js (from node_modules, never a CDN) on a loopback port, opens it in the system's headless
// Chromium through playwright-core, and plays URL with hls.js in low-latency mode. On every displayed frame
// (requestVideoFrameCallback) the page decodes the capture wall-clock time that the publisher painted into the frame
// (barcode.mjs: decoding and summary, shared with ivs-player.mjs and the browser tests). Latency = the frame's
// expected display wall time - its capture wall time. Prints one JSON object on stdout.
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
// {"page": URL}: open that page (OpenIVS's watch page) instead of ours and measure the video it plays
const watchPage = hlsConfig.page;

const require = createRequire(import.meta.url);
const hlsSource = readFileSync(require.resolve("hls.js/dist/hls.min.js"));
const hlsVersion = JSON.parse(readFileSync(require.resolve("hls.js/package.json"), "utf8")).version;

// The probe (barcode.mjs) reads the barcode of every frame the video element shows. It runs in our own page (hls.js
// with the given configuration) or, with a "page" config, is injected into a page that plays the stream itself
// (OpenIVS's watch page: its own catch-up code is then measured too; its latency to the live edge is read from its
// #latency element).
const probeScript = `
${barcodeScript}
startBarcodeProbe(document.getElementById("video") || document.getElementById("v"));
probe.hlsLatency = [];
setInterval(() => {
  if (window.hls && hls.latency > 0) probe.hlsLatency.push([Date.now(), hls.latency, hls.targetLatency ?? 0]);
  const shown = document.getElementById("latency")?.dataset.seconds;
  if (!window.hls && shown) probe.hlsLatency.push([Date.now(), Number(shown), 0]);
}, 500);`;

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>latency probe</title></head>
<body style="margin:0;background:#000">
<video id="v" muted playsinline autoplay style="width:640px"></video>
<script src="/hls.js"></script>
<script>
const video = document.getElementById("v");
window.hls = new Hls(${JSON.stringify(hlsConfig)});
${probeScript}
hls.on(Hls.Events.ERROR, (_, d) => { if (probe.errors.length < 50) probe.errors.push((d.fatal ? "FATAL " : "") + d.type + " " + d.details); });
hls.loadSource(${JSON.stringify(url)});
hls.attachMedia(video);
video.play().catch(e => probe.errors.push("play: " + e));
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
  if (watchPage) {
    await tab.addInitScript(() => { window.probeStarted = Date.now(); });
    await tab.goto(watchPage);
    await tab.waitForSelector("#video", { state: "attached" });
    await tab.evaluate(probeScript);
  } else {
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  }
  await tab.waitForTimeout(warmup * 1000);
  const from = Date.now();
  await tab.waitForTimeout(measure * 1000);
  const probe = await tab.evaluate(() => {
    const q = (document.getElementById("video") || document.getElementById("v")).getVideoPlaybackQuality();
    return { ...window.probe, dropped: q.droppedVideoFrames, total: q.totalVideoFrames };
  });
  const hl = probe.hlsLatency.filter(s => s[0] >= from);
  const mean = xs => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const first = probe.firstFrame;
  result = {
    url, hlsVersion, hlsConfig, warmup, measure,
    undecodable: probe.bad, framesSeen: probe.frames,
    // median, p95, extremes, first/last minute, slope (drift), and the start: the median of the first second shown
    ...summarize(probe.samples, from, measure, first),
    hlsLatency: mean(hl.map(s => s[1])), hlsTargetLatency: mean(hl.map(s => s[2])),
    startup: first === null ? null : first - probe.started,
    waiting: probe.waiting, stalls: probe.stalls, dropped: probe.dropped, totalFrames: probe.total,
    errors: probe.errors.concat(consoleErrors).slice(0, 20),
  };
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));

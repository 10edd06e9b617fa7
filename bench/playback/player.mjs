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
// PLAYER_TRACE=1: the start's timeline (ms since the page started): playlists, the start position, each part or
// segment loaded and buffered, the seek, the first frame; printed on stderr (what the server's start levers move)
window.trace = [];
if (${JSON.stringify(!!process.env.PLAYER_TRACE)}) {
  const t0 = performance.now(), at = () => Math.round(performance.now() - t0);
  const log = s => { if (trace.length < 80) trace.push(at() + " " + s); };
  const f3 = x => (typeof x === "number" ? x.toFixed(3) : String(x));
  hls.on(Hls.Events.LEVEL_LOADED, (_, d) => {
    const det = d.details, parts = det.partList || [];
    log("level " + (d.deliveryDirectives ? "msn=" + d.deliveryDirectives.msn + "." + d.deliveryDirectives.part : "plain") + " edge " + f3(det.edge) +
      " age " + f3(det.age) + " phb " + det.partHoldBack + " parts " + parts.slice(-8).map(p => p.fragment.sn + "." + p.index + (p.independent ? "I" : "") + "@" + f3(p.start)).join(" ") +
      " liveSync " + f3(hls.liveSyncPosition));
  });
  hls.on(Hls.Events.FRAG_LOADING, (_, d) => log("load " + (d.frag.sn === "initSegment" ? "init" : d.frag.sn + (d.part ? "." + d.part.index + (d.part.independent ? "I" : "") + " " + f3(d.part.start) + "-" + f3(d.part.end) : " seg " + f3(d.frag.start))) + " target " + f3(d.targetBufferTime) + " startPos " + f3(hls.startPosition)));
  hls.on(Hls.Events.FRAG_BUFFERED, (_, d) => { const b = video.buffered; log("buffered " + d.frag.sn + (d.part ? "." + d.part.index : "") + " [" + (b.length ? f3(b.start(0)) + "-" + f3(b.end(b.length - 1)) : "") + "] ct " + f3(video.currentTime)); });
  for (const e of ["seeking", "seeked", "canplay", "playing", "waiting"]) video.addEventListener(e, () => log(e + " ct " + f3(video.currentTime) + " hls.latency " + f3(hls.latency)));
  video.requestVideoFrameCallback(() => log("first frame ct " + f3(video.currentTime) + " hls.latency " + f3(hls.latency) + " target " + f3(hls.targetLatency)));
}
// PLAYER_START_DELAY=ms: load the stream that long after the page started (a warm page: Chromium is slower to show
// the first frame while the page is still setting up, and a stock hls.js keeps that delay as latency)
setTimeout(() => {
  hls.loadSource(${JSON.stringify(url)});
  hls.attachMedia(video);
  video.play().catch(e => probe.errors.push("play: " + e));
}, ${Number(process.env.PLAYER_START_DELAY ?? 0)});
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
    return { ...window.probe, dropped: q.droppedVideoFrames, total: q.totalVideoFrames, trace: window.trace || [] };
  });
  if (process.env.PLAYER_TRACE) console.error(probe.trace.map(line => "  trace " + line).join("\n"));
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

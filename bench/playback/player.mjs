// Glass-to-glass latency probe (part of bench/playback, not a test).
//
// usage: node player.mjs URL WARMUP_SECONDS MEASURE_SECONDS [hls.js config as JSON]
//
// Serves a page and hls.js (from node_modules, never a CDN) on a loopback port, opens it in the system's headless
// Chromium through playwright-core, and plays URL with hls.js in low-latency mode. On every displayed frame
// (requestVideoFrameCallback) the page draws the barcode strip at the top of the frame to a canvas and decodes the
// capture wall-clock time that the publisher painted there (see BARCODE in run.py: 24 blocks, bit k of
// epoch-milliseconds mod 2^24, a second row with the inverted bits as a check). Latency = the frame's expected
// display wall time - its capture wall time. Prints one JSON object on stdout.
import http from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

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
const BLOCK = Number(process.env.BARCODE_BLOCK ?? 40);
const BITS = Number(process.env.BARCODE_BITS ?? 24);

const require = createRequire(import.meta.url);
const hlsSource = readFileSync(require.resolve("hls.js/dist/hls.min.js"));
const hlsVersion = JSON.parse(readFileSync(require.resolve("hls.js/package.json"), "utf8")).version;

// The probe: reads the barcode of every frame the video element shows. Runs in our own page (hls.js with the given
// configuration) or, with a "page" config, injected into a page that plays the stream itself (OpenIVS's watch page:
// its own catch-up code is then measured too; its latency to the live edge is read from its #latency element).
const probeScript = `
(() => {
const BLOCK = ${BLOCK}, BITS = ${BITS}, PERIOD = 2 ** BITS;
const video = document.getElementById("video") || document.getElementById("v");
const canvas = document.createElement("canvas");
canvas.width = BITS * BLOCK; canvas.height = 2 * BLOCK;
const ctx = canvas.getContext("2d", { willReadFrequently: true });
window.probe = { samples: [], bad: 0, frames: 0, errors: [], waiting: 0, stalls: 0, firstFrame: null, hlsLatency: [], started: window.probeStarted || Date.now() };
// "waiting" before the first frame is the start; after it, a stall (the player ran out of media)
video.addEventListener("waiting", () => { probe.waiting++; if (probe.firstFrame !== null) probe.stalls++; });
// mean red value of a 6x6 patch at the centre of block (bit, row)
function dark(d, bit, row) {
  const cx = bit * BLOCK + (BLOCK >> 1), cy = row * BLOCK + (BLOCK >> 1), w = BITS * BLOCK;
  let sum = 0;
  for (let y = cy - 3; y < cy + 3; y++) for (let x = cx - 3; x < cx + 3; x++) sum += d[(y * w + x) * 4];
  return sum / 36 < 128;
}
function onFrame(now, meta) {
  probe.frames++;
  if (probe.firstFrame === null) probe.firstFrame = Date.now();
  const wallOffset = Date.now() - performance.now();
  ctx.drawImage(video, 0, 0, BITS * BLOCK, 2 * BLOCK, 0, 0, BITS * BLOCK, 2 * BLOCK);
  const d = ctx.getImageData(0, 0, BITS * BLOCK, 2 * BLOCK).data;
  let code = 0, ok = true;
  for (let k = 0; k < BITS && ok; k++) {
    const bit = dark(d, k, 0);
    ok = bit !== dark(d, k, 1);
    if (bit) code += 2 ** k;
  }
  if (ok) {
    const shown = wallOffset + meta.expectedDisplayTime;
    const latency = (((Math.round(shown) - code) % PERIOD) + PERIOD) % PERIOD;
    probe.samples.push([Date.now(), latency]);
  } else {
    probe.bad++;
  }
  video.requestVideoFrameCallback(onFrame);
}
video.requestVideoFrameCallback(onFrame);
setInterval(() => {
  if (window.hls && hls.latency > 0) probe.hlsLatency.push([Date.now(), hls.latency, hls.targetLatency ?? 0]);
  const shown = document.getElementById("latency")?.dataset.seconds;
  if (!window.hls && shown) probe.hlsLatency.push([Date.now(), Number(shown), 0]);
}, 500);
})();`;

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
    return { ...window.probe, dropped: q.droppedVideoFrames, total: q.totalVideoFrames, trace: window.trace || [] };
  });
  if (process.env.PLAYER_TRACE) console.error(probe.trace.map(line => "  trace " + line).join("\n"));
  const measured = probe.samples.filter(s => s[0] >= from);
  const lat = measured.map(s => s[1]).sort((a, b) => a - b);
  // drift: the median of the first and of the last minute of the measurement (of its first and last sixth when shorter)
  const span = Math.min(60_000, (measure * 1000) / 6);
  const medianOf = xs => { const v = xs.map(s => s[1]).sort((a, b) => a - b); return v.length ? v[Math.floor(v.length / 2)] : null; };
  const end = measured.length ? measured.at(-1)[0] : from;
  const pick = p => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
  const hl = probe.hlsLatency.filter(s => s[0] >= from);
  const mean = xs => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  // drift: least-squares slope of latency over wall time, seconds of latency per minute
  const slope = (() => {
    if (measured.length < 2) return null;
    const xs = measured.map(s => (s[0] - from) / 60_000), ys = measured.map(s => s[1] / 1000);
    const mx = mean(xs), my = mean(ys);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx : null;
  })();
  // the start: the median latency of the first second of frames shown, and how long the first frame took
  const first = probe.firstFrame;
  const startLatency = first === null ? null : medianOf(probe.samples.filter(s => s[0] < first + 1000));
  result = {
    url, hlsVersion, hlsConfig, warmup, measure,
    samples: lat.length, undecodable: probe.bad, framesSeen: probe.frames,
    median: pick(0.5), p95: pick(0.95),
    firstMinute: medianOf(measured.filter(s => s[0] < from + span)), lastMinute: medianOf(measured.filter(s => s[0] > end - span)), min: lat[0] ?? null, max: lat.at(-1) ?? null,
    hlsLatency: mean(hl.map(s => s[1])), hlsTargetLatency: mean(hl.map(s => s[2])),
    slope, startLatency, startup: first === null ? null : first - probe.started,
    waiting: probe.waiting, stalls: probe.stalls, dropped: probe.dropped, totalFrames: probe.total,
    errors: probe.errors.concat(consoleErrors).slice(0, 20),
  };
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));

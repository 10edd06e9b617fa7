// Glass-to-glass latency of the IVS web player (part of bench/playback, not a test).
//
// usage: IVS_PLAYER_DIR=DIR node ivs-player.mjs URL WARMUP_SECONDS MEASURE_SECONDS
//
// DIR holds node_modules/amazon-ivs-player and esbuild, installed at run time (`npm install --no-save amazon-ivs-player
// esbuild events util` by run.py; the player is under Amazon's proprietary licence and is never committed or bundled
// into OpenIVS). The npm package is CommonJS for a bundler, as an application embeds it: esbuild bundles it for the
// page in memory (events and util are the Node modules it requires). Serves a page, the player and its wasm worker
// from that copy on a loopback port (the worker and binary by absolute URL, as `create({ wasmWorker, wasmBinary })`
// needs), opens it in the system's headless Chromium through playwright-core and plays URL as an IVS application
// does (create, attach, load, play; nothing else configured). Latency from the barcode as in player.mjs (barcode.mjs),
// beside the player's own getLiveLatency(). Stalls: the player's REBUFFERING events, the video's `waiting` events and
// the longest gap between decodable frames. Prints one JSON object on stdout. IVS_PLAYER_LOG=1: every request the
// page and its workers make, and the player's console, on stderr (what the player asks of a server).
import http from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { barcodeScript, summarize } from "./barcode.mjs";

const [url, warmupArg, measureArg] = process.argv.slice(2);
const dir = process.env.IVS_PLAYER_DIR;
if (!url || !dir) {
  console.error("usage: IVS_PLAYER_DIR=DIR node ivs-player.mjs URL WARMUP_SECONDS MEASURE_SECONDS");
  process.exit(2);
}
const warmup = Number(warmupArg ?? 15);
const measure = Number(measureArg ?? 45);
const log = process.env.IVS_PLAYER_LOG === "1";
const packageDir = join(dir, "node_modules", "amazon-ivs-player");
const version = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;
const esbuild = await import(pathToFileURL(join(dir, "node_modules", "esbuild", "lib", "main.js")).href);
const bundle = await esbuild.build({
  stdin: { contents: 'window.IVSPlayer = require("amazon-ivs-player");', resolveDir: dir },
  bundle: true, format: "iife", minify: true, write: false, logLevel: "error",
});
const files = {
  "/ivs/player.js": ["text/javascript", bundle.outputFiles[0].contents],
  "/ivs/amazon-ivs-wasmworker.min.js": ["text/javascript", readFileSync(join(packageDir, "dist", "assets", "amazon-ivs-wasmworker.min.js"))],
  "/ivs/amazon-ivs-wasmworker.min.wasm": ["application/wasm", readFileSync(join(packageDir, "dist", "assets", "amazon-ivs-wasmworker.min.wasm"))],
};

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>IVS player latency probe</title></head>
<body style="margin:0;background:#000">
<video id="v" muted playsinline autoplay style="width:640px"></video>
<script src="/ivs/player.js"></script>
<script>
${barcodeScript}
const video = document.getElementById("v");
probe.rebuffering = 0;
probe.states = [];
probe.latency = [];
const base = location.origin + "/ivs/";
const player = IVSPlayer.create({ wasmWorker: base + "amazon-ivs-wasmworker.min.js", wasmBinary: base + "amazon-ivs-wasmworker.min.wasm"${log ? ', logLevel: "debug"' : ""} });
window.player = player;
for (const state of Object.values(IVSPlayer.PlayerState)) player.addEventListener(state, () => probe.states.push([Date.now(), state]));
player.addEventListener(IVSPlayer.PlayerEventType.REBUFFERING, () => probe.rebuffering++);
probe.cues = [];
player.addEventListener(IVSPlayer.PlayerEventType.TEXT_METADATA_CUE, c => { if (probe.cues.length < 50) probe.cues.push(c.text); });
player.addEventListener(IVSPlayer.PlayerEventType.ERROR, e => { if (probe.errors.length < 50) probe.errors.push(JSON.stringify(e)); });
player.attachHTMLVideoElement(video);
player.setMuted(true);
player.setAutoplay(true);
player.load(${JSON.stringify(url)});
player.play();
startBarcodeProbe(video);
setInterval(() => probe.latency.push([Date.now(), player.getLiveLatency(), player.getBufferDuration(), player.isLiveLowLatency()]), 500);
</script></body></html>`;

const server = http.createServer((req, res) => {
  const file = files[req.url];
  if (file) {
    res.writeHead(200, { "content-type": file[0] });
    res.end(file[1]);
  } else {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(page);
  }
});
await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--autoplay-policy=no-user-gesture-required", "--disable-web-security", "--mute-audio", "--no-sandbox"],
});
let result;
try {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const consoleErrors = [];
  const t0 = Date.now();
  const stamp = () => ((Date.now() - t0) / 1000).toFixed(2);
  tab.on("pageerror", e => { consoleErrors.push(String(e)); if (log) console.error(`${stamp()} pageerror ${e}`); });
  tab.on("console", m => {
    if (m.type() === "error" && consoleErrors.length < 50) consoleErrors.push(m.text());
    if (log) console.error(`${stamp()} console.${m.type()} ${m.text()}`);
  });
  if (log) {
    // requests of the page and of its workers (the player fetches from its wasm worker)
    const watch = target => {
      target.on("request", r => console.error(`${stamp()} -> ${r.method()} ${r.url()}`));
      target.on("requestfinished", async r => {
        const resp = await r.response().catch(() => null);
        console.error(`${stamp()} <- ${resp?.status() ?? "?"} ${r.url()} ${(await r.sizes().catch(() => null))?.responseBodySize ?? ""}`);
      });
      target.on("requestfailed", r => console.error(`${stamp()} xx ${r.url()} ${r.failure()?.errorText}`));
    };
    watch(context);
  }
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForTimeout(warmup * 1000);
  const from = Date.now();
  await tab.waitForTimeout(measure * 1000);
  const probe = await tab.evaluate(() => {
    const q = document.getElementById("v").getVideoPlaybackQuality();
    return { ...window.probe, dropped: q.droppedVideoFrames, total: q.totalVideoFrames, state: window.player?.getState() ?? null };
  });
  const pl = probe.latency.filter(s => s[0] >= from);
  const mean = xs => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  result = {
    url, player: "amazon-ivs-player", version, warmup, measure,
    undecodable: probe.bad, framesSeen: probe.frames,
    ...summarize(probe.samples, from, measure, probe.firstFrame),
    playerLatency: mean(pl.map(s => s[1])), playerLatencyRaw: pl.slice(-3).map(s => s[1]), buffer: mean(pl.map(s => s[2])), lowLatency: pl.at(-1)?.[3] ?? null,
    rebuffering: probe.rebuffering, waiting: probe.waiting, dropped: probe.dropped, totalFrames: probe.total,
    // every 5 s since the page loaded: median latency (barcode, s) and the player's buffer (s), to see how playback started
    series: series(probe),
    cues: probe.cues.length, cueTexts: probe.cues.slice(0, 3), state: probe.state, states: probe.states.map(([t, s]) => `${((t - probe.started) / 1000).toFixed(1)}:${s}`).slice(-20),
    errors: probe.errors.concat(consoleErrors).slice(0, 20),
  };
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(result));

function series(probe) {
  const out = [];
  for (let t = probe.started; t < Date.now(); t += 5000) {
    const lat = probe.samples.filter(x => x[0] >= t && x[0] < t + 5000).map(x => x[1]).sort((a, b) => a - b);
    const buf = probe.latency.filter(x => x[0] >= t && x[0] < t + 5000).map(x => x[2]);
    out.push(`${lat.length ? (lat[lat.length >> 1] / 1000).toFixed(1) : "-"}/${buf.length ? buf.at(-1).toFixed(1) : "-"}`);
  }
  return out.join(" ");
}

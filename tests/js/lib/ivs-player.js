// The IVS web player (npm `amazon-ivs-player`) for browser tests. It is under Amazon's proprietary licence, so it is
// never committed or bundled into OpenIVS: each run installs it from npm (`npm install --no-save`) into the gitignored
// tests/js/.ivs-player, with esbuild to bundle its CommonJS for the page as an application's build would (events and
// util are the Node modules it requires). A failed install throws: the test fails, it never skips.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
// the glass-to-glass barcode (one implementation, shared with bench/playback)
import { barcodeFilter, barcodePageScript } from '../../../bench/playback/barcode.mjs';

export const IVS_PLAYER_VERSION = '1.56.1';
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.ivs-player');
const BARCODE_BLOCK = 20; // 24 blocks of 20 px fit a 640x360 picture

/** ffmpeg output arguments that paint the capture wall-clock time into a 30 fps picture (the page decodes it). */
export function barcodeArgs(dir) {
  const script = join(dir, 'barcode.filter');
  writeFileSync(script, barcodeFilter(30, BARCODE_BLOCK));
  return ['-filter_script:v', script];
}

function installedVersion() {
  const manifest = join(DIR, 'node_modules', 'amazon-ivs-player', 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : null;
}

/** Installs the player (when a different version or nothing is there) and bundles it; returns the files to serve. */
export async function installIvsPlayer() {
  if (installedVersion() !== IVS_PLAYER_VERSION || !existsSync(join(DIR, 'node_modules', 'esbuild'))) {
    mkdirSync(DIR, { recursive: true });
    if (!existsSync(join(DIR, 'package.json'))) writeFileSync(join(DIR, 'package.json'), '{"private": true}\n');
    await promisify(execFile)('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error',
      `amazon-ivs-player@${IVS_PLAYER_VERSION}`, 'esbuild', 'events', 'util'], { cwd: DIR, timeout: 300_000 });
  }
  const esbuild = await import(pathToFileURL(join(DIR, 'node_modules', 'esbuild', 'lib', 'main.js')).href);
  const bundle = await esbuild.build({
    stdin: { contents: 'window.IVSPlayer = require("amazon-ivs-player");', resolveDir: DIR },
    bundle: true, format: 'iife', write: false, logLevel: 'error',
  });
  const assets = join(DIR, 'node_modules', 'amazon-ivs-player', 'dist', 'assets');
  return {
    '/player.js': ['text/javascript', bundle.outputFiles[0].contents],
    '/amazon-ivs-wasmworker.min.js': ['text/javascript', readFileSync(join(assets, 'amazon-ivs-wasmworker.min.js'))],
    '/amazon-ivs-wasmworker.min.wasm': ['application/wasm', readFileSync(join(assets, 'amazon-ivs-wasmworker.min.wasm'))],
  };
}

/**
 * Serves a page with the player on a loopback port of its own (another origin than OpenIVS, as an application's
 * page is). `/?src=URL` plays URL as an IVS application does: create (the wasm worker and binary by absolute URL),
 * attach, load, play, nothing else configured. The page records the player's states, errors and rebuffering events,
 * and every displayed frame, in window.ivs, and the glass-to-glass latency of every frame (the barcode of
 * barcodeArgs) in window.probe.samples as [wall ms, latency ms].
 */
export async function serveIvsPlayerPage(files) {
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>IVS player</title></head><body>
<video id="video" muted playsinline></video>
<script src="/player.js"></script>
<script>
${barcodePageScript(BARCODE_BLOCK)}
window.ivs = { states: [], errors: [], rebuffering: 0, frames: 0, lastFrameAt: 0, playingAt: 0 };
const video = document.getElementById('video');
const player = IVSPlayer.create({ wasmWorker: location.origin + '/amazon-ivs-wasmworker.min.js', wasmBinary: location.origin + '/amazon-ivs-wasmworker.min.wasm' });
window.player = player;
for (const state of Object.values(IVSPlayer.PlayerState)) {
  player.addEventListener(state, () => {
    ivs.states.push(state);
    if (state === IVSPlayer.PlayerState.PLAYING && !ivs.playingAt) ivs.playingAt = Date.now();
  });
}
player.addEventListener(IVSPlayer.PlayerEventType.ERROR, (e) => ivs.errors.push(JSON.stringify(e)));
player.addEventListener(IVSPlayer.PlayerEventType.REBUFFERING, () => ivs.rebuffering++);
const onFrame = () => { ivs.frames++; ivs.lastFrameAt = Date.now(); video.requestVideoFrameCallback(onFrame); };
video.requestVideoFrameCallback(onFrame);
player.attachHTMLVideoElement(video);
player.setMuted(true);
player.setAutoplay(true);
player.load(new URLSearchParams(location.search).get('src'));
startBarcodeProbe(video);
player.play();
</script></body></html>`;
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url, 'http://x').pathname];
    res.writeHead(200, { 'content-type': file ? file[0] : 'text/html' });
    res.end(file ? file[1] : page);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (src) => `http://127.0.0.1:${server.address().port}/?src=${encodeURIComponent(src)}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

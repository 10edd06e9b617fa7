// The glass-to-glass measurement, the one implementation used by player.mjs (hls.js and the watch page),
// ivs-player.mjs (the IVS web player), run.py (the publisher's filter, through `node barcode.mjs filter FPS`) and the
// browser tests (tests/js/lib/ivs-player.js): the publisher paints the capture wall-clock time as a barcode (BITS
// blocks, bit k of epoch-milliseconds mod 2^BITS, a second row with the inverted bits as a check), the page decodes
// it on every displayed frame (requestVideoFrameCallback), and the samples are summarized here.
import { fileURLToPath } from "node:url";

export const BLOCK = Number(process.env.BARCODE_BLOCK ?? 40);
export const BITS = Number(process.env.BARCODE_BITS ?? 24);

/**
 * ffmpeg video filter painting the barcode into frames of `fps`: stamps each frame with the wall clock when it is
 * read (after `-re` paced it), paints the blocks, then restores regular timestamps. Pass it with -filter_script:v
 * (it is long).
 */
export function barcodeFilter(fps, block = BLOCK, bits = BITS) {
  const f = ['settb=1/1000000', 'setpts=RTCTIME', `drawbox=x=0:y=0:w=${bits * block}:h=${2 * block}:color=white:t=fill`];
  for (let k = 0; k < bits; k++) {
    const bit = `mod(floor(t*1000/${2 ** k}),2)`;
    f.push(`drawbox=x=${k * block}:y=0:w=${block}:h=${block}:color=black:t=fill:enable='eq(${bit},1)'`);
    f.push(`drawbox=x=${k * block}:y=${block}:w=${block}:h=${block}:color=black:t=fill:enable='eq(${bit},0)'`);
  }
  f.push(`setpts=N/(${fps}*TB)`);
  return f.join(',');
}

/**
 * Page script (statements; also fine for Playwright's evaluate in a page that plays the stream itself): defines
 * window.probe and window.startBarcodeProbe(video), which pushes [wall ms, latency ms] into probe.samples for every
 * frame the video shows, counts undecodable frames (bad), `waiting` events, and stalls (`waiting` after the first
 * frame; before it, the start). probe.started is window.probeStarted when an init script set it (page load).
 */
export const barcodeScript = barcodePageScript();

export function barcodePageScript(block = BLOCK, bits = BITS) {
  return `
window.probe = { samples: [], bad: 0, frames: 0, errors: [], waiting: 0, stalls: 0, firstFrame: null, started: window.probeStarted || Date.now() };
window.startBarcodeProbe = (() => {
  const BLOCK = ${block}, BITS = ${bits}, PERIOD = 2 ** BITS;
  // mean red value of a 6x6 patch at the centre of block (bit, row)
  function dark(d, bit, row) {
    const cx = bit * BLOCK + (BLOCK >> 1), cy = row * BLOCK + (BLOCK >> 1), w = BITS * BLOCK;
    let sum = 0;
    for (let y = cy - 3; y < cy + 3; y++) for (let x = cx - 3; x < cx + 3; x++) sum += d[(y * w + x) * 4];
    return sum / 36 < 128;
  }
  return video => {
    const canvas = document.createElement("canvas");
    canvas.width = BITS * BLOCK;
    canvas.height = 2 * BLOCK;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    video.addEventListener("waiting", () => { probe.waiting++; if (probe.firstFrame !== null) probe.stalls++; });
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
        probe.samples.push([Date.now(), (((Math.round(shown) - code) % PERIOD) + PERIOD) % PERIOD]);
      } else {
        probe.bad++;
      }
      video.requestVideoFrameCallback(onFrame);
    }
    video.requestVideoFrameCallback(onFrame);
  };
})();
`;
}

/**
 * Of the samples taken from `from` on: median, p95, extremes, drift (medians of the first and the last minute, or
 * sixth when shorter, and the least-squares slope in seconds of latency per minute), the longest time without a
 * decodable frame; with `firstFrame` (probe.firstFrame), the median latency of the first second of frames shown.
 */
export function summarize(samples, from, measureSeconds, firstFrame = null) {
  const measured = samples.filter(s => s[0] >= from);
  const lat = measured.map(s => s[1]).sort((a, b) => a - b);
  const span = Math.min(60_000, (measureSeconds * 1000) / 6);
  const medianOf = xs => { const v = xs.map(s => s[1]).sort((a, b) => a - b); return v.length ? v[Math.floor(v.length / 2)] : null; };
  const end = measured.length ? measured.at(-1)[0] : from;
  const pick = p => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
  // the longest time without a decodable frame: a stall shows here even when the player never reports one
  let longestGap = 0;
  for (let i = 1; i < measured.length; i++) longestGap = Math.max(longestGap, measured[i][0] - measured[i - 1][0]);
  if (measured.length) longestGap = Math.max(longestGap, measured[0][0] - from, from + measureSeconds * 1000 - end);
  return {
    samples: lat.length, median: pick(0.5), p95: pick(0.95),
    firstMinute: medianOf(measured.filter(s => s[0] < from + span)), lastMinute: medianOf(measured.filter(s => s[0] > end - span)),
    min: lat[0] ?? null, max: lat.at(-1) ?? null, longestGap: measured.length ? longestGap : measureSeconds * 1000,
    slope: slope(measured, from),
    startLatency: firstFrame === null ? null : medianOf(samples.filter(s => s[0] < firstFrame + 1000)),
  };
}

/** Least-squares slope of latency over wall time, seconds of latency per minute (null with fewer than 2 samples). */
function slope(measured, from) {
  if (measured.length < 2) return null;
  const mean = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
  const xs = measured.map(s => (s[0] - from) / 60_000), ys = measured.map(s => s[1] / 1000);
  const mx = mean(xs), my = mean(ys);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / sxx : null;
}

// `node barcode.mjs filter FPS`: prints the publisher's filter (run.py paints the same barcode as the tests)
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "filter") {
  process.stdout.write(barcodeFilter(Number(process.argv[3] ?? 30)));
}

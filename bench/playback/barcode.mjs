// The glass-to-glass measurement, shared by player.mjs (hls.js), ivs-player.mjs (the IVS web player) and the browser
// tests (tests/js/test/ivs-player.test.js): the publisher paints the capture wall-clock time as a barcode (BITS
// blocks, bit k of epoch-milliseconds mod 2^BITS, a second row with the inverted bits as a check; run.py builds the
// same filter in Python), the page decodes it on every displayed frame (requestVideoFrameCallback), and the samples
// are summarized here.

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

/** Page script: `startBarcodeProbe(video)` pushes [wall ms, latency ms] into window.probe.samples for every frame. */
export const barcodeScript = barcodePageScript();

export function barcodePageScript(block = BLOCK, bits = BITS) {
  return `
const BLOCK = ${block}, BITS = ${bits}, PERIOD = 2 ** BITS;
window.probe = { samples: [], bad: 0, frames: 0, errors: [], waiting: 0, started: Date.now() };
function startBarcodeProbe(video) {
  const canvas = document.createElement("canvas");
  canvas.width = BITS * BLOCK;
  canvas.height = 2 * BLOCK;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  video.addEventListener("waiting", () => probe.waiting++);
  // mean red value of a 6x6 patch at the centre of block (bit, row)
  function dark(d, bit, row) {
    const cx = bit * BLOCK + (BLOCK >> 1), cy = row * BLOCK + (BLOCK >> 1), w = BITS * BLOCK;
    let sum = 0;
    for (let y = cy - 3; y < cy + 3; y++) for (let x = cx - 3; x < cx + 3; x++) sum += d[(y * w + x) * 4];
    return sum / 36 < 128;
  }
  function onFrame(now, meta) {
    probe.frames++;
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
}
`;
}

/**
 * Median, p95, extremes and drift (medians of the first and the last minute, or sixth when shorter) of the samples
 * taken from `from` on.
 */
export function summarize(samples, from, measureSeconds) {
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
  };
}

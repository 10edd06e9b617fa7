// LL-HLS fan-out load generator (part of bench/playback, not a test).
//
// usage: node viewers.mjs MULTIVARIANT_URL[,URL...] VIEWERS RAMP_SECONDS WARMUP_SECONDS MEASURE_SECONDS [WORKERS] [EDGE_URL]
//
// Several comma-separated URLs (the same channel on several nodes, bench/cluster) spread the viewers over them in
// turn; the live edge is read from EDGE_URL (bench/cluster: the node holding the stream, not a relay or a cache
// that would add its own delay to the reading), by default from the first.
// Each simulated viewer does what an LL-HLS client (hls.js in low-latency mode) does: GET the multivariant
// playlist, GET the first variant's media playlist, fetch the init segment (EXT-X-MAP) once and the newest part,
// then loop on blocking playlist reloads (_HLS_msn/_HLS_part naming the part after the newest one it has seen,
// plus _HLS_skip=YES when the server advertises CAN-SKIP-UNTIL) and fetches every part it has not fetched yet, in
// order, while the next reload is already waiting (two keep-alive connections per viewer, as a browser would use).
// Viewers start evenly over RAMP seconds, run WARMUP seconds, then MEASURE seconds are counted. At the end every
// viewer's newest fetched part is compared with the live edge of a playlist fetched at the same instant.
// WORKERS processes (default 2) share the viewers. Prints one JSON object on stdout, with the errors counted by
// stage and kind ("multivariant 504", "reload timeout", "part closed ECONNRESET": a viewer whose multivariant or
// first media playlist request fails never starts, as a player that gave up) and how long each viewer's start took
// (multivariant answer, first media playlist answer, first part in hand: startMs).
import http from "node:http";
import net from "node:net";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);

function get(agent, url, wantText) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, res => {
      let bytes = 0;
      const chunks = wantText ? [] : null;
      res.on("data", chunk => {
        bytes += chunk.length;
        if (chunks) chunks.push(chunk);
      });
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`${res.statusCode} ${url}`));
        else resolve({ bytes, text: chunks ? Buffer.concat(chunks).toString("utf8") : null });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(15000, () => req.destroy(new Error(`timeout ${url}`)));
  });
}

const CRLFCRLF = Buffer.from("\r\n\r\n");
const TIMEOUT_MS = 15000;

/** An error with a short kind for the report: the HTTP status, "timeout" or "closed" (with the socket's error code). */
function failure(kind, message) {
  const e = new Error(message);
  e.kind = kind;
  return e;
}

/**
 * A minimal HTTP/1.1 keep-alive connection, one request at a time, for responses with Content-Length (what an
 * HLS origin sends). Node's http client costs several times more CPU per request, and the load generator shares
 * the machine with the server it measures.
 */
class Connection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = null;
    this.pending = null;
  }

  open() {
    const socket = net.connect(this.port, this.host);
    socket.setNoDelay(true);
    let code = null;
    socket.on("data", chunk => { if (this.socket === socket) this.onData(chunk); });
    socket.on("error", e => { code = e.code ?? e.message; });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.fail(failure(code ? `closed ${code}` : "closed", "connection closed"));
    });
    this.socket = socket;
  }

  request(path, wantText) {
    if (!this.socket) this.open();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, wantText, head: null, status: 0, remaining: -1, bytes: 0, chunks: wantText ? [] : null, path };
      this.timer = setTimeout(() => this.abandon(failure("timeout", `timeout ${path}`)), TIMEOUT_MS);
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n\r\n`);
    });
  }

  /** Gives up on the request in flight (its answer would come on this connection): fails it, then closes. */
  abandon(error) {
    const socket = this.socket;
    this.socket = null;
    this.fail(error);
    socket?.destroy();
  }

  onData(chunk) {
    const p = this.pending;
    if (!p) return;
    if (p.remaining < 0) {
      p.head = p.head ? Buffer.concat([p.head, chunk]) : chunk;
      const end = p.head.indexOf(CRLFCRLF);
      if (end < 0) return;
      const head = p.head.toString("latin1", 0, end);
      p.status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!m) { this.abandon(failure(`${p.status} without content-length`, `no content-length: ${p.path}`)); return; }
      p.remaining = Number(m[1]);
      chunk = p.head.subarray(end + 4);
      p.head = null;
    }
    p.bytes += chunk.length;
    p.remaining -= chunk.length;
    if (p.chunks && chunk.length) p.chunks.push(chunk);
    if (p.remaining <= 0) {
      clearTimeout(this.timer);
      this.pending = null;
      if (p.status !== 200) p.reject(failure(String(p.status), `${p.status} ${p.path}`));
      else p.resolve({ bytes: p.bytes, text: p.chunks ? Buffer.concat(p.chunks).toString("utf8") : null });
    }
  }

  fail(e) {
    clearTimeout(this.timer);
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  close() {
    this.socket?.destroy();
  }
}

/**
 * Parses a media playlist into its parts ({msn, idx, uri, end}), init URI and the (msn, part) of the next part. `end`
 * is the wall-clock time (ms) at which the part's media ends: its segment's EXT-X-PROGRAM-DATE-TIME plus the
 * durations of the parts up to it (null without a date).
 */
export function parseMediaPlaylist(text) {
  let msn = 0, idx = 0, init = null, canSkip = false, endList = false, segmentNext = false, date = null, offset = 0;
  const parts = [];
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    if (line.charCodeAt(0) !== 35 /* # */) {
      if (segmentNext) { msn++; idx = 0; segmentNext = false; date = null; }
      continue;
    }
    if (line.startsWith("#EXT-X-PART:")) {
      const m = /URI="([^"]+)"/.exec(line);
      offset += 1000 * Number(/DURATION=([\d.]+)/.exec(line)?.[1] ?? 0);
      if (m) parts.push({ msn, idx: idx++, uri: m[1], end: date === null ? null : date + offset });
    } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      date = Date.parse(line.slice(25));
      offset = 0;
    } else if (line.startsWith("#EXTINF:")) {
      segmentNext = true;
    } else if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
      msn = Number(line.slice(22));
    } else if (line.startsWith("#EXT-X-SKIP:")) {
      msn += Number(/SKIPPED-SEGMENTS=(\d+)/.exec(line)[1]);
    } else if (line.startsWith("#EXT-X-MAP:")) {
      init = /URI="([^"]+)"/.exec(line)[1];
    } else if (line.startsWith("#EXT-X-SERVER-CONTROL:")) {
      canSkip = line.includes("CAN-SKIP-UNTIL");
    } else if (line.startsWith("#EXT-X-ENDLIST")) {
      endList = true;
    }
  }
  return { parts, init, canSkip, endList, nextMsn: msn, nextPart: idx };
}

const after = (a, b) => a.msn > b.msn || (a.msn === b.msn && a.idx > b.idx);

class Viewer {
  constructor(stats, endAt) {
    this.stats = stats;
    this.endAt = endAt;
    this.playlists = null; // connection for playlists (a blocking reload waits there)
    this.media = null; // connection for init and parts
    this.last = null; // newest part whose fetch completed
    this.queued = null; // newest part queued for fetching
    this.chain = Promise.resolve();
    this.errors = 0;
    this.parts = 0;
    this.startedAt = 0;
    this.hadPart = false;
  }

  async fetch(url, text, connection) {
    const r = await connection.request(url.pathname + url.search, text);
    this.stats.requests++;
    this.stats.bytes += r.bytes;
    return r;
  }

  /** Counts a failed request by stage (multivariant, playlist, init, part, reload) and kind (status, timeout, closed). */
  failed(stage, e) {
    this.errors++;
    const key = `${stage} ${e?.kind ?? "error"}`;
    this.stats.errorKinds[key] = (this.stats.errorKinds[key] ?? 0) + 1;
  }

  queueParts(base, list) {
    for (const part of list) {
      if (this.queued && !after(part, this.queued)) continue;
      this.queued = part;
      this.chain = this.chain.then(async () => {
        if (Date.now() >= this.endAt) return;
        const t0 = Date.now();
        await this.fetch(new URL(part.uri, base), false, this.media);
        this.stats.partTimes.push(Date.now() - t0);
        if (part.end !== null) this.stats.partLatencies.push(Date.now() - part.end);
        if (!this.hadPart) { this.hadPart = true; this.stats.start.firstPart.push(Date.now() - this.startedAt); }
        if (Date.now() <= this.endAt) { this.last = part; this.parts++; }
      }).catch(e => this.failed("part", e));
    }
  }

  async run(multivariantUrl) {
    const { hostname, port } = new URL(multivariantUrl);
    this.playlists = new Connection(hostname, Number(port || 80));
    this.media = new Connection(hostname, Number(port || 80));
    this.startedAt = Date.now();
    let stage = "multivariant";
    try {
      const mv = await this.fetch(new URL(multivariantUrl), true, this.playlists);
      this.stats.start.multivariant.push(Date.now() - this.startedAt);
      const variant = mv.text.split("\n").find(l => l && !l.startsWith("#"));
      const mediaUrl = new URL(variant.trim(), multivariantUrl);
      stage = "playlist";
      const t0 = Date.now();
      let pl = parseMediaPlaylist((await this.fetch(mediaUrl, true, this.playlists)).text);
      this.stats.start.playlist.push(Date.now() - t0);
      stage = "init";
      if (pl.init) await this.fetch(new URL(pl.init, mediaUrl), false, this.media);
      stage = "reload";
      this.queueParts(mediaUrl, pl.parts.slice(-1));
      while (Date.now() < this.endAt && !pl.endList) {
        const next = new URL(mediaUrl);
        next.searchParams.set("_HLS_msn", String(pl.nextMsn));
        next.searchParams.set("_HLS_part", String(pl.nextPart));
        if (pl.canSkip) next.searchParams.set("_HLS_skip", "YES");
        try {
          pl = parseMediaPlaylist((await this.fetch(next, true, this.playlists)).text);
          this.queueParts(mediaUrl, pl.parts);
        } catch (e) {
          this.failed("reload", e);
          await new Promise(r => setTimeout(r, 200));
        }
      }
    } catch (e) {
      this.failed(stage, e);
    }
  }
}

async function worker(urlList, count, ramp, warmup, measure, startAt) {
  const urls = urlList.split(",");
  const measureFrom = startAt + (ramp + warmup) * 1000;
  const endAt = measureFrom + measure * 1000;
  const stats = { requests: 0, bytes: 0, partTimes: [], partLatencies: [], errorKinds: {},
    start: { multivariant: [], playlist: [], firstPart: [] } };
  const viewers = [];
  let atMeasure = null;
  const runs = [];
  for (let i = 0; i < count; i++) {
    const v = new Viewer(stats, endAt);
    viewers.push(v);
    const delay = Math.max(0, startAt + (ramp * 1000 * i) / count - Date.now());
    runs.push(new Promise(r => setTimeout(r, delay)).then(() => v.run(urls[i % urls.length])));
  }
  setTimeout(() => { atMeasure = { requests: stats.requests, bytes: stats.bytes }; stats.partTimes = []; stats.partLatencies = []; }, measureFrom - Date.now());
  await new Promise(r => setTimeout(r, endAt - Date.now()));
  const result = {
    requests: stats.requests - atMeasure.requests,
    bytes: stats.bytes - atMeasure.bytes,
    partTimes: stats.partTimes,
    partLatencies: stats.partLatencies,
    errorKinds: stats.errorKinds,
    start: stats.start,
    viewers: viewers.map(v => ({ last: v.last, errors: v.errors, parts: v.parts })),
  };
  // exit only once the (large) report has gone through the IPC channel
  await new Promise(resolve => process.send(result, resolve));
  await Promise.race([Promise.allSettled(runs), new Promise(r => setTimeout(r, 3000))]);
  for (const v of viewers) { v.playlists?.close(); v.media?.close(); }
  process.disconnect();
  process.exit(0);
}

async function main() {
  const [urlList, n, rampArg, warmupArg, measureArg, workersArg, edgeArg] = process.argv.slice(2);
  if (!urlList || !n) {
    console.error("usage: node viewers.mjs MULTIVARIANT_URL[,URL...] VIEWERS RAMP WARMUP MEASURE [WORKERS] [EDGE_URL]");
    process.exit(2);
  }
  const viewers = Number(n), ramp = Number(rampArg ?? 5), warmup = Number(warmupArg ?? 10), measure = Number(measureArg ?? 20);
  const workers = Math.max(1, Math.min(Number(workersArg ?? 2), viewers));
  const startAt = Date.now() + 500;
  const endAt = startAt + (ramp + warmup + measure) * 1000;
  const results = [];
  const done = [];
  for (let w = 0; w < workers; w++) {
    const share = Math.floor(viewers / workers) + (w < viewers % workers ? 1 : 0);
    const child = fork(self, ["--worker", urlList, String(share), String(ramp), String(warmup), String(measure), String(startAt)]);
    done.push(new Promise((resolve, reject) => {
      child.on("message", m => { results.push(m); resolve(); });
      child.on("exit", code => reject(new Error(`load-generator worker ${w} exited (${code}) before reporting`)));
    }));
  }
  // the live edge at the instant the viewers stop counting
  await new Promise(r => setTimeout(r, endAt - Date.now()));
  const t0 = Date.now();
  const agent = new http.Agent({ keepAlive: false });
  const url = edgeArg || urlList.split(",")[0];
  const mv = await get(agent, url, true);
  const mediaUrl = new URL(mv.text.split("\n").find(l => l && !l.startsWith("#")).trim(), url);
  const edge = parseMediaPlaylist((await get(agent, mediaUrl, true)).text);
  const edgeFetchMs = Date.now() - t0;
  await Promise.all(done);

  const ordinal = new Map(edge.parts.map((p, i) => [`${p.msn}/${p.idx}`, i]));
  const newest = edge.parts.length - 1;
  const lags = [];
  let notListed = 0, errors = 0, never = 0;
  const partTimes = [], partLatencies = [];
  const errorKinds = {};
  const start = { multivariant: [], playlist: [], firstPart: [] };
  let requests = 0, bytes = 0;
  for (const r of results) {
    requests += r.requests;
    bytes += r.bytes;
    for (const t of r.partTimes) partTimes.push(t);
    for (const t of r.partLatencies) partLatencies.push(t);
    for (const [k, n] of Object.entries(r.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
    for (const k of Object.keys(start)) for (const t of r.start[k]) start[k].push(t);
    for (const v of r.viewers) {
      errors += v.errors;
      if (!v.last) { never++; continue; }
      const i = ordinal.get(`${v.last.msn}/${v.last.idx}`);
      if (i === undefined) notListed++;
      else lags.push(newest - i);
    }
  }
  lags.sort((a, b) => a - b);
  partTimes.sort((a, b) => a - b);
  partLatencies.sort((a, b) => a - b);
  const q = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : null);
  const summary = xs => {
    xs.sort((a, b) => a - b);
    return { count: xs.length, p50: q(xs, 0.5), p99: q(xs, 0.99), max: xs.at(-1) ?? null };
  };
  const histogram = {};
  for (const l of lags) histogram[l] = (histogram[l] ?? 0) + 1;
  console.log(JSON.stringify({
    viewers, workers, measure,
    requestsPerSecond: requests / measure,
    bytesPerSecond: bytes / measure,
    partFetchMs: { p50: q(partTimes, 0.5), p99: q(partTimes, 0.99), max: partTimes.at(-1) ?? null },
    // from the end of a part's media (program date time) to the viewer having the part: what LL-HLS adds to latency
    partLatencyMs: { p50: q(partLatencies, 0.5), p99: q(partLatencies, 0.99), max: partLatencies.at(-1) ?? null },
    // each viewer's start (ramp and warm-up included): multivariant answer and first part from the viewer's start,
    // the first media playlist's own request time
    startMs: { multivariant: summary(start.multivariant), playlist: summary(start.playlist), firstPart: summary(start.firstPart) },
    lagParts: { histogram, max: lags.at(-1) ?? null },
    behind: lags.filter(l => l > 2).length + notListed + never,
    notListed, neverFetched: never, errors, errorKinds, edgeFetchMs,
  }));
}

if (process.argv[1] !== self) {
  // imported (e.g. to test parseMediaPlaylist): do nothing
} else if (process.argv[2] === "--worker") {
  const [, , , url, count, ramp, warmup, measure, startAt] = process.argv;
  worker(url, Number(count), Number(ramp), Number(warmup), Number(measure), Number(startAt));
} else {
  main();
}

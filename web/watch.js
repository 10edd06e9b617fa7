// The OpenIVS watch page: plays one channel's LL-HLS stream with hls.js (served by OpenIVS, no CDN), muted so
// browsers allow autoplay. It waits for offline channels and reconnects when a stream ends or restarts, so a
// viewer can open the page before the broadcaster goes live and keep it open across restarts.
(() => {
  'use strict';

  const OFFLINE_RETRY_MS = 3000; // how often an offline channel is polled
  const RECONNECT_MS = 1500; // pause before reloading after a fatal error (stream ended, restarted, network)
  const MEDIA_RECOVERIES = 2; // fatal media errors recovered in place before a full reload
  const FAR_BEHIND_MS = 2000; // this long beyond hls.js's catch-up range: jump to the live edge instead
  const STUCK_MS = 8000; // buffering (or connecting) this long means the stream is gone without an error: reload

  const config = JSON.parse(document.getElementById('openivs-config').textContent);
  const video = document.getElementById('video');
  const statusText = document.getElementById('status');
  const latencyText = document.getElementById('latency');
  const overlay = document.getElementById('overlay');

  let hls = null;
  let retryTimer = 0;
  let mediaRecoveries = 0;
  let stateSince = Date.now();
  let farBehindSince = 0;

  /** The channel's playback URL, plus the page's own ?token= (private channels need it on the playlist). */
  function playbackUrl() {
    const url = new URL(config.playbackUrl, location.href);
    const token = new URLSearchParams(location.search).get('token');
    if (token) {
      url.searchParams.set('token', token);
    }
    return url.toString();
  }

  /** One place for the visible state; body[data-state] is also what the browser tests read. */
  function setState(state, text) {
    if (document.body.dataset.state !== state) {
      stateSince = Date.now();
    }
    document.body.dataset.state = state;
    statusText.textContent = text;
    overlay.textContent = text;
    overlay.hidden = state === 'playing' || state === 'buffering';
    if (state !== 'playing' && state !== 'buffering') {
      latencyText.textContent = '';
      delete latencyText.dataset.seconds;
    }
  }

  function stop() {
    clearTimeout(retryTimer);
    if (hls) {
      hls.destroy();
      hls = null;
    }
  }

  function retryLater(state, text, delayMs) {
    stop();
    setState(state, text);
    retryTimer = setTimeout(start, delayMs);
  }

  function play() {
    video.muted = true; // autoplay is only allowed without sound
    video.play().catch((error) => {
      // NotAllowedError: the browser refused autoplay. AbortError (a reload interrupted play()) is not the user's business.
      if (error.name === 'NotAllowedError') {
        setState('paused', 'Press play to start');
      }
    });
  }

  function start() {
    stop();
    const url = playbackUrl();
    if (window.Hls && Hls.isSupported()) {
      hls = new Hls({
        lowLatencyMode: true,
        // No liveSyncDuration on purpose: setting it makes hls.js ignore the playlist's PART-HOLD-BACK, and the
        // origin knows its part duration; hls.js falls back to a target-duration multiple when there is none.
        maxLiveSyncPlaybackRate: 1.2, // catch up with the live edge by playing up to 20% faster, not by seeking
        backBufferLength: 30, // a live stream's played media would otherwise pile up in memory for hours
        liveDurationInfinity: true, // the controls show a live stream, not a growing fixed-length one
      });
      hls.on(Hls.Events.MANIFEST_PARSED, play);
      hls.on(Hls.Events.ERROR, (_event, data) => onHlsError(data));
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      // Safari without Media Source Extensions plays LL-HLS natively; errors there carry no status code.
      video.src = url;
      play();
    } else {
      setState('error', 'This browser cannot play HLS');
      return;
    }
    setState('loading', 'Connecting…');
  }

  function onHlsError(data) {
    if (!data.fatal) {
      return; // hls.js retries these itself
    }
    const status = data.response ? data.response.code : undefined;
    console.warn(`hls.js: fatal ${data.type} error ${data.details}` + (status !== undefined ? ` (HTTP ${status})` : ''));
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      if (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR && status === 404) {
        retryLater('offline', 'Offline: waiting for the channel to go live…', OFFLINE_RETRY_MS);
      } else if (status === 401 || status === 403) {
        retryLater('error', `Playback refused (${status}): this channel may need a valid ?token=`, OFFLINE_RETRY_MS * 3);
      } else {
        // The stream ended or restarted (its media playlists are gone), or the network failed: start over.
        retryLater('reconnecting', 'Reconnecting…', RECONNECT_MS);
      }
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < MEDIA_RECOVERIES) {
      mediaRecoveries++;
      hls.recoverMediaError();
    } else {
      retryLater('reconnecting', 'Reconnecting…', RECONNECT_MS);
    }
  }

  video.addEventListener('playing', () => {
    mediaRecoveries = 0;
    setState('playing', 'Live');
  });
  video.addEventListener('waiting', () => {
    if (document.body.dataset.state === 'playing') {
      setState('buffering', 'Buffering…');
    }
  });
  // An ended live stream (#EXT-X-ENDLIST) plays out and stops: go back to waiting for the next one.
  video.addEventListener('ended', () => retryLater('offline', 'The stream ended: waiting for it to restart…', OFFLINE_RETRY_MS));
  video.addEventListener('error', () => {
    if (!hls) {
      retryLater('offline', 'Offline: waiting for the channel to go live…', OFFLINE_RETRY_MS);
    }
  });

  setInterval(() => {
    const state = document.body.dataset.state;
    // A stream can stop without hls.js reporting a fatal error (its playlist simply stops growing).
    if ((state === 'buffering' && Date.now() - stateSince > STUCK_MS) || (state === 'loading' && Date.now() - stateSince > 2 * STUCK_MS)) {
      retryLater('reconnecting', 'Reconnecting…', RECONNECT_MS);
      return;
    }
    if (!hls || (state !== 'playing' && state !== 'buffering')) {
      return;
    }
    const latency = hls.latency;
    if (Number.isFinite(latency) && latency > 0) {
      const target = hls.targetLatency;
      // hls.js speeds up only within one target duration of its target latency, and seeks only once the position
      // has left the playlist's window: after a hiccup (a busy CPU, a slow network) the page would stay far behind.
      // A viewer's own pause is left alone.
      const details = hls.levels[hls.currentLevel] && hls.levels[hls.currentLevel].details;
      const farBehind = !video.paused && target && details && latency > target + details.targetduration + 0.5 && hls.liveSyncPosition;
      if (!farBehind) {
        farBehindSince = 0;
      } else if (!farBehindSince) {
        farBehindSince = Date.now();
      } else if (Date.now() - farBehindSince > FAR_BEHIND_MS) {
        farBehindSince = 0;
        video.currentTime = hls.liveSyncPosition;
      }
      latencyText.dataset.seconds = latency.toFixed(3);
      latencyText.textContent = `${latency.toFixed(1)} s behind live` + (target ? ` (target ${target.toFixed(1)} s)` : '');
    }
  }, 250);

  start();
})();

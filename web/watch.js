// The OpenIVS watch page: plays one channel's LL-HLS stream with hls.js (served by OpenIVS, no CDN), muted so
// browsers allow autoplay. It waits for offline channels and reconnects when a stream ends or restarts, so a
// viewer can open the page before the broadcaster goes live and keep it open across restarts. Below the player it
// lists the channel's recordings (GET /_openivs/recordings/{channelId}); choosing one plays it, "Back to live" returns.
(() => {
  'use strict';

  const OFFLINE_RETRY_MS = 3000; // how often an offline channel is polled
  const RECONNECT_MS = 1500; // pause before reloading after a fatal error (stream ended, restarted, network)
  const MEDIA_RECOVERIES = 2; // fatal media errors recovered in place before a full reload
  const FAR_BEHIND_MS = 2000; // this long beyond the catch-up range: jump to the live edge instead
  const CATCH_UP_RATE = 1.1; // more than this far behind PART-HOLD-BACK, play this much faster (pitch is kept)...
  const CATCH_UP_FROM = 0.12; // ...from this many seconds behind
  const CATCH_UP_TO = 0.04; // ...to this many
  const CATCH_UP_MIN_BUFFER = 0.25; // never with less media buffered ahead than this (seconds): that would stall
  const STUCK_MS = 8000; // buffering (or connecting) this long means the stream is gone without an error: reload
  const RECORDINGS_REFRESH_MS = 15000; // how often the list of recordings is read again (a stream ending adds one)

  const config = JSON.parse(document.getElementById('openivs-config').textContent);
  const video = document.getElementById('video');
  const statusText = document.getElementById('status');
  const latencyText = document.getElementById('latency');
  const overlay = document.getElementById('overlay');
  const recordingsSection = document.getElementById('recordings');
  const recordingList = document.getElementById('recording-list');
  const recordingBar = document.getElementById('recording-bar');
  const recordingTitle = document.getElementById('recording-title');

  let hls = null;
  let retryTimer = 0;
  let mediaRecoveries = 0;
  let stateSince = Date.now();
  let farBehindSince = 0;
  let recording = null; // the recording being played; null while on the live stream

  /** A URL plus the page's own ?token= (a private channel's playlists and recordings need it). */
  function withToken(address) {
    const url = new URL(address, location.href);
    const token = new URLSearchParams(location.search).get('token');
    if (token) {
      url.searchParams.set('token', token);
    }
    return url.toString();
  }

  function playbackUrl() {
    return withToken(config.playbackUrl);
  }

  /** One place for the visible state; body[data-state] is also what the browser tests read. */
  function setState(state, text) {
    if (document.body.dataset.state !== state) {
      stateSince = Date.now();
    }
    document.body.dataset.state = state;
    statusText.textContent = text;
    overlay.textContent = text;
    overlay.hidden = state === 'playing' || state === 'buffering' || state === 'recording';
    if (state !== 'playing' && state !== 'buffering') {
      latencyText.textContent = '';
      delete latencyText.dataset.seconds;
    }
  }

  function stop() {
    clearTimeout(retryTimer);
    video.playbackRate = 1; // a catch-up in progress ends with the stream
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
    showRecording(null);
    const url = playbackUrl();
    if (window.Hls && Hls.isSupported()) {
      hls = new Hls({
        lowLatencyMode: true,
        // No liveSyncDuration on purpose: setting it makes hls.js ignore the playlist's PART-HOLD-BACK, and the
        // origin knows its part duration; hls.js falls back to a target-duration multiple when there is none.
        // No maxLiveSyncPlaybackRate either: hls.js speeds up only with more than a second buffered, which a player
        // PART-HOLD-BACK (0.72 s) behind the edge never has, and it resets the rate otherwise; the page catches up.
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

  /** Plays one recording (a VOD playlist under /_openivs/s3/) in place of the live stream. */
  function playRecording(entry) {
    stop();
    showRecording(entry);
    const url = withToken(entry.playlist);
    if (window.Hls && Hls.isSupported()) {
      // Every request of a private channel's recording needs the token, the renditions' playlists and media too.
      hls = new Hls({ xhrSetup: (xhr, address) => xhr.open('GET', withToken(address), true) });
      hls.on(Hls.Events.MANIFEST_PARSED, play);
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) {
          stop();
          setState('error', 'This recording cannot be played');
        }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
      play();
    }
    setState('recording', `Recording of ${when(entry.startedAt)}`);
  }

  function showRecording(entry) {
    recording = entry;
    recordingBar.hidden = !entry;
    recordingTitle.textContent = entry ? `Recording of ${when(entry.startedAt)}` : '';
    for (const button of recordingList.querySelectorAll('button')) {
      button.setAttribute('aria-current', String(!!entry && button.dataset.prefix === entry.prefix));
    }
  }

  function when(time) {
    return time ? new Date(time).toLocaleString() : 'unknown time';
  }

  function duration(ms) {
    if (ms === null || ms === undefined) {
      return 'in progress';
    }
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }

  async function loadRecordings() {
    try {
      const response = await fetch(withToken(config.recordingsUrl), { cache: 'no-store' });
      if (response.ok) {
        renderRecordings((await response.json()).recordings);
      }
    } catch (error) {
      console.warn(`recordings: ${error.message}`);
    }
  }

  function renderRecordings(recordings) {
    const playable = recordings.filter((entry) => entry.playlist);
    recordingsSection.hidden = playable.length === 0;
    recordingList.replaceChildren(...playable.map((entry) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.prefix = entry.prefix;
      button.setAttribute('aria-current', String(!!recording && recording.prefix === entry.prefix));
      if (entry.thumbnail) {
        const image = document.createElement('img');
        image.src = withToken(entry.thumbnail);
        image.alt = '';
        button.append(image);
      }
      const status = entry.status === 'RECORDING_STARTED' ? 'recording now'
        : entry.status === 'RECORDING_ENDED_WITH_FAILURE' ? 'failed' : duration(entry.durationMs);
      const label = document.createElement('span');
      label.textContent = `${when(entry.startedAt)} · ${status}`;
      button.append(label);
      button.addEventListener('click', () => playRecording(entry));
      const item = document.createElement('li');
      item.append(button);
      return item;
    }));
  }

  document.getElementById('back-to-live').addEventListener('click', start);

  video.addEventListener('playing', () => {
    mediaRecoveries = 0;
    setState(recording ? 'recording' : 'playing', recording ? `Recording of ${when(recording.startedAt)}` : 'Live');
  });
  video.addEventListener('waiting', () => {
    if (document.body.dataset.state === 'playing') {
      setState('buffering', 'Buffering…');
    }
  });
  // An ended live stream (#EXT-X-ENDLIST) plays out and stops: go back to waiting for the next one. A recording stays.
  video.addEventListener('ended', () => {
    if (!recording) {
      retryLater('offline', 'The stream ended: waiting for it to restart…', OFFLINE_RETRY_MS);
    }
  });
  video.addEventListener('error', () => {
    if (!hls && !recording) {
      retryLater('offline', 'Offline: waiting for the channel to go live…', OFFLINE_RETRY_MS);
    }
  });

  /**
   * Plays slightly faster while the player is behind the playlist's PART-HOLD-BACK: a player starts late (it loads from
   * the keyframe before its start position) and every stall leaves it further behind, and nothing in hls.js brings it
   * back with less than a second buffered. Beyond the catch-up range the page seeks instead (farBehind).
   */
  function catchUp(latency, details) {
    const holdBack = details && (details.partHoldBack || details.holdBack);
    const ahead = video.buffered.length ? video.buffered.end(video.buffered.length - 1) - video.currentTime : 0;
    const behind = holdBack ? latency - holdBack : 0;
    let rate = video.playbackRate;
    if (video.paused || !holdBack || behind < CATCH_UP_TO || behind > details.targetduration + 0.5 || ahead < CATCH_UP_MIN_BUFFER) {
      rate = 1;
    } else if (behind > CATCH_UP_FROM) {
      rate = CATCH_UP_RATE;
    }
    if (video.playbackRate !== rate) {
      video.playbackRate = rate;
    }
  }

  setInterval(() => {
    const state = document.body.dataset.state;
    if (recording) {
      return; // a recording is a VOD playlist: no live edge, no reconnecting
    }
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
      catchUp(latency, details);
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
  loadRecordings();
  setInterval(loadRecordings, RECORDINGS_REFRESH_MS);
})();

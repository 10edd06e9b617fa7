// The OpenIVS web console (/console). Sign-in signs one request with SigV4 through WebCrypto (the secret never
// leaves the page); the server answers with an HttpOnly, SameSite=Strict session cookie and a CSRF token that
// every later call carries in a header. Every console action is then an ordinary IVS API call, authorized by
// the same IAM policies as the AWS CLI's. No framework: DOM helpers below, text always set as textContent.
'use strict';

const config = JSON.parse(document.getElementById('openivs-config').textContent);
const CHART_SECONDS = 300;
const POLL_MS = 2000;
let session = null; // { principal, csrfToken, expiresAt }
let leaveView = () => {};

// ---- DOM helpers ----

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
}

function message(text, kind = 'error') {
  const box = document.getElementById('message');
  box.textContent = text ?? '';
  box.className = kind;
  box.hidden = !text;
}

const channelId = (arn) => arn.slice(arn.lastIndexOf('/') + 1);

// ---- SigV4 through WebCrypto (sign-in only) ----

const utf8 = (text) => new TextEncoder().encode(text);
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', utf8(text)));
}

async function hmac(key, text) {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, utf8(text)));
}

/** Headers of a SigV4-signed POST to `path` with `body` (service ivs, the server's region). */
async function signedHeaders(path, body, accessKeyId, secretAccessKey) {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = await sha256Hex(body);
  const names = 'content-type;host;x-amz-content-sha256;x-amz-date';
  const canonicalHeaders = `content-type:application/json\nhost:${location.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n`;
  const canonicalRequest = ['POST', path, '', canonicalHeaders, names, payloadHash].join('\n');
  const scope = `${date}/${config.region}/ivs/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonicalRequest)].join('\n');
  let key = await hmac(utf8(`AWS4${secretAccessKey}`), date);
  for (const part of [config.region, 'ivs', 'aws4_request']) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  return {
    'Content-Type': 'application/json',
    'X-Amz-Date': amzDate,
    'X-Amz-Content-Sha256': payloadHash,
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names}, Signature=${signature}`,
  };
}

// ---- API ----

class ApiError extends Error {
  constructor(type, text, status) {
    super(text);
    this.type = type;
    this.status = status;
  }
}

async function readError(response) {
  let text = `HTTP ${response.status}`;
  try {
    text = (await response.json()).exceptionMessage ?? text;
  } catch { /* not JSON */ }
  return new ApiError(response.headers.get('x-amzn-ErrorType') ?? '', text, response.status);
}

function sessionLost(error) {
  return ['ExpiredTokenException', 'UnrecognizedClientException', 'MissingAuthenticationTokenException'].includes(error.type);
}

/** An IVS API call (POST /{operation}) with the session cookie and CSRF header. */
function api(operation, body = {}) {
  return call('POST', `/${operation}`, body);
}

/**
 * An IVS API call by its HTTP binding (the tagging operations: GET, POST and DELETE on /tags/{resourceArn}),
 * with the session cookie and CSRF header.
 */
async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-OpenIvs-Csrf': session?.csrfToken ?? '' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const error = await readError(response);
    if (sessionLost(error)) {
      signedOut(`Your session has ended: ${error.message}`);
    }
    throw error;
  }
  return response.status === 204 ? {} : response.json();
}

/** Runs an action, showing its error in the message bar instead of failing silently. */
async function attempt(action, success) {
  try {
    const result = await action();
    if (success) message(success, 'info');
    return result;
  } catch (error) {
    if (!sessionLost(error)) {
      message(error.type === 'AccessDeniedException' ? `Access denied: ${error.message}` : `${error.type || 'Error'}: ${error.message}`);
    }
    return undefined;
  }
}

// ---- Sign-in ----

function signedOut(text) {
  session = null;
  document.getElementById('nav').hidden = true;
  if (text) message(text);
  go('#/sign-in');

}

function signInView() {
  document.body.dataset.view = 'sign-in';
  const keyId = el('input', { type: 'text', id: 'access-key-id', name: 'accessKeyId', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = el('input', { type: 'password', id: 'secret-access-key', name: 'secretAccessKey', autocomplete: 'current-password', required: true });
  const form = el('form', { class: 'card', id: 'sign-in-form' },
    el('h1', { text: 'Sign in to OpenIVS' }),
    el('p', { class: 'muted', text: 'Use an access key (the root key is in data/credentials). The secret signs the sign-in request in this page and is never sent.' }),
    el('label', { for: 'access-key-id', text: 'Access key ID' }), keyId,
    el('label', { for: 'secret-access-key', text: 'Secret access key' }), secret,
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: 'Sign in' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!globalThis.crypto?.subtle) {
      message('Signing needs WebCrypto, which browsers offer only over HTTPS or on localhost: open the console that way.');
      return;
    }
    const body = '{}';
    const response = await fetch('/console/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: await signedHeaders('/console/session', body, keyId.value.trim(), secret.value),
      body,
    });
    secret.value = '';
    if (!response.ok) {
      const error = await readError(response);
      message(error.type === 'InvalidSignatureException' || error.type === 'UnrecognizedClientException'
        ? `Sign-in failed: the access key ID or secret access key is wrong. (${error.message})`
        : `Sign-in failed: ${error.message}`);
      return;
    }
    signedIn(await response.json());
    message('');
    go('#/channels');
  });
  show(form);
  keyId.focus();
}

function signedIn(info) {
  session = info;
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = info.principal;
}

// ---- Channels ----

async function channelsView() {
  document.body.dataset.view = 'channels';
  const tbody = el('tbody');
  const table = el('table', { id: 'channels' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'ID', class: 'optional' }),
      el('th', { text: 'Type', class: 'optional' }), el('th', { text: 'Latency', class: 'optional' }), el('th', { text: 'State' }), el('th'))),
    tbody);
  show(el('h1', { text: 'Channels' }), createChannelForm(), table);

  const [channels, streams] = await Promise.all([listAll('ListChannels', 'channels'), attempt(() => api('ListStreams', {}))]);
  const live = new Set((streams?.streams ?? []).map((s) => s.channelArn));
  if (!channels) return;
  if (channels.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No channels yet.' })));
  for (const channel of channels) {
    const id = channelId(channel.arn);
    tbody.append(el('tr', { 'data-channel-id': id },
      el('td', {}, el('a', { href: `#/channel/${id}`, text: channel.name || id })),
      el('td', { class: 'optional', text: id }),
      el('td', { class: 'optional', text: channel.type ?? '' }),
      el('td', { class: 'optional', text: channel.latencyMode ?? '' }),
      el('td', {}, live.has(channel.arn) ? el('span', { class: 'badge live', text: 'LIVE' }) : el('span', { class: 'badge', text: 'offline' })),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete ${channel.name || id}`, text: 'Delete',
        onclick: async () => {
          if (!confirm(`Delete channel ${channel.name || id}?`)) return;
          if (await attempt(() => api('DeleteChannel', { arn: channel.arn }), `Deleted ${channel.name || id}.`) !== undefined) channelsView();
        },
      }))));
  }
}

async function listAll(operation, field, body = {}) {
  const items = [];
  let nextToken;
  do {
    const page = await attempt(() => api(operation, { ...body, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
    if (!page) return undefined;
    items.push(...page[field]);
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

function createChannelForm() {
  const select = (name, options) => el('select', { id: `new-${name}`, name }, options.map((o) => el('option', { value: o, text: o })));
  const form = el('form', { class: 'card', id: 'create-channel' },
    el('h2', { text: 'Create a channel' }),
    el('label', { for: 'new-name', text: 'Name' }), el('input', { type: 'text', id: 'new-name', name: 'name', maxlength: 128, pattern: '^[a-zA-Z0-9\\-_]*$' }),
    el('label', { for: 'new-type', text: 'Type' }), select('type', ['STANDARD', 'BASIC', 'ADVANCED_SD', 'ADVANCED_HD']),
    el('label', { for: 'new-latencyMode', text: 'Latency mode' }), select('latencyMode', ['LOW', 'NORMAL']),
    el('label', { for: 'new-containerFormat', text: 'Container format' }), select('containerFormat', ['TS', 'FRAGMENTED_MP4']),
    el('label', { for: 'new-recordingConfigurationArn', text: 'Recording configuration ARN (optional)' }),
    el('input', { type: 'text', id: 'new-recordingConfigurationArn', name: 'recordingConfigurationArn' }),
    el('label', { for: 'new-playbackRestrictionPolicyArn', text: 'Playback restriction policy ARN (optional)' }),
    el('input', { type: 'text', id: 'new-playbackRestrictionPolicyArn', name: 'playbackRestrictionPolicyArn' }),
    el('p', {},
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', id: 'new-authorized', name: 'authorized' }), 'Private (playback tokens)'),
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', id: 'new-insecureIngest', name: 'insecureIngest' }), 'Allow plain RTMP')),
    el('button', { type: 'submit', class: 'primary', text: 'Create channel' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      type: data.get('type'),
      latencyMode: data.get('latencyMode'),
      containerFormat: data.get('containerFormat'),
      authorized: data.get('authorized') === 'on',
      insecureIngest: data.get('insecureIngest') === 'on',
    };
    for (const name of ['name', 'recordingConfigurationArn', 'playbackRestrictionPolicyArn']) {
      if (data.get(name)) body[name] = data.get(name);
    }
    const created = await attempt(() => api('CreateChannel', body));
    if (created) {
      message(`Created ${created.channel.name || channelId(created.channel.arn)}.`, 'info');
      go(`#/channel/${channelId(created.channel.arn)}`);
    }
  });
  return form;
}

// ---- One channel ----

async function channelView(id) {
  document.body.dataset.view = 'channel';
  const arn = `arn:aws:ivs:${config.region}:${config.accountId}:channel/${id}`;
  const got = await attempt(() => api('GetChannel', { arn }));
  if (!got) {
    show(el('h1', { text: 'Channel not available' }), el('p', {}, el('a', { href: '#/channels', text: 'Back to channels' })));
    return;
  }
  const channel = got.channel;
  const ingestUrl = `rtmps://${channel.ingestEndpoint}:443/app/`;
  const keyValue = el('code', { id: 'stream-key', text: '••••••••••••' });
  let streamKey = null;
  // The key is fetched only when asked for, and shown until hidden again.
  const fetchKey = async () => {
    if (streamKey === null) {
      const keys = await attempt(() => api('ListStreamKeys', { channelArn: arn }));
      const first = keys?.streamKeys?.[0];
      const key = first && await attempt(() => api('GetStreamKey', { arn: first.arn }));
      if (key) streamKey = key.streamKey.value;
    }
    return streamKey;
  };
  const showKey = el('button', {
    type: 'button', id: 'show-key', text: 'Show stream key',
    onclick: async () => {
      if (await fetchKey() === null) return;
      const reveal = keyValue.dataset.shown !== 'true';
      keyValue.textContent = reveal ? streamKey : '••••••••••••';
      keyValue.dataset.shown = String(reveal);
      showKey.textContent = reveal ? 'Hide stream key' : 'Show stream key';
    },
  });
  const copy = (text, what) => attempt(() => navigator.clipboard.writeText(text), `${what} copied.`);

  const video = el('video', { id: 'preview', muted: true, autoplay: true, playsinline: true, controls: true });
  const overlay = el('div', { class: 'overlay', id: 'preview-state', text: 'Offline' });
  const charts = el('div', { class: 'charts' });
  const sessions = el('div', { id: 'sessions' });
  const recordingsBox = el('div', { id: 'channel-recordings' });
  const tokenSlot = el('div');
  const stop = el('button', {
    type: 'button', class: 'danger', id: 'stop-stream', text: 'Stop stream', disabled: true,
    onclick: () => attempt(() => api('StopStream', { channelArn: arn }), 'Stream stopped.'),
  });

  show(
    el('p', {}, el('a', { href: '#/channels', text: '← Channels' })),
    el('h1', { id: 'channel-name', text: channel.name || id }),
    el('section', { class: 'card' },
      el('dl', { class: 'facts' },
        el('dt', { text: 'ARN' }), el('dd', { text: channel.arn }),
        el('dt', { text: 'Type / latency' }), el('dd', { text: `${channel.type} / ${channel.latencyMode}` }),
        el('dt', { text: 'Private' }), el('dd', { text: channel.authorized ? 'yes (playback tokens)' : 'no' }),
        el('dt', { text: 'Ingest URL' }), el('dd', {}, el('div', { class: 'row' }, el('code', { text: ingestUrl }),
          el('button', { type: 'button', text: 'Copy', onclick: () => copy(ingestUrl, 'Ingest URL') }))),
        el('dt', { text: 'Stream key' }), el('dd', {}, el('div', { class: 'row' }, keyValue, showKey,
          el('button', { type: 'button', text: 'Copy', onclick: async () => { if (await fetchKey() !== null) copy(streamKey, 'Stream key'); } }))),
        el('dt', { text: 'Playback URL' }), el('dd', { text: channel.playbackUrl }))),
    el('h2', { text: 'Live preview' }),
    el('div', { class: 'row' }, el('span', { id: 'stream-state', class: 'badge', text: 'offline' }), stop),
    el('div', { class: 'preview' }, video, overlay),
    tokenSlot,
    el('h2', { text: 'Stream health' }),
    charts,
    el('h2', { text: 'Stream sessions' }),
    sessions,
    el('h2', { text: 'Recordings' }),
    recordingsBox,
    editForm(channel),
    tagsCard(channel.arn));

  let wasLive = null;
  const health = startHealth(arn, charts, (live) => {
    if (wasLive !== null && live !== wasLive) loadSessions(arn, sessions); // a session began or ended
    wasLive = live;
    document.getElementById('stream-state').textContent = live ? 'LIVE' : 'offline';
    document.getElementById('stream-state').className = live ? 'badge live' : 'badge';
    stop.disabled = !live;
    preview.setLive(live);
  });
  const preview = startPreview(video, overlay, channel);
  if (channel.authorized) tokenSlot.append(tokenForm(channel, preview));
  loadSessions(arn, sessions);
  const recordings = startRecordings(channel, recordingsBox);
  leaveView = () => {
    health.stop();
    preview.stop();
    recordings.stop();
  };
}

/** Polls /console/health and draws the last minutes of bitrate, frame rate and viewers with uPlot. */
function startHealth(arn, container, onLive) {
  const series = { time: [], video: [], audio: [], fps: [], viewers: [] };
  const make = (title, labels, colors, unit) => {
    const now = el('span', { class: 'now' });
    const box = el('div', { class: 'chart', 'data-chart': title }, el('h3', {}, `${title} `, now));
    container.append(box);
    const width = Math.max(240, (box.clientWidth || 320) - 8);
    const plot = new uPlot({
      width, height: 160,
      scales: { x: { time: true } },
      legend: { show: false }, // the current values are in the heading
      series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, value: (u, v) => (v == null ? '–' : `${v} ${unit}`) }))],
      axes: [{}, { size: 50 }],
    }, [[], ...labels.map(() => [])], box);
    return { plot, now };
  };
  const bitrate = make('Bitrate', ['video', 'audio'], ['#3b82f6', '#f59e0b'], 'kbps');
  const frames = make('Frame rate', ['fps'], ['#10b981'], 'fps');
  const viewers = make('Viewers', ['viewers'], ['#a855f7'], '');
  let timer = null;
  let stopped = false;

  async function poll() {
    try {
      const response = await fetch(`/console/health?channelArn=${encodeURIComponent(arn)}`, {
        credentials: 'same-origin', headers: { 'X-OpenIvs-Csrf': session?.csrfToken ?? '' },
      });
      if (!response.ok) {
        const error = await readError(response);
        if (sessionLost(error)) signedOut(`Your session has ended: ${error.message}`);
        else message(`Stream health: ${error.message}`);
        return;
      }
      const figures = await response.json();
      onLive(figures.live);
      series.time.push(Date.now() / 1000);
      series.video.push(figures.live ? Math.round(figures.videoBitrate / 1000) : null);
      series.audio.push(figures.live ? Math.round(figures.audioBitrate / 1000) : null);
      series.fps.push(figures.live ? figures.frameRate : null);
      series.viewers.push(figures.live ? figures.viewers : null);
      const keep = Math.ceil((CHART_SECONDS * 1000) / POLL_MS);
      for (const values of Object.values(series)) values.splice(0, Math.max(0, values.length - keep));
      bitrate.plot.setData([series.time, series.video, series.audio]);
      frames.plot.setData([series.time, series.fps]);
      viewers.plot.setData([series.time, series.viewers]);
      bitrate.now.textContent = figures.live ? `${Math.round(figures.videoBitrate / 1000)} + ${Math.round(figures.audioBitrate / 1000)} kbps` : 'offline';
      frames.now.textContent = figures.live ? `${figures.frameRate} fps, keyframes every ${figures.keyframeInterval} s` : '';
      viewers.now.textContent = figures.live ? `${figures.viewers}` : '';
      container.dataset.samples = String(series.time.length);
    } catch (error) {
      message(`Stream health: ${error.message}`);
    } finally {
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
  }
  poll();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

/** The channel's playback URL in hls.js (low-latency mode) while it is live; private channels need a token. */
function startPreview(video, overlay, channel) {
  let hls = null;
  let live = false;
  let token = null;
  const setOverlay = (text) => { overlay.textContent = text; overlay.hidden = !text; };
  const detach = () => { hls?.destroy(); hls = null; video.removeAttribute('src'); };
  const attach = () => {
    if (channel.authorized && !token) {
      setOverlay('Private channel: generate a playback token below to preview it.');
      return;
    }
    if (!globalThis.Hls?.isSupported()) {
      setOverlay('This browser cannot play HLS with Media Source Extensions.');
      return;
    }
    hls = new Hls({ lowLatencyMode: true, liveSyncDurationCount: 2 });
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) { detach(); setOverlay('Playback error; retrying…'); } });
    hls.loadSource(token ? `${channel.playbackUrl}?token=${encodeURIComponent(token)}` : channel.playbackUrl);
    hls.attachMedia(video);
    video.play().catch(() => {});
    setOverlay('');
  };
  return {
    setLive(isLive) {
      live = isLive;
      if (live && !hls) attach();
      else if (!live && hls) { detach(); setOverlay('Offline'); }
    },
    useToken(value) {
      token = value;
      detach();
      if (live) attach();
    },
    stop() { detach(); },
  };
}

// ---- Playback tokens (signed in this page; the private key never leaves it) ----

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** An IVS playback token: a JWT signed ES384 with the private key of an imported playback key pair (PKCS#8 PEM). */
async function playbackToken(privateKeyPem, claims) {
  const body = privateKeyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]+$/.test(body) || !privateKeyPem.includes('BEGIN PRIVATE KEY')) {
    throw new Error('Paste the private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"; convert with openssl pkcs8 -topk8 -nocrypt).');
  }
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
  const header = base64url(utf8(JSON.stringify({ alg: 'ES384', typ: 'JWT' })));
  const payload = base64url(utf8(JSON.stringify(claims)));
  // WebCrypto's ECDSA signature is r || s, which is exactly JWS's ES384 encoding.
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, key, utf8(`${header}.${payload}`));
  return `${header}.${payload}.${base64url(signature)}`;
}

function tokenForm(channel, preview) {
  const output = el('textarea', { id: 'token-output', rows: 3, readonly: true, spellcheck: 'false' });
  const use = el('button', { type: 'button', id: 'use-token', text: 'Use for the preview', disabled: true, onclick: () => preview.useToken(output.value) });
  const form = el('form', { class: 'card', id: 'token-form' },
    el('h2', { text: 'Playback token' }),
    el('p', { class: 'muted', text: 'Signs a viewer token with the private key of an imported playback key pair. The key stays in this page.' }),
    el('label', { for: 'token-key', text: 'Private key (PKCS#8 PEM)' }),
    el('textarea', { id: 'token-key', name: 'key', rows: 4, required: true, spellcheck: 'false', autocomplete: 'off' }),
    el('label', { for: 'token-minutes', text: 'Valid for (minutes)' }),
    el('input', { type: 'text', id: 'token-minutes', name: 'minutes', value: '60', inputmode: 'numeric', pattern: '[0-9]+' }),
    el('label', { for: 'token-origin', text: 'Allowed origin' }),
    el('input', { type: 'text', id: 'token-origin', name: 'origin', value: '*' }),
    el('p', { class: 'row' }, el('button', { type: 'submit', class: 'primary', text: 'Generate token' }), use),
    el('label', { for: 'token-output', text: 'Token' }), output);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      output.value = await playbackToken(String(data.get('key')), {
        'aws:channel-arn': channel.arn,
        'aws:access-control-allow-origin': String(data.get('origin') || '*'),
        exp: Math.floor(Date.now() / 1000) + 60 * Number(data.get('minutes') || 60),
      });
      use.disabled = false;
      message('Token generated.', 'info');
    } catch (error) {
      message(`Token: ${error.message}`);
    }
  });
  return form;
}

// ---- Editing a channel ----

function editForm(channel) {
  const select = (name, options) => el('select', { id: `edit-${name}`, name }, options.map((o) => el('option', { value: o, text: o, selected: channel[name] === o })));
  const form = el('form', { class: 'card', id: 'edit-channel' },
    el('h2', { text: 'Edit' }),
    el('label', { for: 'edit-name', text: 'Name' }), el('input', { type: 'text', id: 'edit-name', name: 'name', value: channel.name ?? '', maxlength: 128 }),
    el('label', { for: 'edit-type', text: 'Type' }), select('type', ['STANDARD', 'BASIC', 'ADVANCED_SD', 'ADVANCED_HD']),
    el('label', { for: 'edit-latencyMode', text: 'Latency mode' }), select('latencyMode', ['LOW', 'NORMAL']),
    el('label', { for: 'edit-recordingConfigurationArn', text: 'Recording configuration ARN (empty: none)' }),
    el('input', { type: 'text', id: 'edit-recordingConfigurationArn', name: 'recordingConfigurationArn', value: channel.recordingConfigurationArn ?? '' }),
    el('label', { for: 'edit-playbackRestrictionPolicyArn', text: 'Playback restriction policy ARN (empty: none)' }),
    el('input', { type: 'text', id: 'edit-playbackRestrictionPolicyArn', name: 'playbackRestrictionPolicyArn', value: channel.playbackRestrictionPolicyArn ?? '' }),
    el('p', {},
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', id: 'edit-authorized', name: 'authorized', checked: channel.authorized }), 'Private'),
      el('label', { class: 'inline' }, el('input', { type: 'checkbox', id: 'edit-insecureIngest', name: 'insecureIngest', checked: channel.insecureIngest }), 'Allow plain RTMP')),
    el('button', { type: 'submit', text: 'Save changes' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      arn: channel.arn,
      name: data.get('name'),
      type: data.get('type'),
      latencyMode: data.get('latencyMode'),
      authorized: data.get('authorized') === 'on',
      insecureIngest: data.get('insecureIngest') === 'on',
    };
    // Sent only when changed (IVS refuses some changes while live); an empty string detaches.
    for (const name of ['recordingConfigurationArn', 'playbackRestrictionPolicyArn']) {
      if ((data.get(name) ?? '') !== (channel[name] ?? '')) body[name] = data.get(name) ?? '';
    }
    const updated = await attempt(() => api('UpdateChannel', body), 'Channel updated.');
    if (updated) Object.assign(channel, updated.channel);
    if (updated) document.getElementById('channel-name').textContent = updated.channel.name || channelId(updated.channel.arn);
  });
  return form;
}

// ---- Playback restriction policies ----

async function policiesView() {
  document.body.dataset.view = 'policies';
  const tbody = el('tbody');
  const list = (text) => String(text ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const form = el('form', { class: 'card', id: 'create-policy' },
    el('h2', { text: 'Create a playback restriction policy' }),
    el('label', { for: 'policy-name', text: 'Name' }), el('input', { type: 'text', id: 'policy-name', name: 'name', maxlength: 128 }),
    el('label', { for: 'policy-countries', text: 'Allowed countries (ISO codes, comma-separated; empty: all)' }),
    el('input', { type: 'text', id: 'policy-countries', name: 'allowedCountries', placeholder: 'US, CA' }),
    el('label', { for: 'policy-origins', text: 'Allowed origins (comma-separated; empty: all)' }),
    el('input', { type: 'text', id: 'policy-origins', name: 'allowedOrigins', placeholder: 'https://example.com' }),
    el('p', {}, el('label', { class: 'inline' },
      el('input', { type: 'checkbox', id: 'policy-strict', name: 'enableStrictOriginEnforcement' }), 'Strict origin enforcement')),
    el('button', { type: 'submit', class: 'primary', text: 'Create policy' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      allowedCountries: list(data.get('allowedCountries')),
      allowedOrigins: list(data.get('allowedOrigins')),
      enableStrictOriginEnforcement: data.get('enableStrictOriginEnforcement') === 'on',
    };
    if (data.get('name')) body.name = data.get('name');
    if (await attempt(() => api('CreatePlaybackRestrictionPolicy', body), 'Policy created.')) policiesView();
  });
  const tagsSlot = el('div', { id: 'policy-tags' });
  show(el('h1', { text: 'Playback restriction policies' }), form,
    el('table', { id: 'policies' }, el('thead', {}, el('tr', {},
      el('th', { text: 'Name' }), el('th', { text: 'Countries' }), el('th', { text: 'Origins', class: 'optional' }), el('th'))), tbody),
    tagsSlot);
  const policies = await listAll('ListPlaybackRestrictionPolicies', 'playbackRestrictionPolicies');
  if (!policies) return;
  if (policies.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No policies yet.' })));
  for (const policy of policies) {
    tbody.append(el('tr', { 'data-policy-arn': policy.arn },
      el('td', { text: policy.name || '(no name)' }),
      el('td', { text: (policy.allowedCountries ?? []).join(', ') || 'all' }),
      el('td', { class: 'optional', text: (policy.allowedOrigins ?? []).join(', ') || 'all' }),
      el('td', { class: 'actions' }, tagsButton(policy.arn, policy.name || policy.arn, tagsSlot), ' ', el('button', {
        type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete policy ${policy.name || policy.arn}`,
        onclick: async () => {
          if (!confirm(`Delete policy ${policy.name || policy.arn}?`)) return;
          if (await attempt(() => api('DeletePlaybackRestrictionPolicy', { arn: policy.arn }), 'Policy deleted.') !== undefined) policiesView();
        },
      }))));
  }
}

// ---- Playback key pairs ----

async function keysView() {
  document.body.dataset.view = 'keys';
  const tbody = el('tbody');
  const form = el('form', { class: 'card', id: 'import-key' },
    el('h2', { text: 'Import a playback key pair' }),
    el('p', { class: 'muted', text: 'The public key (ECDSA P-384, PEM) of a pair whose private key signs viewer tokens for private channels.' }),
    el('label', { for: 'key-name', text: 'Name' }), el('input', { type: 'text', id: 'key-name', name: 'name', maxlength: 128 }),
    el('label', { for: 'key-material', text: 'Public key (PEM)' }),
    el('textarea', { id: 'key-material', name: 'publicKeyMaterial', rows: 5, required: true, spellcheck: 'false' }),
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: 'Import' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { publicKeyMaterial: data.get('publicKeyMaterial') };
    if (data.get('name')) body.name = data.get('name');
    if (await attempt(() => api('ImportPlaybackKeyPair', body), 'Key pair imported.')) keysView();
  });
  const tagsSlot = el('div', { id: 'key-pair-tags' });
  show(el('h1', { text: 'Playback key pairs' }), form,
    el('table', { id: 'key-pairs' }, el('thead', {}, el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'ARN', class: 'optional' }), el('th'))), tbody),
    tagsSlot);
  const pairs = await listAll('ListPlaybackKeyPairs', 'keyPairs');
  if (!pairs) return;
  if (pairs.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 3, class: 'muted', text: 'No key pairs yet.' })));
  for (const pair of pairs) {
    tbody.append(el('tr', {},
      el('td', { text: pair.name || '(no name)' }),
      el('td', { class: 'optional', text: pair.arn }),
      el('td', { class: 'actions' }, tagsButton(pair.arn, pair.name || pair.arn, tagsSlot), ' ', el('button', {
        type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete key pair ${pair.name || pair.arn}`,
        onclick: async () => {
          if (!confirm(`Delete key pair ${pair.name || pair.arn}? Tokens it signed stop working.`)) return;
          if (await attempt(() => api('DeletePlaybackKeyPair', { arn: pair.arn }), 'Key pair deleted.') !== undefined) keysView();
        },
      }))));
  }
}

async function loadSessions(arn, container) {
  const list = await listAll('ListStreamSessions', 'streamSessions', { channelArn: arn });
  if (!list) return;
  if (list.length === 0) {
    container.replaceChildren(el('p', { class: 'muted', text: 'No stream sessions yet.' }));
    return;
  }
  const rows = list.map((s) => el('tr', { 'data-stream-id': s.streamId },
    el('td', {}, el('button', { type: 'button', text: s.streamId, onclick: () => showSession(arn, s.streamId, container) })),
    el('td', { text: s.startTime ?? '' }),
    el('td', { text: s.endTime ?? 'live' }),
    el('td', { class: 'optional', text: s.hasErrorEvent ? 'errors' : '' })));
  container.replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, el('th', { text: 'Stream' }), el('th', { text: 'Started' }), el('th', { text: 'Ended' }), el('th', { class: 'optional' }))),
    el('tbody', {}, rows)), el('div', { id: 'session-detail' }));
}

async function showSession(arn, streamId, container) {
  const got = await attempt(() => api('GetStreamSession', { channelArn: arn, streamId }));
  if (!got) return;
  const s = got.streamSession;
  const video = s.ingestConfigurations?.videoConfigurations?.[0] ?? s.ingestConfiguration?.video;
  container.querySelector('#session-detail').replaceChildren(el('section', { class: 'card' },
    el('h2', { text: `Session ${s.streamId}` }),
    video ? el('p', { text: `${video.videoWidth}×${video.videoHeight}, ${video.codec}, ${Math.round((video.targetBitrate ?? 0) / 1000)} kbps, ${video.targetFramerate} fps` }) : null,
    el('ol', { class: 'timeline', id: 'session-events' },
      [...(s.truncatedEvents ?? [])].reverse().map((e) => el('li', { text: `${e.eventTime}  ${e.name}${e.code ? ` (${e.code})` : ''}` })))));
}

// ---- Tags (any resource: channels, recording configurations, key pairs, policies) ----

const tagsPath = (arn) => `/tags/${encodeURIComponent(arn)}`;

/** A card listing a resource's tags, with Remove buttons and a form that adds (or replaces) one. */
function tagsCard(arn, title = 'Tags') {
  const tbody = el('tbody');
  const key = el('input', { type: 'text', class: 'tag-key', name: 'key', required: true, maxlength: 128, 'aria-label': 'Tag key' });
  const value = el('input', { type: 'text', class: 'tag-value', name: 'value', maxlength: 256, 'aria-label': 'Tag value' });
  const form = el('form', { class: 'row tag-add' }, key, value, el('button', { type: 'submit', text: 'Add tag' }));
  const card = el('section', { class: 'card tags', 'data-arn': arn },
    el('h2', { text: title }),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Key' }), el('th', { text: 'Value' }), el('th'))), tbody),
    form);
  async function load() {
    const got = await attempt(() => call('GET', tagsPath(arn)));
    if (!got) return;
    const entries = Object.entries(got.tags ?? {}).sort(([a], [b]) => a.localeCompare(b));
    tbody.replaceChildren(...(entries.length === 0
      ? [el('tr', {}, el('td', { colspan: 3, class: 'muted', text: 'No tags.' }))]
      : entries.map(([k, v]) => el('tr', { 'data-tag-key': k },
        el('td', { text: k }), el('td', { text: v }),
        el('td', { class: 'actions' }, el('button', {
          type: 'button', class: 'danger', text: 'Remove', 'aria-label': `Remove tag ${k}`,
          onclick: async () => {
            if (await attempt(() => call('DELETE', `${tagsPath(arn)}?tagKeys=${encodeURIComponent(k)}`), `Tag ${k} removed.`) !== undefined) load();
          },
        }))))));
    card.dataset.loaded = String(entries.length);
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const k = key.value.trim();
    if (await attempt(() => call('POST', tagsPath(arn), { tags: { [k]: value.value } }), `Tag ${k} saved.`) !== undefined) {
      key.value = '';
      value.value = '';
      load();
    }
  });
  load();
  return card;
}

/** A "Tags" button for a table row: shows that resource's tags card in `slot` (and hides it on a second click). */
function tagsButton(arn, label, slot) {
  return el('button', {
    type: 'button', class: 'show-tags', text: 'Tags', 'aria-label': `Tags of ${label}`,
    onclick: () => {
      const open = slot.firstElementChild?.dataset.arn === arn;
      slot.replaceChildren(...(open ? [] : [tagsCard(arn, `Tags of ${label}`)]));
    },
  });
}

// ---- Recording configurations ----

async function recordingsView() {
  document.body.dataset.view = 'recordings';
  const tbody = el('tbody');
  const tagsSlot = el('div', { id: 'recording-tags' });
  const form = el('form', { class: 'card', id: 'create-recording' },
    el('h2', { text: 'Create a recording configuration' }),
    el('p', { class: 'muted', text: 'Channels that name it are recorded to the bucket (a folder under the data directory, or S3 when the server is set up for it).' }),
    el('label', { for: 'recording-name', text: 'Name' }), el('input', { type: 'text', id: 'recording-name', name: 'name', maxlength: 128 }),
    el('label', { for: 'recording-bucket', text: 'S3 bucket' }),
    el('input', { type: 'text', id: 'recording-bucket', name: 'bucketName', required: true, maxlength: 63, spellcheck: 'false' }),
    el('label', { for: 'recording-thumbnails', text: 'Thumbnails' }),
    el('select', { id: 'recording-thumbnails', name: 'recordingMode' }, ['INTERVAL', 'DISABLED'].map((o) => el('option', { value: o, text: o }))),
    el('label', { for: 'recording-interval', text: 'Thumbnail interval (seconds)' }),
    el('input', { type: 'text', id: 'recording-interval', name: 'targetIntervalSeconds', value: '60', inputmode: 'numeric', pattern: '[0-9]+' }),
    el('label', { for: 'recording-reconnect', text: 'Reconnect window (seconds; 0: none)' }),
    el('input', { type: 'text', id: 'recording-reconnect', name: 'recordingReconnectWindowSeconds', value: '0', inputmode: 'numeric', pattern: '[0-9]+' }),
    el('p', {}, el('button', { type: 'submit', class: 'primary', text: 'Create recording configuration' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      destinationConfiguration: { s3: { bucketName: String(data.get('bucketName')).trim() } },
      thumbnailConfiguration: data.get('recordingMode') === 'DISABLED'
        ? { recordingMode: 'DISABLED' }
        : { recordingMode: 'INTERVAL', targetIntervalSeconds: Number(data.get('targetIntervalSeconds') || 60) },
      recordingReconnectWindowSeconds: Number(data.get('recordingReconnectWindowSeconds') || 0),
    };
    if (data.get('name')) body.name = data.get('name');
    if (await attempt(() => api('CreateRecordingConfiguration', body), 'Recording configuration created.')) recordingsView();
  });
  show(el('h1', { text: 'Recording configurations' }), form,
    el('table', { id: 'recording-configurations' }, el('thead', {}, el('tr', {},
      el('th', { text: 'Name' }), el('th', { text: 'Bucket' }), el('th', { text: 'State' }), el('th', { text: 'Thumbnails', class: 'optional' }),
      el('th', { text: 'ARN', class: 'optional' }), el('th'))), tbody),
    tagsSlot);
  const configurations = await listAll('ListRecordingConfigurations', 'recordingConfigurations');
  if (!configurations) return;
  if (configurations.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No recording configurations yet.' })));
  for (const summary of configurations) {
    const label = summary.name || summary.arn;
    const thumbnails = el('td', { class: 'optional' });
    tbody.append(el('tr', { 'data-recording-arn': summary.arn },
      el('td', { text: summary.name || '(no name)' }),
      el('td', { text: summary.destinationConfiguration?.s3?.bucketName ?? '' }),
      el('td', {}, el('span', { class: `badge state-${summary.state}`, text: summary.state })),
      thumbnails,
      el('td', { class: 'optional', text: summary.arn }),
      el('td', { class: 'actions' }, tagsButton(summary.arn, label, tagsSlot), ' ', el('button', {
        type: 'button', class: 'danger', text: 'Delete', 'aria-label': `Delete recording configuration ${label}`,
        onclick: async () => {
          if (!confirm(`Delete recording configuration ${label}?`)) return;
          if (await attempt(() => api('DeleteRecordingConfiguration', { arn: summary.arn }), 'Recording configuration deleted.') !== undefined) recordingsView();
        },
      }))));
    // The summary has no thumbnail settings: the details come with GetRecordingConfiguration.
    attempt(() => api('GetRecordingConfiguration', { arn: summary.arn })).then((got) => {
      const t = got?.recordingConfiguration?.thumbnailConfiguration;
      if (t) thumbnails.textContent = t.recordingMode === 'INTERVAL' ? `every ${t.targetIntervalSeconds} s` : 'off';
    });
  }
}

// ---- Events (GET /_openivs/events: Server-Sent Events, read with fetch so the CSRF header goes along) ----

/**
 * Follows the event stream (one channel's with `channelArn`), from `after` (an event id; 0: all retained events)
 * or from now on, calling `onEvent({ id, type, event })`. Reconnects after a drop from the last id seen. A refusal
 * goes to `onRefused(error)` when given, else to the message bar. Returns `{ stop }`.
 */
function followEvents({ channelArn, after, onEvent, onOpen, onRefused }) {
  let stopped = false;
  let lastId = after;
  let controller = null;
  async function connect() {
    controller = new AbortController();
    try {
      const headers = { 'X-OpenIvs-Csrf': session?.csrfToken ?? '' };
      if (lastId !== undefined && lastId !== null) headers['Last-Event-ID'] = String(lastId);
      const query = channelArn ? `?channelArn=${encodeURIComponent(channelArn)}` : '';
      const response = await fetch(`/_openivs/events${query}`, { credentials: 'same-origin', headers, signal: controller.signal });
      if (!response.ok) {
        const error = await readError(response);
        if (sessionLost(error)) signedOut(`Your session has ended: ${error.message}`);
        else if (onRefused) onRefused(error);
        else message(error.type === 'AccessDeniedException' ? `Live events: access denied: ${error.message}` : `Live events: ${error.message}`);
        stopped = true; // a refusal does not go away by retrying
        return;
      }
      onOpen?.();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id = null;
          let type = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length === 0) continue; // a comment (subscribed, keep-alive)
          if (id !== null) lastId = id;
          try {
            onEvent({ id, type, event: JSON.parse(data.join('\n')) });
          } catch (error) {
            message(`Live events: ${error.message}`);
          }
        }
      }
    } catch (error) {
      if (stopped || error.name === 'AbortError') return;
    }
    if (!stopped) setTimeout(() => { if (!stopped) connect(); }, 3000); // the server went away: resume
  }
  connect();
  return { stop() { stopped = true; controller?.abort(); } };
}

/** What an event says in a few words: its event name, limit or recording status. */
const eventSummary = (e) => e.detail?.event_name ?? e.detail?.recording_status ?? e.detail?.limit_name ?? e['detail-type'];

function eventsView() {
  document.body.dataset.view = 'events';
  const tbody = el('tbody');
  const state = el('span', { id: 'events-state', class: 'badge', text: 'connecting' });
  const count = el('span', { id: 'events-count', class: 'muted', text: '0 events' });
  let received = 0;
  show(el('h1', { text: 'Live events' }),
    el('p', { class: 'muted', text: 'IVS events as they happen (stream state and health, recordings, limits), newest first: the same events as EventBridge and webhooks get.' }),
    el('p', { class: 'row' }, state, count),
    el('table', { id: 'events' }, el('thead', {}, el('tr', {},
      el('th', { text: 'Time' }), el('th', { text: 'Event' }), el('th', { text: 'Channel' }), el('th', { text: 'Type', class: 'optional' }))), tbody));
  const feed = followEvents({
    onOpen: () => { state.textContent = 'LIVE'; state.className = 'badge live'; },
    onEvent: ({ id, event }) => {
      const arn = event.resources?.[0] ?? '';
      const channel = arn.includes(':channel/') ? channelId(arn) : '';
      tbody.prepend(el('tr', { 'data-event-id': id },
        el('td', { text: event.time ?? '' }),
        el('td', { text: eventSummary(event) }),
        el('td', {}, channel ? el('a', { href: `#/channel/${channel}`, text: event.detail?.channel_name || channel }) : ''),
        el('td', { class: 'optional', text: event['detail-type'] ?? '' })));
      while (tbody.children.length > 500) tbody.lastElementChild.remove(); // a long-open page stays small
      received += 1;
      count.textContent = `${received} event${received === 1 ? '' : 's'}`;
    },
  });
  leaveView = () => feed.stop();
}

// ---- A channel's recordings (from its recording events) ----

/**
 * Lists the channel's recordings from its retained "IVS Recording State Change" events, kept up to date while
 * the page is open. A recording in the server's own bucket folders plays here (hls.js); one in S3 shows where it is.
 */
function startRecordings(channel, container) {
  const recordings = new Map(); // recording_session_id -> { start, end, failure, bucket, prefix }
  const player = el('div', { id: 'recording-player' });
  let hls = null;
  const render = () => {
    if (recordings.size === 0) {
      container.replaceChildren(el('p', { class: 'muted', text: channel.recordingConfigurationArn ? 'No recordings yet.' : 'Not recorded: choose a recording configuration below.' }), player);
      return;
    }
    const rows = [...recordings.entries()].reverse().map(([id, r]) => {
      const status = r.failure ? 'failed' : r.end ? 'complete' : 'recording';
      const location = `s3://${r.bucket}/${r.prefix}/`;
      return el('tr', { 'data-recording-id': id, 'data-status': status },
        el('td', { text: r.start ?? '' }),
        el('td', {}, el('span', { class: `badge ${status === 'recording' ? 'live' : ''}`, text: status })),
        el('td', { text: r.durationMs ? `${Math.round(r.durationMs / 1000)} s` : '' }),
        el('td', { class: 'optional' }, el('code', { text: location })),
        el('td', { class: 'actions' }, r.end && !r.failure ? el('button', {
          type: 'button', class: 'play-recording', text: 'Play', onclick: () => play(r),
        }) : ''));
    });
    container.replaceChildren(el('table', { id: 'recordings' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Started' }), el('th', { text: 'Status' }), el('th', { text: 'Duration' }),
        el('th', { text: 'Location', class: 'optional' }), el('th'))),
      el('tbody', {}, rows)), player);
  };
  async function play(r) {
    const url = `/_openivs/s3/${r.bucket}/${r.prefix}/media/hls/master.m3u8`;
    const probe = await fetch(url, { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
    if (!probe?.ok) {
      message(probe?.status === 403
        ? 'This recording needs a playback token (private channel) to play here.'
        : `This recording is not in the server's own bucket folders: find it at s3://${r.bucket}/${r.prefix}/.`);
      return;
    }
    hls?.destroy();
    const video = el('video', { id: 'recording-video', muted: true, autoplay: true, playsinline: true, controls: true });
    player.replaceChildren(el('div', { class: 'preview' }, video));
    hls = new Hls();
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => {});
  }
  const feed = followEvents({
    channelArn: channel.arn,
    after: 0, // every retained event of the channel, then the new ones
    // Not an error of the page: this user may manage the channel without reading its events.
    onRefused: (error) => container.replaceChildren(el('p', { class: 'muted', id: 'recordings-refused',
      text: `The recordings are listed from the channel's events, which this key may not read: ${error.message}` })),
    onEvent: ({ type, event }) => {
      if (type !== 'IVS Recording State Change') return;
      const d = event.detail ?? {};
      const id = d.recording_session_id || d.stream_id;
      const r = recordings.get(id) ?? { bucket: d.recording_s3_bucket_name, prefix: d.recording_s3_key_prefix };
      r.bucket ||= d.recording_s3_bucket_name;
      r.prefix ||= d.recording_s3_key_prefix;
      if (d.recording_status === 'Recording Start') r.start = event.time;
      else if (d.recording_status === 'Recording End') { r.end = event.time; r.durationMs = d.recording_duration_ms; }
      else if (d.recording_status?.endsWith('Failure')) { r.failure = d.recording_status_reason || d.recording_status; r.start ??= event.time; }
      recordings.set(id, r);
      render();
    },
  });
  render();
  return { stop() { feed.stop(); hls?.destroy(); } };
}

// ---- Routing ----

/** Shows the view of `hash` (setting the same hash again fires no hashchange, so route directly then). */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash; // hashchange routes
}

async function route() {
  leaveView();
  leaveView = () => {};
  const hash = location.hash || '#/channels';
  if (!session) {
    signInView();
    return;
  }
  const match = /^#\/channel\/([a-zA-Z0-9]+)$/.exec(hash);
  if (match) await channelView(match[1]);
  else if (hash === '#/keys') await keysView();
  else if (hash === '#/policies') await policiesView();
  else if (hash === '#/recordings') await recordingsView();
  else if (hash === '#/events') eventsView();
  else await channelsView();
}

async function start() {
  document.getElementById('sign-out').addEventListener('click', async () => {
    await fetch('/console/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-OpenIvs-Csrf': session?.csrfToken ?? '' } });
    signedOut();
    message('Signed out.', 'info');
  });
  window.addEventListener('hashchange', route);
  const response = await fetch('/console/session', { credentials: 'same-origin' });
  if (response.ok) signedIn(await response.json());
  await route();
}

start();

// The web console (/console) end to end in a real browser: Debian's Chromium driven by playwright-core against
// a real OpenIVS server and a real ffmpeg publisher. Sign in (SigV4 through WebCrypto, then the session cookie),
// create a channel, go live, see the preview play and the charts move, stop the stream, see the session; and the
// clear messages for a wrong secret, an expired session and a user whose policy denies DeleteChannel.
// Screenshots go to artifacts/console/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { CreateChannelCommand, GetChannelCommand, IvsClient, ListChannelsCommand } from '@aws-sdk/client-ivs';
import { importSPKI, jwtVerify } from 'jose';
import { launchChromium } from '../lib/browser.js';
import { eventually, publish } from '../lib/live.js';
import { cliDll, REGION, startServer } from '../lib/server.js';
import { TEST_CREDENTIALS } from '../lib/sigv4.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'artifacts', 'console');
const run = promisify(execFile);

describe('web console in Chromium', () => {
  let server;
  let browser;
  const publishers = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer(); // in the cluster layout the console's node holds no stream: it charts and previews the holder's
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const publisher of publishers) await publisher.stop();
    await server?.stop();
  });

  /** A fresh browser context (its own cookies) on /console that records script errors. */
  async function openConsole(target = server, viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
    page.on('dialog', (dialog) => dialog.accept());
    const response = await page.goto(`${target.endpoint}/console`);
    assert.equal(response.status(), 200);
    return { context, page, problems };
  }

  async function signIn(page, credentials = TEST_CREDENTIALS) {
    await page.fill('#access-key-id', credentials.accessKeyId);
    await page.fill('#secret-access-key', credentials.secretAccessKey);
    await page.click('#sign-in-form button[type=submit]');
  }

  const messageText = (page) => page.textContent('#message');

  test('a wrong secret gets a clear message and no session', async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, { ...TEST_CREDENTIALS, secretAccessKey: 'not-the-secret' });
    await page.waitForSelector('#message:not([hidden])');
    assert.match(await messageText(page), /access key ID or secret access key is wrong/);
    assert.equal(await page.isVisible('#sign-in-form'), true);
    assert.deepEqual((await context.cookies()).filter((c) => c.name === 'openivs-console'), []);
    await page.screenshot({ path: join(ARTIFACTS, 'sign-in-wrong-secret.png') });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('sign in, create a channel, go live: the preview plays, the charts move; stop: the session is listed', async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page);
    await page.waitForSelector('#create-channel');
    const cookie = (await context.cookies()).find((c) => c.name === 'openivs-console');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('openivs-console')), false, 'scripts cannot read the session');
    await page.screenshot({ path: join(ARTIFACTS, 'channels-empty.png') });

    await page.fill('#new-name', 'console-demo');
    await page.check('#new-insecureIngest');
    await page.click('#create-channel button[type=submit]');
    await page.waitForSelector('#channel-name');
    assert.equal(await page.textContent('#channel-name'), 'console-demo');
    const id = new URL(page.url()).hash.split('/').pop();

    // The stream key stays hidden until asked for.
    assert.doesNotMatch(await page.textContent('#stream-key'), /^sk_/);
    await page.click('#show-key');
    await page.waitForFunction(() => document.getElementById('stream-key').textContent.startsWith('sk_'));
    const key = await page.textContent('#stream-key');
    await page.click('#show-key'); // hidden again
    assert.doesNotMatch(await page.textContent('#stream-key'), /^sk_/);

    const publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${key}`);
    publishers.push(publisher);
    await page.waitForFunction(() => document.getElementById('stream-state').textContent === 'LIVE', null, { timeout: 30_000 })
      .catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });

    // The preview plays: the video's time advances.
    const played = await eventually('the preview to play', async () => {
      const t = await page.evaluate(() => document.getElementById('preview').currentTime);
      return t > 2 ? t : 0;
    }, 45_000);
    assert.ok(played > 2);

    // The charts move: several samples, and the bitrate reads a live figure.
    await eventually('bitrate samples', async () => Number(await page.getAttribute('.charts', 'data-samples')) >= 4);
    const bitrate = await page.textContent('[data-chart="Bitrate"] .now');
    const [video] = bitrate.match(/\d+/).map(Number);
    assert.ok(video > 100, `video bitrate ${bitrate}`);
    assert.match(await page.textContent('[data-chart="Frame rate"] .now'), /fps/);
    await page.screenshot({ path: join(ARTIFACTS, 'channel-live.png'), fullPage: true });

    // Stop the stream from the console; the session appears with its events.
    await page.click('#stop-stream');
    await page.waitForFunction(() => document.getElementById('stream-state').textContent === 'offline', null, { timeout: 30_000 });
    await publisher.stop();
    await page.reload();
    await page.waitForSelector('#sessions tbody tr');
    await page.click('#sessions tbody tr button');
    await page.waitForSelector('#session-events li');
    const events = await page.textContent('#session-events');
    assert.match(events, /Stream Start/);
    assert.match(events, /Stream End/);
    await page.screenshot({ path: join(ARTIFACTS, 'channel-session.png'), fullPage: true });

    // Edit: rename the channel.
    await page.fill('#edit-name', 'console-renamed');
    await page.click('#edit-channel button[type=submit]');
    await page.waitForFunction(() => document.getElementById('channel-name').textContent === 'console-renamed');

    // Back on the list, the channel is there; on a phone-sized screen nothing scrolls sideways.
    await page.goto(`${server.endpoint}/console#/channels`);
    await page.waitForSelector(`tr[data-channel-id="${id}"]`);
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling on a phone');
    await page.screenshot({ path: join(ARTIFACTS, 'channels-phone.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('import a playback key pair, sign a token in the page, and preview a private channel with it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
    const { context, page, problems } = await openConsole();
    await signIn(page);
    await page.waitForSelector('#create-channel');
    await page.goto(`${server.endpoint}/console#/keys`);
    await page.waitForSelector('#import-key');
    await page.fill('#key-name', 'viewers');
    await page.fill('#key-material', publicPem);
    await page.click('#import-key button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#key-pairs tbody')?.textContent.includes('viewers'));
    await page.screenshot({ path: join(ARTIFACTS, 'playback-keys.png') });

    const { channel, streamKey } = await server.client().send(new CreateChannelCommand({ name: 'private', authorized: true, insecureIngest: true }));
    const publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}`);
    publishers.push(publisher);
    await page.goto(`${server.endpoint}/console#/channel/${channel.arn.split('/').pop()}`);
    await page.waitForFunction(() => document.getElementById('stream-state')?.textContent === 'LIVE', null, { timeout: 30_000 });
    assert.match(await page.textContent('#preview-state'), /playback token/);

    await page.fill('#token-key', privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('token-output').value.split('.').length === 3);
    const token = await page.inputValue('#token-output');
    const { payload } = await jwtVerify(token, await importSPKI(publicPem, 'ES384'));
    assert.equal(payload['aws:channel-arn'], channel.arn);
    assert.ok(payload.exp > Date.now() / 1000 + 3000);

    await page.click('#use-token');
    await eventually('the private preview to play', async () => (await page.evaluate(() => document.getElementById('preview').currentTime)) > 2, 45_000);
    await page.screenshot({ path: join(ARTIFACTS, 'private-channel-token.png'), fullPage: true });
    await publisher.stop();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('create a playback restriction policy, attach it to a channel and detach it, delete it', async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page);
    await page.waitForSelector('#create-channel');
    await page.click('a[href="#/policies"]');
    await page.waitForSelector('#create-policy');
    await page.fill('#policy-name', 'north-america');
    await page.fill('#policy-countries', 'US, CA');
    await page.fill('#policy-origins', 'https://example.com');
    await page.check('#policy-strict');
    await page.click('#create-policy button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#policies tbody')?.textContent.includes('north-america'));
    assert.match(await page.textContent('#policies tbody'), /US, CA/);
    await page.screenshot({ path: join(ARTIFACTS, 'restriction-policies.png') });

    // Attach it to a channel from the channel's edit form, then detach it again (so it can be deleted).
    const policyArn = await page.getAttribute('#policies tbody tr', 'data-policy-arn');
    const { channel } = await server.client().send(new CreateChannelCommand({ name: 'restricted' }));
    await page.goto(`${server.endpoint}/console#/channel/${channel.arn.split('/').pop()}`);
    await page.waitForSelector('#edit-channel');
    await page.fill('#edit-playbackRestrictionPolicyArn', policyArn);
    await page.click('#edit-channel button[type=submit]');
    await page.waitForFunction(() => document.getElementById('message').textContent === 'Channel updated.');
    const { channel: attached } = await server.client().send(new GetChannelCommand({ arn: channel.arn }));
    assert.equal(attached.playbackRestrictionPolicyArn, policyArn);
    await page.fill('#edit-playbackRestrictionPolicyArn', '');
    await page.click('#edit-channel button[type=submit]');
    await eventually('the policy to be detached', async () =>
      !(await server.client().send(new GetChannelCommand({ arn: channel.arn }))).channel.playbackRestrictionPolicyArn);

    await page.click('a[href="#/policies"]');
    await page.waitForSelector('#policies tbody tr[data-policy-arn]');
    await page.click('#policies tbody tr button.danger');
    await page.waitForFunction(() => !document.querySelector('#policies tbody').textContent.includes('north-america'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a user whose policy denies DeleteChannel gets a clear message, and the channel stays', async () => {
    const ivs = server.client();
    const { channel } = await ivs.send(new CreateChannelCommand({ name: 'protected' }));
    const admin = (...args) => run('dotnet', [cliDll(), 'admin', ...args, '--data-dir', server.dataDir], { env: server.adminEnv });
    await admin('create-user', '--user', 'operator');
    await admin('put-policy', '--policy', 'no-delete', '--policy-document', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ivs:*', Resource: '*' },
        { Effect: 'Deny', Action: 'ivs:DeleteChannel', Resource: '*' },
      ],
    }));
    await admin('attach-policy', '--user', 'operator', '--policy', 'no-delete');
    const issued = JSON.parse((await admin('create-access-key', '--user', 'operator')).stdout).AccessKey;
    const credentials = { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey };
    // The server picks up the new key when it notices the database changed.
    const operator = new IvsClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
    await eventually('the new key to work', () => operator.send(new ListChannelsCommand({})));

    const { context, page, problems } = await openConsole();
    await signIn(page, credentials);
    const row = `tr[data-channel-id="${channel.arn.split('/').pop()}"]`;
    await page.waitForSelector(row);
    assert.match(await page.textContent('#who'), /user\/operator/);
    await page.click(`${row} button.danger`);
    await page.waitForSelector('#message:not([hidden])');
    const text = await messageText(page);
    assert.match(text, /Access denied/);
    assert.match(text, /ivs:DeleteChannel/);
    assert.equal(await page.isVisible(row), true);
    await page.screenshot({ path: join(ARTIFACTS, 'delete-denied.png') });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('an expired session gets a clear message and the sign-in form', async () => {
    process.env.OPENIVS_Console__SessionLifetime = '00:00:03';
    const shortLived = await startServer().finally(() => { delete process.env.OPENIVS_Console__SessionLifetime; });
    try {
      const { context, page, problems } = await openConsole(shortLived);
      await signIn(page);
      await page.waitForSelector('#create-channel');
      await new Promise((r) => setTimeout(r, 4000));
      await page.fill('#new-name', 'too-late');
      await page.click('#create-channel button[type=submit]');
      await page.waitForSelector('#sign-in-form');
      assert.match(await messageText(page), /session has ended/);
      await page.screenshot({ path: join(ARTIFACTS, 'session-expired.png') });
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await shortLived.stop();
    }
  });

  test('without the CSRF header the session cookie authenticates nothing', async () => {
    const { context, page } = await openConsole();
    await signIn(page);
    await page.waitForSelector('#create-channel');
    const status = await page.evaluate(async () => (await fetch('/ListChannels', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })).status);
    assert.equal(status, 403);
    await context.close();
  });
});

// The console's recordings, tags and live event feed in a real browser: Debian's Chromium driven by playwright-core
// against a real OpenIVS server and a real ffmpeg publisher. Create and delete recording configurations, tag
// resources, watch the live event feed as a recorded channel goes live and ends, and play the recording; a user
// whose policy does not allow openivs:ReadEvents gets a clear message. Screenshots go to artifacts/console/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateChannelCommand, CreateRecordingConfigurationCommand, GetRecordingConfigurationCommand, IvsClient,
  ListChannelsCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-ivs';
import { launchChromium } from '../lib/browser.js';
import { eventually, publish } from '../lib/live.js';
import { cliDll, REGION, startServer } from '../lib/server.js';
import { TEST_CREDENTIALS } from '../lib/sigv4.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'artifacts', 'console');
const run = promisify(execFile);

describe('web console recordings, tags and live events in Chromium', () => {
  let server;
  let browser;
  const publishers = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({ pinned: true }); // recordings read back from the embedded S3 folder (per node)
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const publisher of publishers) await publisher.stop();
    await server?.stop();
  });

  /** A signed-in page in a fresh browser context that records script errors. */
  async function signedIn(credentials = TEST_CREDENTIALS) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
    page.on('dialog', (dialog) => dialog.accept());
    await page.goto(`${server.endpoint}/console`);
    await page.fill('#access-key-id', credentials.accessKeyId);
    await page.fill('#secret-access-key', credentials.secretAccessKey);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#create-channel');
    return { context, page, problems };
  }

  const tagsOf = async (arn) => (await server.client().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;

  test('recording configurations: create, tag, delete; a recorded channel goes live in the event feed and its recording plays', async () => {
    const ivs = server.client();
    const { context, page, problems } = await signedIn();
    await page.click('a[href="#/recordings"]');
    await page.waitForSelector('#create-recording');
    await page.fill('#recording-name', 'console-rec');
    await page.fill('#recording-bucket', 'console-recordings');
    await page.selectOption('#recording-thumbnails', 'DISABLED');
    await page.click('#create-recording button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#recording-configurations tbody')?.textContent.includes('console-rec'));
    const configurationArn = await page.getAttribute('#recording-configurations tbody tr[data-recording-arn]', 'data-recording-arn');
    await eventually('the configuration to be ACTIVE', async () =>
      (await ivs.send(new GetRecordingConfigurationCommand({ arn: configurationArn }))).recordingConfiguration.state === 'ACTIVE');

    // Tags on the configuration: add one, see it through the API, remove it.
    const row = `#recording-configurations tr[data-recording-arn="${configurationArn}"]`;
    await page.click(`${row} button.show-tags`);
    await page.waitForSelector('#recording-tags section.tags[data-loaded="0"]');
    await page.fill('#recording-tags .tag-key', 'team');
    await page.fill('#recording-tags .tag-value', 'video');
    await page.click('#recording-tags form.tag-add button[type=submit]');
    await page.waitForSelector('#recording-tags tr[data-tag-key="team"]');
    assert.deepEqual(await tagsOf(configurationArn), { team: 'video' });
    await page.screenshot({ path: join(ARTIFACTS, 'recording-configurations.png'), fullPage: true });
    await page.click('#recording-tags tr[data-tag-key="team"] button.danger');
    await page.waitForSelector('#recording-tags section.tags[data-loaded="0"]');
    assert.deepEqual(await tagsOf(configurationArn), {});

    // The live event feed, open in a second tab of the same session.
    const feed = await context.newPage();
    feed.on('pageerror', (error) => problems.push(`feed page error: ${error.message}`));
    await feed.goto(`${server.endpoint}/console#/events`);
    await feed.waitForFunction(() => document.getElementById('events-state')?.textContent === 'LIVE');

    // A recorded channel goes live, then ends: the feed shows it as it happens.
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({
      name: 'recorded', insecureIngest: true, recordingConfigurationArn: configurationArn,
    }));
    const id = channel.arn.split('/').pop();
    const publisher = publish(`rtmp://127.0.0.1:${server.ports.rtmp}/app/${streamKey.value}`);
    publishers.push(publisher);
    const feedShows = (text, timeout = 45_000) => feed.waitForFunction(
      ([channelId, what]) => [...document.querySelectorAll('#events tbody tr')].some((tr) => tr.textContent.includes(what) && tr.querySelector(`a[href="#/channel/${channelId}"]`)),
      [id, text], { timeout });
    await feedShows('Stream Start').catch((error) => { throw new Error(`${error.message}\nffmpeg: ${publisher.errors()}`); });
    await feedShows('Recording Start');
    await feed.screenshot({ path: join(ARTIFACTS, 'live-events.png'), fullPage: true });

    // The channel page lists the recording while it records.
    await page.goto(`${server.endpoint}/console#/channel/${id}`);
    await page.waitForSelector('#channel-recordings tr[data-status="recording"]', { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 6000)); // a few seconds of media to play back
    await publisher.stop();
    await feedShows('Stream End');
    await feedShows('Recording End', 90_000);
    await page.waitForSelector('#channel-recordings tr[data-status="complete"]', { timeout: 30_000 });
    await page.click('#channel-recordings tr[data-status="complete"] button.play-recording');
    await eventually('the recording to play', async () =>
      (await page.evaluate(() => document.getElementById('recording-video')?.currentTime ?? 0)) > 1, 45_000);
    await page.screenshot({ path: join(ARTIFACTS, 'channel-recordings.png'), fullPage: true });

    // Tags on the channel page.
    await page.fill('section.tags[data-arn$=":channel/' + id + '"] .tag-key', 'env');
    await page.fill('section.tags[data-arn$=":channel/' + id + '"] .tag-value', 'test');
    await page.click('section.tags[data-arn$=":channel/' + id + '"] form.tag-add button[type=submit]');
    await page.waitForSelector('section.tags tr[data-tag-key="env"]');
    assert.deepEqual(await tagsOf(channel.arn), { env: 'test' });
    await page.click('section.tags tr[data-tag-key="env"] button.danger');
    await page.waitForSelector('section.tags[data-loaded="0"]');
    assert.deepEqual(await tagsOf(channel.arn), {});

    // Deleting a configuration a channel uses is refused with IVS's message; an unused one goes.
    await page.goto(`${server.endpoint}/console#/recordings`);
    await page.waitForSelector(row);
    await page.click(`${row} button.danger`);
    await page.waitForFunction(() => document.getElementById('message').className === 'error');
    assert.match(await page.textContent('#message'), /Conflict/);
    const { recordingConfiguration: spare } = await ivs.send(new CreateRecordingConfigurationCommand({
      name: 'spare', destinationConfiguration: { s3: { bucketName: 'spare-bucket' } },
    }));
    await page.reload();
    await page.waitForSelector(`tr[data-recording-arn="${spare.arn}"]`);
    await page.click(`tr[data-recording-arn="${spare.arn}"] button.danger`);
    await page.waitForFunction((arn) => !document.querySelector(`tr[data-recording-arn="${arn}"]`)
      && document.getElementById('message').textContent === 'Recording configuration deleted.', spare.arn);
    assert.ok(await page.isVisible(row), 'the configuration in use is still there');

    // The feed counted every event it was sent and wrote no script errors.
    assert.ok(Number((await feed.textContent('#events-count')).split(' ')[0]) >= 4);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('a user whose policy does not allow openivs:ReadEvents gets a clear message on the live event feed', async () => {
    const admin = (...args) => run('dotnet', [cliDll(), 'admin', ...args, '--data-dir', server.dataDir], { env: server.adminEnv });
    await admin('create-user', '--user', 'viewer');
    await admin('put-policy', '--policy', 'ivs-only', '--policy-document', JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ivs:*', Resource: '*' }],
    }));
    await admin('attach-policy', '--user', 'viewer', '--policy', 'ivs-only');
    const issued = JSON.parse((await admin('create-access-key', '--user', 'viewer')).stdout).AccessKey;
    const credentials = { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey };
    const viewer = new IvsClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
    await eventually('the new key to work', () => viewer.send(new ListChannelsCommand({})));

    const { context, page, problems } = await signedIn(credentials);
    await page.click('a[href="#/events"]');
    await page.waitForSelector('#message:not([hidden])');
    const text = await page.textContent('#message');
    assert.match(text, /Live events: access denied/);
    assert.match(text, /openivs:ReadEvents/);
    assert.notEqual(await page.textContent('#events-state'), 'LIVE');
    await page.screenshot({ path: join(ARTIFACTS, 'live-events-denied.png') });

    // On a channel page the recordings (read from the channel's events) say why they are missing, quietly.
    const { channel } = await server.client().send(new CreateChannelCommand({ name: 'viewer-channel' }));
    await page.click('a[href="#/channels"]');
    await page.waitForSelector(`tr[data-channel-id="${channel.arn.split('/').pop()}"]`);
    await page.click(`tr[data-channel-id="${channel.arn.split('/').pop()}"] a`);
    await page.waitForSelector('#recordings-refused');
    assert.match(await page.textContent('#recordings-refused'), /openivs:ReadEvents/);
    assert.ok(!(await page.textContent('#message')).includes(channel.arn), 'the refusal on the channel is not an error in the message bar');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

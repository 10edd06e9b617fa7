// Ad configurations through @aws-sdk/client-ivs: Create, Get, Update (botocore-only until 2026-06), List,
// Delete, and InsertAdBreak on an offline channel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelNotBroadcasting, ConflictException, CreateAdConfigurationCommand, CreateChannelCommand, DeleteAdConfigurationCommand,
  GetAdConfigurationCommand, InsertAdBreakCommand, ListAdConfigurationsCommand, paginateListAdConfigurations, ResourceNotFoundException,
  UpdateAdConfigurationCommand, UpdateChannelCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { assertArn, collect, expectError } from '../lib/expect.js';

const playbackConfiguration = (name) => ({ playbackConfigurationArn: `arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/${name}` });

describe('ad configurations', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('CreateAdConfiguration and GetAdConfiguration', async () => {
    const { adConfiguration: ad } = await ivs.send(new CreateAdConfigurationCommand({
      name: 'ads-1', mediaTailorPlaybackConfigurations: [playbackConfiguration('main')], tags: { ads: 'on' },
      postRollConfiguration: { enabled: true, durationSeconds: 30 },
    }));
    assertArn(ad.arn, 'ad-configuration');
    assert.equal(ad.name, 'ads-1');
    assert.deepEqual(ad.mediaTailorPlaybackConfigurations, [playbackConfiguration('main')]);
    assert.deepEqual(ad.postRollConfiguration, { enabled: true, durationSeconds: 30 });
    assert.deepEqual(ad.tags, { ads: 'on' });
    assert.deepEqual((await ivs.send(new GetAdConfigurationCommand({ arn: ad.arn }))).adConfiguration, ad);
  });

  test('CreateAdConfiguration without a post-roll configuration reports the documented default (disabled, 15 s)', async () => {
    const { adConfiguration: ad } = await ivs.send(new CreateAdConfigurationCommand({ mediaTailorPlaybackConfigurations: [playbackConfiguration('d')] }));
    assert.equal(ad.name, '');
    assert.deepEqual(ad.tags, {});
    assert.deepEqual(ad.postRollConfiguration, { enabled: false, durationSeconds: 15 });
    assert.deepEqual((await ivs.send(new GetAdConfigurationCommand({ arn: ad.arn }))).adConfiguration, ad);
  });

  test('CreateAdConfiguration validates its input', async () => {
    await expectError(ivs.send(new CreateAdConfigurationCommand({ mediaTailorPlaybackConfigurations: [] })), ValidationException, 400);
    await expectError(ivs.send(new CreateAdConfigurationCommand({
      mediaTailorPlaybackConfigurations: [{ playbackConfigurationArn: 'arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh' }],
    })), ValidationException, 400);
    await expectError(ivs.send(new CreateAdConfigurationCommand({
      mediaTailorPlaybackConfigurations: [playbackConfiguration('a')], postRollConfiguration: { enabled: true, durationSeconds: 301 },
    })), ValidationException, 400);
  });

  test('UpdateAdConfiguration changes only what it is given', async () => {
    const { adConfiguration: ad } = await ivs.send(new CreateAdConfigurationCommand({
      name: 'before', mediaTailorPlaybackConfigurations: [playbackConfiguration('one')],
    }));
    const { adConfiguration: updated, $metadata } = await ivs.send(new UpdateAdConfigurationCommand({
      arn: ad.arn, mediaTailorPlaybackConfigurations: [playbackConfiguration('two'), playbackConfiguration('three')],
    }));
    assert.equal($metadata.httpStatusCode, 200);
    assert.equal(updated.name, 'before');
    assert.deepEqual(updated.mediaTailorPlaybackConfigurations, [playbackConfiguration('two'), playbackConfiguration('three')]);
    const renamed = (await ivs.send(new UpdateAdConfigurationCommand({ arn: ad.arn, name: 'after' }))).adConfiguration;
    assert.equal(renamed.name, 'after');
    assert.deepEqual(renamed.mediaTailorPlaybackConfigurations, updated.mediaTailorPlaybackConfigurations);
    await expectError(ivs.send(new UpdateAdConfigurationCommand({ arn: `${ad.arn.slice(0, -12)}${'Y'.repeat(12)}`, name: 'x' })),
      ResourceNotFoundException, 404);
  });

  test('DeleteAdConfiguration conflicts while a channel uses it, then answers 204', async () => {
    const { adConfiguration: ad } = await ivs.send(new CreateAdConfigurationCommand({ mediaTailorPlaybackConfigurations: [playbackConfiguration('c')] }));
    const { channel } = await ivs.send(new CreateChannelCommand({ adConfigurationArn: ad.arn }));
    await expectError(ivs.send(new DeleteAdConfigurationCommand({ arn: ad.arn })), ConflictException, 409);
    await ivs.send(new UpdateChannelCommand({ arn: channel.arn, adConfigurationArn: '' }));
    const deleted = await ivs.send(new DeleteAdConfigurationCommand({ arn: ad.arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(ivs.send(new GetAdConfigurationCommand({ arn: ad.arn })), ResourceNotFoundException, 404);
  });

  test('InsertAdBreak on an offline channel is ChannelNotBroadcasting', async () => {
    const { adConfiguration: ad } = await ivs.send(new CreateAdConfigurationCommand({ mediaTailorPlaybackConfigurations: [playbackConfiguration('i')] }));
    const { channel } = await ivs.send(new CreateChannelCommand({ adConfigurationArn: ad.arn }));
    await expectError(ivs.send(new InsertAdBreakCommand({ channelArn: channel.arn, durationSeconds: 30 })), ChannelNotBroadcasting, 404);
    await expectError(ivs.send(new InsertAdBreakCommand({ channelArn: channel.arn, durationSeconds: 0 })), ValidationException, 400);
    await expectError(ivs.send(new InsertAdBreakCommand({ channelArn: `${channel.arn.slice(0, -12)}${'W'.repeat(12)}`, durationSeconds: 30 })),
      ResourceNotFoundException, 404);
  });

  test('paginateListAdConfigurations walks every configuration', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push((await ivs.send(new CreateAdConfigurationCommand({ name: `page-${i}`, mediaTailorPlaybackConfigurations: [playbackConfiguration(`p${i}`)] }))).adConfiguration);
    }
    const { items, pages } = await collect(paginateListAdConfigurations({ client: ivs, pageSize: 2 }, {}), 'adConfigurations');
    assert.ok(pages >= 3);
    for (const ad of made) {
      assert.deepEqual(items.find((s) => s.arn === ad.arn), ad);
    }
    const first = await ivs.send(new ListAdConfigurationsCommand({ maxResults: 1 }));
    assert.equal(first.adConfigurations.length, 1);
    assert.equal(typeof first.nextToken, 'string');
    await expectError(ivs.send(new ListAdConfigurationsCommand({ maxResults: 101 })), ValidationException, 400);
  });
});

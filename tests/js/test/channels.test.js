// Channels and their stream keys through @aws-sdk/client-ivs: CreateChannel, GetChannel, BatchGetChannel,
// ListChannels, UpdateChannel, DeleteChannel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchGetChannelCommand, ConflictException, CreateAdConfigurationCommand, CreateChannelCommand,
  CreatePlaybackRestrictionPolicyCommand, CreateRecordingConfigurationCommand, DeleteChannelCommand,
  GetChannelCommand, GetStreamKeyCommand, ListChannelsCommand, ListStreamKeysCommand, ResourceNotFoundException,
  UpdateChannelCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { assertArn, assertDefaultChannel, assertStreamKey, expectError } from '../lib/expect.js';

describe('channels', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('CreateChannel with no input applies every documented default and returns a stream key', async () => {
    const created = await ivs.send(new CreateChannelCommand({}));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assertDefaultChannel(created.channel);
    assertStreamKey(created.streamKey, created.channel.arn);
    assert.deepEqual(created.streamKey.tags, {});

    const got = await ivs.send(new GetChannelCommand({ arn: created.channel.arn }));
    assert.deepEqual(got.channel, created.channel);
  });

  test('CreateChannel keeps every option it is given', async () => {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({
      name: 'studio-A_1',
      latencyMode: 'NORMAL',
      type: 'ADVANCED_HD',
      authorized: true,
      insecureIngest: true,
      tags: { team: 'live', 'cost:center': 'b/42' },
    }));
    assert.equal(channel.name, 'studio-A_1');
    assert.equal(channel.latencyMode, 'NORMAL');
    assert.equal(channel.type, 'ADVANCED_HD');
    assert.equal(channel.preset, 'HIGHER_BANDWIDTH_DELIVERY', 'ADVANCED types default to HIGHER_BANDWIDTH_DELIVERY');
    assert.equal(channel.authorized, true);
    assert.equal(channel.insecureIngest, true);
    assert.deepEqual(channel.tags, { team: 'live', 'cost:center': 'b/42' });
    assertStreamKey(streamKey, channel.arn);

    const sd = await ivs.send(new CreateChannelCommand({ type: 'ADVANCED_SD', preset: 'CONSTRAINED_BANDWIDTH_DELIVERY' }));
    assert.equal(sd.channel.preset, 'CONSTRAINED_BANDWIDTH_DELIVERY');

    const multitrack = await ivs.send(new CreateChannelCommand({
      containerFormat: 'FRAGMENTED_MP4',
      multitrackInputConfiguration: { enabled: true, policy: 'REQUIRE', maximumResolution: 'HD' },
    }));
    assert.equal(multitrack.channel.containerFormat, 'FRAGMENTED_MP4');
    assert.deepEqual(multitrack.channel.multitrackInputConfiguration, { enabled: true, policy: 'REQUIRE', maximumResolution: 'HD' });
  });

  test('CreateChannel links existing recording configuration, playback restriction policy and ad configuration', async () => {
    const rc = await ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'recordings-bucket' } } }));
    const prp = await ivs.send(new CreatePlaybackRestrictionPolicyCommand({ allowedCountries: ['US'] }));
    const ad = await ivs.send(new CreateAdConfigurationCommand({
      mediaTailorPlaybackConfigurations: [{ playbackConfigurationArn: 'arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ads' }],
    }));
    const { channel } = await ivs.send(new CreateChannelCommand({
      recordingConfigurationArn: rc.recordingConfiguration.arn,
      playbackRestrictionPolicyArn: prp.playbackRestrictionPolicy.arn,
      adConfigurationArn: ad.adConfiguration.arn,
    }));
    assert.equal(channel.recordingConfigurationArn, rc.recordingConfiguration.arn);
    assert.equal(channel.playbackRestrictionPolicyArn, prp.playbackRestrictionPolicy.arn);
    assert.equal(channel.adConfigurationArn, ad.adConfiguration.arn);

    await expectError(ivs.send(new CreateChannelCommand({
      recordingConfigurationArn: `arn:aws:ivs:us-west-2:000000000000:recording-configuration/${'Z'.repeat(12)}`,
    })), ResourceNotFoundException, 404);
  });

  test('CreateChannel rejects shapes IVS rejects', async () => {
    await expectError(ivs.send(new CreateChannelCommand({ type: 'STANDARD', preset: 'HIGHER_BANDWIDTH_DELIVERY' })), ValidationException, 400);
    await expectError(ivs.send(new CreateChannelCommand({ name: 'spaces are not allowed' })), ValidationException, 400);
    await expectError(ivs.send(new CreateChannelCommand({ name: 'n'.repeat(129) })), ValidationException, 400);
    await expectError(ivs.send(new CreateChannelCommand({ type: 'PREMIUM' })), ValidationException, 400);
    await expectError(ivs.send(new CreateChannelCommand({ tags: { 'aws:reserved': 'x' } })), ValidationException, 400);
  });

  test('BatchGetChannel returns found channels and an error entry for each missing one', async () => {
    const a = (await ivs.send(new CreateChannelCommand({ name: 'batch-a' }))).channel;
    const b = (await ivs.send(new CreateChannelCommand({ name: 'batch-b' }))).channel;
    const missing = `arn:aws:ivs:us-west-2:000000000000:channel/${'M'.repeat(12)}`;
    const result = await ivs.send(new BatchGetChannelCommand({ arns: [a.arn, missing, b.arn] }));
    assert.deepEqual(result.channels.map((c) => c.arn).sort(), [a.arn, b.arn].sort());
    assert.deepEqual(result.channels.find((c) => c.arn === a.arn), a);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].arn, missing);
    assert.equal(result.errors[0].code, 'ResourceNotFoundException');
    assert.equal(typeof result.errors[0].message, 'string');

    await expectError(ivs.send(new BatchGetChannelCommand({ arns: [] })), ValidationException, 400);
    await expectError(ivs.send(new BatchGetChannelCommand({ arns: Array.from({ length: 51 }, () => a.arn) })), ValidationException, 400);
  });

  test('UpdateChannel changes only what it is given', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({ name: 'before', authorized: true, tags: { keep: 'me' } }));
    const updated = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, name: 'after', latencyMode: 'NORMAL' }));
    assert.equal(updated.$metadata.httpStatusCode, 200);
    assert.equal(updated.channel.name, 'after');
    assert.equal(updated.channel.latencyMode, 'NORMAL');
    assert.equal(updated.channel.authorized, true, 'unspecified members keep their values');
    assert.deepEqual(updated.channel.tags, { keep: 'me' });
    assert.equal(updated.channel.playbackUrl, channel.playbackUrl);
    assert.equal(updated.channel.ingestEndpoint, channel.ingestEndpoint);

    const advanced = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, type: 'ADVANCED_SD' }));
    assert.equal(advanced.channel.preset, 'HIGHER_BANDWIDTH_DELIVERY');
    const basic = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, type: 'BASIC' }));
    assert.equal(basic.channel.preset, '');
    assert.deepEqual((await ivs.send(new GetChannelCommand({ arn: channel.arn }))).channel, basic.channel);
    const cleared = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, authorized: false, insecureIngest: true }));
    assert.equal(cleared.channel.authorized, false, 'an explicit false is applied');
    assert.equal(cleared.channel.insecureIngest, true);

    await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, preset: 'CONSTRAINED_BANDWIDTH_DELIVERY' })), ValidationException, 400);
    await expectError(ivs.send(new UpdateChannelCommand({ arn: `${channel.arn.slice(0, -12)}${'Q'.repeat(12)}` })), ResourceNotFoundException, 404);
  });

  test('enabled multitrack input needs policy and maximumResolution, in CreateChannel and UpdateChannel alike', async () => {
    const incomplete = { enabled: true };
    await expectError(ivs.send(new CreateChannelCommand({ containerFormat: 'FRAGMENTED_MP4', multitrackInputConfiguration: incomplete })),
      ValidationException, 400);
    const { channel } = await ivs.send(new CreateChannelCommand({ containerFormat: 'FRAGMENTED_MP4' }));
    await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, multitrackInputConfiguration: incomplete })), ValidationException, 400);
    await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, multitrackInputConfiguration: { enabled: true, policy: 'ALLOW' } })),
      ValidationException, 400);
    assert.deepEqual((await ivs.send(new GetChannelCommand({ arn: channel.arn }))).channel.multitrackInputConfiguration.enabled, false, 'nothing changed');

    const enabled = await ivs.send(new UpdateChannelCommand({
      arn: channel.arn, multitrackInputConfiguration: { enabled: true, policy: 'REQUIRE', maximumResolution: 'SD' },
    }));
    assert.deepEqual(enabled.channel.multitrackInputConfiguration, { enabled: true, policy: 'REQUIRE', maximumResolution: 'SD' });
    await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, containerFormat: 'TS' })), ValidationException, 400);
    await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, type: 'BASIC' })), ValidationException, 400);
  });

  test('UpdateChannel attaches and detaches a recording configuration with the empty string', async () => {
    const rc = (await ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'detach-test' } } }))).recordingConfiguration;
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    const attached = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, recordingConfigurationArn: rc.arn }));
    assert.equal(attached.channel.recordingConfigurationArn, rc.arn);
    const detached = await ivs.send(new UpdateChannelCommand({ arn: channel.arn, recordingConfigurationArn: '' }));
    assert.equal(detached.channel.recordingConfigurationArn, '');
  });

  test('DeleteChannel answers 204 and removes the channel and its stream keys', async () => {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ name: 'doomed' }));
    const deleted = await ivs.send(new DeleteChannelCommand({ arn: channel.arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(ivs.send(new GetChannelCommand({ arn: channel.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new GetStreamKeyCommand({ arn: streamKey.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new DeleteChannelCommand({ arn: channel.arn })), ResourceNotFoundException, 404);
  });

  test('ListChannels filters by name, recording configuration, playback restriction policy and ad configuration', async () => {
    const rc = (await ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'filter-bucket' } } }))).recordingConfiguration;
    const prp = (await ivs.send(new CreatePlaybackRestrictionPolicyCommand({}))).playbackRestrictionPolicy;
    const ad = (await ivs.send(new CreateAdConfigurationCommand({
      mediaTailorPlaybackConfigurations: [{ playbackConfigurationArn: 'arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/filter' }],
    }))).adConfiguration;
    const named = (await ivs.send(new CreateChannelCommand({ name: 'filter-me', tags: { k: 'v' } }))).channel;
    const recorded = (await ivs.send(new CreateChannelCommand({ recordingConfigurationArn: rc.arn }))).channel;
    const restricted = (await ivs.send(new CreateChannelCommand({ playbackRestrictionPolicyArn: prp.arn }))).channel;
    const withAds = (await ivs.send(new CreateChannelCommand({ adConfigurationArn: ad.arn }))).channel;

    const byName = await ivs.send(new ListChannelsCommand({ filterByName: 'filter-me' }));
    assert.deepEqual(byName.channels.map((c) => c.arn), [named.arn]);
    const summary = byName.channels[0];
    assert.deepEqual(summary, {
      arn: named.arn, name: 'filter-me', latencyMode: 'LOW', authorized: false, recordingConfigurationArn: '',
      tags: { k: 'v' }, insecureIngest: false, type: 'STANDARD', preset: '', playbackRestrictionPolicyArn: '', adConfigurationArn: '',
    });
    assert.deepEqual((await ivs.send(new ListChannelsCommand({ filterByRecordingConfigurationArn: rc.arn }))).channels.map((c) => c.arn), [recorded.arn]);
    assert.deepEqual((await ivs.send(new ListChannelsCommand({ filterByPlaybackRestrictionPolicyArn: prp.arn }))).channels.map((c) => c.arn), [restricted.arn]);
    assert.deepEqual((await ivs.send(new ListChannelsCommand({ filterByAdConfigurationArn: ad.arn }))).channels.map((c) => c.arn), [withAds.arn]);
    assert.deepEqual((await ivs.send(new ListChannelsCommand({ filterByName: 'nobody-has-this-name' }))).channels, []);

    const all = await ivs.send(new ListChannelsCommand({}));
    for (const c of [named, recorded, restricted, withAds]) {
      assert.ok(all.channels.some((s) => s.arn === c.arn), `${c.arn} listed`);
    }
    assertArn(all.channels[0].arn, 'channel');
  });

  test('ListChannels with two filters is a ConflictException', async () => {
    await expectError(ivs.send(new ListChannelsCommand({
      filterByName: 'x',
      filterByRecordingConfigurationArn: 'arn:aws:ivs:us-west-2:000000000000:recording-configuration/abcdABCDefgh',
    })), ConflictException, 409);
    await expectError(ivs.send(new ListChannelsCommand({
      filterByPlaybackRestrictionPolicyArn: 'arn:aws:ivs:us-west-2:000000000000:playback-restriction-policy/abcdABCDefgh',
      filterByAdConfigurationArn: 'arn:aws:ivs:us-west-2:000000000000:ad-configuration/abcdABCDefgh',
    })), ConflictException, 409);
  });
});

// Tags through @aws-sdk/client-ivs: TagResource, UntagResource and ListTagsForResource on every taggable
// resource type (the ARN travels percent-encoded in the URI).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  CreateAdConfigurationCommand, CreateChannelCommand, CreatePlaybackRestrictionPolicyCommand, CreateRecordingConfigurationCommand,
  DeleteChannelCommand, GetChannelCommand, ImportPlaybackKeyPairCommand, ListTagsForResourceCommand, ResourceNotFoundException,
  TagResourceCommand, UntagResourceCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { expectError } from '../lib/expect.js';

describe('tags', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('Tag, list and untag every taggable resource type', async () => {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ tags: { initial: '1' } }));
    const arns = [
      channel.arn,
      streamKey.arn,
      (await ivs.send(new ImportPlaybackKeyPairCommand({
        publicKeyMaterial: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }),
        tags: { initial: '1' },
      }))).keyPair.arn,
      (await ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'tag-bucket' } }, tags: { initial: '1' } }))).recordingConfiguration.arn,
      (await ivs.send(new CreatePlaybackRestrictionPolicyCommand({ tags: { initial: '1' } }))).playbackRestrictionPolicy.arn,
      (await ivs.send(new CreateAdConfigurationCommand({
        mediaTailorPlaybackConfigurations: [{ playbackConfigurationArn: 'arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/t' }],
        tags: { initial: '1' },
      }))).adConfiguration.arn,
    ];
    for (const resourceArn of arns) {
      assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn }))).tags, { initial: '1' }, resourceArn);
      const tagged = await ivs.send(new TagResourceCommand({ resourceArn, tags: { env: 'prod', 'path/key': 'a b:c=d+e-f@g', initial: '2' } }));
      assert.equal(tagged.$metadata.httpStatusCode, 200);
      assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn }))).tags,
        { initial: '2', env: 'prod', 'path/key': 'a b:c=d+e-f@g' }, resourceArn);
      const untagged = await ivs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env', 'path/key', 'not-there'] }));
      assert.equal(untagged.$metadata.httpStatusCode, 200);
      assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn }))).tags, { initial: '2' }, resourceArn);
    }
    assert.deepEqual((await ivs.send(new GetChannelCommand({ arn: channel.arn }))).channel.tags, { initial: '2' }, 'tags show on the resource');
  });

  test('tag keys with spaces, plus signs and other allowed characters round-trip through the URI and query', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    const tags = { 'a b+c': '1', 'x=y:z/w@v': '2', 'ünïcödé': '3', 'k.-_': 'v w' };
    await ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags }));
    assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn: channel.arn }))).tags, tags);
    await ivs.send(new UntagResourceCommand({ resourceArn: channel.arn, tagKeys: ['a b+c', 'ünïcödé'] }));
    assert.deepEqual((await ivs.send(new ListTagsForResourceCommand({ resourceArn: channel.arn }))).tags, { 'x=y:z/w@v': '2', 'k.-_': 'v w' });
  });

  test('a resource can carry at most 50 tags', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    await ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: fifty }));
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { one: 'more' } })), ValidationException, 400);
    await ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { k0: 'replaced' } }));
    const { tags } = await ivs.send(new ListTagsForResourceCommand({ resourceArn: channel.arn }));
    assert.equal(Object.keys(tags).length, 50);
    assert.equal(tags.k0, 'replaced');
    await expectError(ivs.send(new CreateChannelCommand({ tags: { ...fifty, k50: 'x' } })), ValidationException, 400);
  });

  test('tag keys and values are validated', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { 'aws:internal': 'x' } })), ValidationException, 400);
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { ['k'.repeat(129)]: 'x' } })), ValidationException, 400);
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { k: 'v'.repeat(257) } })), ValidationException, 400);
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { 'bad*key': 'x' } })), ValidationException, 400);
    await expectError(ivs.send(new UntagResourceCommand({ resourceArn: channel.arn, tagKeys: ['k'.repeat(129)] })), ValidationException, 400);
  });

  test('tags on a missing or deleted resource are ResourceNotFoundException', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    await ivs.send(new DeleteChannelCommand({ arn: channel.arn }));
    await expectError(ivs.send(new ListTagsForResourceCommand({ resourceArn: channel.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { a: 'b' } })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new UntagResourceCommand({ resourceArn: channel.arn, tagKeys: ['a'] })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ivs:eu-west-1:000000000000:channel/abcdABCDefgh' })),
      ResourceNotFoundException, 404);
    await expectError(ivs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:s3:::bucket' })), ValidationException, 400);
  });
});

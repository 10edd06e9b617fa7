// Stream keys through @aws-sdk/client-ivs: CreateStreamKey, GetStreamKey, BatchGetStreamKey, ListStreamKeys,
// DeleteStreamKey, and the one-key-per-channel quota.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchGetStreamKeyCommand, CreateChannelCommand, CreateStreamKeyCommand, DeleteStreamKeyCommand, GetStreamKeyCommand,
  ListStreamKeysCommand, paginateListStreamKeys, ResourceNotFoundException, ServiceQuotaExceededException, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { collect, expectError, assertStreamKey } from '../lib/expect.js';

describe('stream keys', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('GetStreamKey returns the key CreateChannel made, value included', async () => {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({ name: 'with-key' }));
    const { streamKey: got } = await ivs.send(new GetStreamKeyCommand({ arn: streamKey.arn }));
    assert.deepEqual(got, streamKey);
    assertStreamKey(got, channel.arn);
    assert.equal(typeof got.tags, 'object');
  });

  test('a second stream key on a channel exceeds the quota of one', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    await expectError(ivs.send(new CreateStreamKeyCommand({ channelArn: channel.arn })), ServiceQuotaExceededException, 402);
  });

  test('rotating a key: DeleteStreamKey (204) then CreateStreamKey gives a new value', async () => {
    const { channel, streamKey } = await ivs.send(new CreateChannelCommand({}));
    const deleted = await ivs.send(new DeleteStreamKeyCommand({ arn: streamKey.arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    assert.deepEqual((await ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn }))).streamKeys, []);
    await expectError(ivs.send(new GetStreamKeyCommand({ arn: streamKey.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new DeleteStreamKeyCommand({ arn: streamKey.arn })), ResourceNotFoundException, 404);

    const created = await ivs.send(new CreateStreamKeyCommand({ channelArn: channel.arn, tags: { rotated: 'yes' } }));
    assertStreamKey(created.streamKey, channel.arn);
    assert.notEqual(created.streamKey.arn, streamKey.arn);
    assert.notEqual(created.streamKey.value, streamKey.value);
    assert.deepEqual(created.streamKey.tags, { rotated: 'yes' });

    const listed = await ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn }));
    assert.deepEqual(listed.streamKeys, [{ arn: created.streamKey.arn, channelArn: channel.arn, tags: { rotated: 'yes' } }]);
    assert.equal(listed.streamKeys[0].value, undefined, 'summaries carry no key value');
    const { items } = await collect(paginateListStreamKeys({ client: ivs, pageSize: 1 }, { channelArn: channel.arn }), 'streamKeys');
    assert.deepEqual(items.map((k) => k.arn), [created.streamKey.arn]);
  });

  test('CreateStreamKey on a missing channel is ResourceNotFoundException', async () => {
    await expectError(ivs.send(new CreateStreamKeyCommand({ channelArn: `arn:aws:ivs:us-west-2:000000000000:channel/${'x'.repeat(12)}` })),
      ResourceNotFoundException, 404);
    await expectError(ivs.send(new CreateStreamKeyCommand({ channelArn: 'arn:aws:ivs:us-west-2:000000000000:stream-key/abcdABCDefgh' })),
      ValidationException, 400);
  });

  test('BatchGetStreamKey returns keys and per-ARN errors', async () => {
    const one = (await ivs.send(new CreateChannelCommand({}))).streamKey;
    const two = (await ivs.send(new CreateChannelCommand({}))).streamKey;
    const missing = `arn:aws:ivs:us-west-2:000000000000:stream-key/${'N'.repeat(12)}`;
    const result = await ivs.send(new BatchGetStreamKeyCommand({ arns: [one.arn, two.arn, missing] }));
    assert.deepEqual(result.streamKeys.map((k) => k.arn).sort(), [one.arn, two.arn].sort());
    for (const key of result.streamKeys) assertStreamKey(key);
    assert.deepEqual(result.errors.map((e) => [e.arn, e.code]), [[missing, 'ResourceNotFoundException']]);
    await expectError(ivs.send(new BatchGetStreamKeyCommand({ arns: ['not-an-arn'] })), ValidationException, 400);
  });

  test('ListStreamKeys validates maxResults against 1..50', async () => {
    const { channel } = await ivs.send(new CreateChannelCommand({}));
    await expectError(ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn, maxResults: 51 })), ValidationException, 400);
    await expectError(ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn, maxResults: 0 })), ValidationException, 400);
    const page = await ivs.send(new ListStreamKeysCommand({ channelArn: channel.arn, maxResults: 50 }));
    assert.equal(page.streamKeys.length, 1);
    assert.equal(page.nextToken, undefined);
  });
});

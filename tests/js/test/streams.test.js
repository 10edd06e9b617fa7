// Streams, stream sessions and viewer-session revocation through @aws-sdk/client-ivs, on channels that are
// offline (nothing is ingesting): GetStream, StopStream, PutMetadata, ListStreams, GetStreamSession,
// ListStreamSessions, StartViewerSessionRevocation, BatchStartViewerSessionRevocation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchStartViewerSessionRevocationCommand, ChannelNotBroadcasting, CreateChannelCommand, GetStreamCommand,
  GetStreamSessionCommand, ListStreamsCommand, ListStreamSessionsCommand, paginateListStreams, paginateListStreamSessions,
  PutMetadataCommand, ResourceNotFoundException, StartViewerSessionRevocationCommand, StopStreamCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { collect, expectError } from '../lib/expect.js';

describe('streams, sessions and viewer revocation', () => {
  let server;
  let ivs;
  let channel;
  const missing = `arn:aws:ivs:us-west-2:000000000000:channel/${'V'.repeat(12)}`;
  before(async () => {
    server = await startServer();
    ivs = server.client();
    channel = (await ivs.send(new CreateChannelCommand({ name: 'offline' }))).channel;
  });
  after(() => server?.stop());

  test('GetStream, StopStream and PutMetadata on an offline channel are ChannelNotBroadcasting', async () => {
    const error = await expectError(ivs.send(new GetStreamCommand({ channelArn: channel.arn })), ChannelNotBroadcasting, 404);
    assert.ok(error.exceptionMessage.includes(channel.arn), error.exceptionMessage);
    await expectError(ivs.send(new StopStreamCommand({ channelArn: channel.arn })), ChannelNotBroadcasting, 404);
    await expectError(ivs.send(new PutMetadataCommand({ channelArn: channel.arn, metadata: '{"score": 1}' })), ChannelNotBroadcasting, 404);
  });

  test('the same calls on a missing channel are ResourceNotFoundException', async () => {
    await expectError(ivs.send(new GetStreamCommand({ channelArn: missing })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new StopStreamCommand({ channelArn: missing })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new PutMetadataCommand({ channelArn: missing, metadata: 'x' })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new ListStreamSessionsCommand({ channelArn: missing })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new GetStreamSessionCommand({ channelArn: missing })), ResourceNotFoundException, 404);
  });

  test('PutMetadata validates its payload', async () => {
    await expectError(ivs.send(new PutMetadataCommand({ channelArn: channel.arn, metadata: '' })), ValidationException, 400);
    await expectError(ivs.send(new PutMetadataCommand({ channelArn: channel.arn, metadata: 'x'.repeat(1025) })), ValidationException, 400);
    await expectError(ivs.send(new PutMetadataCommand({ channelArn: channel.arn })), ValidationException, 400);
  });

  test('ListStreams with nothing live is empty, with and without a health filter', async () => {
    const all = await ivs.send(new ListStreamsCommand({}));
    assert.equal(all.$metadata.httpStatusCode, 200);
    assert.deepEqual(all.streams, []);
    assert.equal(all.nextToken, undefined);
    assert.deepEqual((await ivs.send(new ListStreamsCommand({ filterBy: { health: 'HEALTHY' }, maxResults: 5 }))).streams, []);
    const { items, pages } = await collect(paginateListStreams({ client: ivs, pageSize: 10 }, {}), 'streams');
    assert.deepEqual(items, []);
    assert.equal(pages, 1);
    await expectError(ivs.send(new ListStreamsCommand({ filterBy: { health: 'GREAT' } })), ValidationException, 400);
  });

  test('a channel that never streamed has no sessions', async () => {
    const list = await ivs.send(new ListStreamSessionsCommand({ channelArn: channel.arn }));
    assert.deepEqual(list.streamSessions, []);
    const { items } = await collect(paginateListStreamSessions({ client: ivs, pageSize: 5 }, { channelArn: channel.arn }), 'streamSessions');
    assert.deepEqual(items, []);
    await expectError(ivs.send(new GetStreamSessionCommand({ channelArn: channel.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new GetStreamSessionCommand({ channelArn: channel.arn, streamId: `st-${'a'.repeat(23)}` })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new GetStreamSessionCommand({ channelArn: channel.arn, streamId: 'st-short' })), ValidationException, 400);
  });

  test('StartViewerSessionRevocation accepts a viewer on an existing channel', async () => {
    const result = await ivs.send(new StartViewerSessionRevocationCommand({ channelArn: channel.arn, viewerId: 'viewer-42' }));
    assert.equal(result.$metadata.httpStatusCode, 200);
    const versioned = await ivs.send(new StartViewerSessionRevocationCommand({
      channelArn: channel.arn, viewerId: 'viewer-42', viewerSessionVersionsLessThanOrEqualTo: 7,
    }));
    assert.equal(versioned.$metadata.httpStatusCode, 200);
    await expectError(ivs.send(new StartViewerSessionRevocationCommand({ channelArn: missing, viewerId: 'v' })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new StartViewerSessionRevocationCommand({ channelArn: channel.arn, viewerId: '' })), ValidationException, 400);
    await expectError(ivs.send(new StartViewerSessionRevocationCommand({ channelArn: channel.arn, viewerId: 'v'.repeat(41) })), ValidationException, 400);
    await expectError(ivs.send(new StartViewerSessionRevocationCommand({
      channelArn: channel.arn, viewerId: 'v', viewerSessionVersionsLessThanOrEqualTo: -1,
    })), ValidationException, 400);
  });

  test('BatchStartViewerSessionRevocation reports an error entry per missing channel', async () => {
    const result = await ivs.send(new BatchStartViewerSessionRevocationCommand({
      viewerSessions: [
        { channelArn: channel.arn, viewerId: 'a' },
        { channelArn: missing, viewerId: 'b', viewerSessionVersionsLessThanOrEqualTo: 2 },
        { channelArn: channel.arn, viewerId: 'c', viewerSessionVersionsLessThanOrEqualTo: 3 },
      ],
    }));
    assert.equal(result.$metadata.httpStatusCode, 200);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].channelArn, missing);
    assert.equal(result.errors[0].viewerId, 'b');
    assert.equal(result.errors[0].code, 'ResourceNotFoundException');
    await expectError(ivs.send(new BatchStartViewerSessionRevocationCommand({ viewerSessions: [] })), ValidationException, 400);
    await expectError(ivs.send(new BatchStartViewerSessionRevocationCommand({
      viewerSessions: Array.from({ length: 21 }, (_, i) => ({ channelArn: channel.arn, viewerId: `v${i}` })),
    })), ValidationException, 400);
  });
});

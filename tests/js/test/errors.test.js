// Every modelled error shape, as @aws-sdk/client-ivs resolves it: the exported class (instanceof), the HTTP
// status, $metadata.requestId and exceptionMessage. Errors that cannot be provoked yet come from the
// server's fault injection (--enable-fault-injection, POST /_openivs/faults).
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedException, BatchGetChannelCommand, BatchGetStreamKeyCommand, CreateChannelCommand, CreatePlaybackRestrictionPolicyCommand,
  GetChannelCommand, GetRecordingConfigurationCommand, InternalServerException, IvsServiceException, ListChannelsCommand,
  PendingVerification, PutMetadataCommand, ResourceNotFoundException, ServiceUnavailable, StopStreamCommand, StreamUnavailable,
  ThrottlingException, UpdateChannelCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { expectError } from '../lib/expect.js';
import { TEST_CREDENTIALS } from '../lib/sigv4.js';

describe('modelled errors', () => {
  let server;
  let ivs;
  let channel;
  before(async () => {
    server = await startServer({ faultInjection: true, pinned: true }); // faults are one node's
    ivs = server.client();
    channel = (await ivs.send(new CreateChannelCommand({ name: 'errors' }))).channel;
  });
  afterEach(() => server.clearFaults());
  after(() => server?.stop());

  describe('ValidationException', () => {
    test('an ARN that does not match the pattern', async () => {
      await expectError(ivs.send(new GetChannelCommand({ arn: 'arn:aws:ivs:us-west-2:000000000000:channel/not_valid!' })), ValidationException, 400);
      await expectError(ivs.send(new GetChannelCommand({ arn: 'arn:aws:ivs:us-west-2:000000000000:stream-key/abcdABCDefgh' })), ValidationException, 400);
    });

    test('a member that is too long', async () => {
      const error = await expectError(ivs.send(new UpdateChannelCommand({ arn: channel.arn, name: 'x'.repeat(129) })), ValidationException, 400);
      assert.match(error.exceptionMessage, /name/);
      await expectError(ivs.send(new GetChannelCommand({ arn: `${channel.arn}${'a'.repeat(128)}` })), ValidationException, 400);
    });

    test('a number out of range', async () => {
      await expectError(ivs.send(new ListChannelsCommand({ maxResults: 1000 })), ValidationException, 400);
    });

    test('a missing required member', async () => {
      const error = await expectError(ivs.send(new GetChannelCommand({})), ValidationException, 400);
      assert.match(error.exceptionMessage, /arn/);
      await expectError(ivs.send(new BatchGetStreamKeyCommand({})), ValidationException, 400);
    });

    test('a forged nextToken', async () => {
      await expectError(ivs.send(new ListChannelsCommand({ nextToken: 'Zm9yZ2VkLXRva2Vu' })), ValidationException, 400);
    });

    test('a member of the wrong JSON type (raw request, the SDK would not send it)', async () => {
      for (const body of ['{"name": 5}', '{"authorized": "yes"}', '{"tags": ["a"]}', '{"multitrackInputConfiguration": 1}', '[]', '{']) {
        const response = await server.raw('POST', '/CreateChannel', body);
        assert.equal(response.status, 400, body);
        assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException', body);
        assert.match(response.headers.get('content-type'), /^application\/json/);
        assert.equal(typeof response.json?.exceptionMessage, 'string', body);
        assert.ok(response.headers.get('x-amzn-requestid'), 'x-amzn-RequestId present');
      }
      const response = await server.raw('POST', '/ListChannels', '{"maxResults": "10"}');
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
    });
  });

  test('ResourceNotFoundException', async () => {
    const arn = `${channel.arn.slice(0, -12)}${'R'.repeat(12)}`;
    const error = await expectError(ivs.send(new GetChannelCommand({ arn })), ResourceNotFoundException, 404);
    assert.equal(error.$fault, 'client');
    assert.equal(error.exceptionMessage, `Channel not found: ${arn}`);
    assert.equal(error.message, `Channel not found: ${arn}`);
  });

  test('errors the model does not list (authentication) still carry their message', async () => {
    const wrongSecret = server.client({ credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } });
    const error = await wrongSecret.send(new ListChannelsCommand({})).then(() => null, (e) => e);
    assert.ok(error instanceof IvsServiceException, String(error));
    assert.equal(error.name, 'InvalidSignatureException');
    assert.equal(error.$metadata.httpStatusCode, 403);
    assert.match(error.message, /^The request signature we calculated does not match/);

    const unknownKey = server.client({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' } });
    const unknown = await unknownKey.send(new ListChannelsCommand({})).then(() => null, (e) => e);
    assert.equal(unknown.name, 'UnrecognizedClientException');
    assert.equal(unknown.message, 'The security token included in the request is invalid.');
  });

  test('every error body carries the text in both exceptionMessage and message', async () => {
    for (const [method, path, body, status] of [['POST', '/CreateChanel', '{}', 404], ['GET', '/GetChannel', undefined, 405], ['POST', '/CreateChannel', '{', 400]]) {
      const response = await server.raw(method, path, body);
      assert.equal(response.status, status, `${method} ${path}`);
      assert.ok(response.json.exceptionMessage.length > 0);
      assert.equal(response.json.message, response.json.exceptionMessage);
    }
  });

  // Each injected error on an operation whose model lists it.
  const injected = [
    ['AccessDeniedException', AccessDeniedException, 403, 'GetChannel', (c) => new GetChannelCommand({ arn: c.arn })],
    ['PendingVerification', PendingVerification, 403, 'CreateChannel', () => new CreateChannelCommand({})],
    ['ThrottlingException', ThrottlingException, 429, 'CreatePlaybackRestrictionPolicy', () => new CreatePlaybackRestrictionPolicyCommand({})],
    ['InternalServerException', InternalServerException, 500, 'GetRecordingConfiguration',
      () => new GetRecordingConfigurationCommand({ arn: 'arn:aws:ivs:us-west-2:000000000000:recording-configuration/abcdABCDefgh' })],
    ['ServiceUnavailable', ServiceUnavailable, 503, 'BatchGetChannel', (c) => new BatchGetChannelCommand({ arns: [c.arn] })],
    ['StreamUnavailable', StreamUnavailable, 503, 'StopStream', (c) => new StopStreamCommand({ channelArn: c.arn })],
  ];
  for (const [code, ErrorClass, status, operation, command] of injected) {
    test(`${code} (injected into ${operation})`, async () => {
      await server.injectFault(operation, code, { message: `injected ${code}` });
      const error = await expectError(ivs.send(command(channel)), ErrorClass, status);
      assert.ok(error instanceof IvsServiceException);
      assert.equal(error.exceptionMessage, `injected ${code}`);
      assert.equal(error.message, `injected ${code}`); // the SDK's message comes from the body's `message`
      assert.equal(error.$fault, status >= 500 ? 'server' : 'client');
    });
  }

  test('an injected fault answers only the next `count` calls', async () => {
    await server.injectFault('GetChannel', 'AccessDeniedException', { count: 2 });
    await expectError(ivs.send(new GetChannelCommand({ arn: channel.arn })), AccessDeniedException, 403);
    await expectError(ivs.send(new GetChannelCommand({ arn: channel.arn })), AccessDeniedException, 403);
    const { channel: got } = await ivs.send(new GetChannelCommand({ arn: channel.arn }));
    assert.equal(got.arn, channel.arn);
  });

  test('the SDK retries a ThrottlingException and then succeeds', async () => {
    const retrying = server.client({ maxAttempts: 3 });
    await server.injectFault('ListChannels', 'ThrottlingException', { count: 1 });
    const listed = await retrying.send(new ListChannelsCommand({}));
    assert.equal(listed.$metadata.attempts, 2);
    assert.ok(listed.channels.some((c) => c.arn === channel.arn));
  });

  test('the SDK gives up on a persistent InternalServerException after maxAttempts', async () => {
    const retrying = server.client({ maxAttempts: 2 });
    await server.injectFault('PutMetadata', 'InternalServerException', { count: 5 });
    // PutMetadata does not model InternalServerException, so the SDK surfaces the generic service error type.
    const error = await retrying.send(new PutMetadataCommand({ channelArn: channel.arn, metadata: 'm' })).then(() => null, (e) => e);
    assert.ok(error instanceof IvsServiceException, String(error));
    assert.equal(error.$metadata.httpStatusCode, 500);
    assert.equal(error.$metadata.attempts, 2);
    assert.equal(error.name, 'InternalServerException');
  });
});

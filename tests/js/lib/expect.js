// Shared assertions: IVS id/ARN formats and the shape of an error as the SDK surfaces it.
import assert from 'node:assert/strict';
import { ACCOUNT, REGION } from './server.js';

export const ID = '[a-zA-Z0-9]{12}';

/** Asserts `arn` is an ARN of `type` in the test account and region with a 12-alphanumeric id; returns the id. */
export function assertArn(arn, type) {
  const match = new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT}:${type}/(${ID})$`).exec(arn ?? '');
  assert.ok(match, `expected a ${type} ARN, got ${arn}`);
  return match[1];
}

/** Stream key value: sk_{region}_{keyId}_{30 alphanumerics}, where keyId is the id in the key's ARN. */
export function assertStreamKey(key, channelArn) {
  const keyId = assertArn(key.arn, 'stream-key');
  assert.match(key.value, new RegExp(`^sk_${REGION}_${keyId}_[a-zA-Z0-9]{30}$`));
  if (channelArn !== undefined) assert.equal(key.channelArn, channelArn);
}

/** The channel defaults of ivs-behavior.md section 10 (for a channel created with no options). */
export function assertDefaultChannel(channel) {
  assertArn(channel.arn, 'channel');
  assert.equal(channel.name, '');
  assert.equal(channel.latencyMode, 'LOW');
  assert.equal(channel.type, 'STANDARD');
  assert.equal(channel.authorized, false);
  assert.equal(channel.insecureIngest, false);
  assert.equal(channel.recordingConfigurationArn, '');
  assert.equal(channel.playbackRestrictionPolicyArn, '');
  assert.equal(channel.adConfigurationArn, '');
  assert.equal(channel.preset, '');
  assert.equal(channel.containerFormat, 'TS');
  assert.deepEqual(channel.multitrackInputConfiguration, { enabled: false, maximumResolution: 'FULL_HD', policy: 'ALLOW' });
  assert.deepEqual(channel.tags, {});
  assert.equal(typeof channel.ingestEndpoint, 'string');
  assert.ok(channel.ingestEndpoint.length > 0);
  assert.equal(typeof channel.srt?.endpoint, 'string');
  assert.ok(channel.srt.endpoint.length > 0);
  assert.match(channel.srt.passphrase, /^[a-zA-Z0-9]{10,79}$/);
  const id = channel.arn.split('/')[1];
  assert.ok(channel.playbackUrl.endsWith(`/api/video/v1/${REGION}.${ACCOUNT}.channel.${id}.m3u8`), channel.playbackUrl);
  assert.doesNotThrow(() => new URL(channel.playbackUrl));
}

/**
 * Awaits a promise that must reject with the modelled error `ErrorClass` (a class exported by
 * @aws-sdk/client-ivs) and HTTP `status`; checks what every modelled error carries. Returns the error.
 */
export async function expectError(promise, ErrorClass, status) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${ErrorClass.name}, but the call succeeded`);
  assert.ok(error instanceof ErrorClass,
    `expected ${ErrorClass.name}, got ${error?.name} (${error?.$metadata?.httpStatusCode}): ${error?.exceptionMessage ?? error?.message}`);
  assert.equal(error.name, ErrorClass.name);
  assert.equal(error.$metadata?.httpStatusCode, status);
  assert.equal(typeof error.$metadata.requestId, 'string');
  assert.ok(error.$metadata.requestId.length > 0, 'requestId present');
  assert.equal(typeof error.exceptionMessage, 'string');
  assert.ok(error.exceptionMessage.length > 0, 'exceptionMessage present');
  return error;
}

/** Collects every item of an SDK paginator. */
export async function collect(paginator, member) {
  const items = [];
  let pages = 0;
  for await (const page of paginator) {
    pages += 1;
    items.push(...page[member]);
  }
  return { items, pages };
}

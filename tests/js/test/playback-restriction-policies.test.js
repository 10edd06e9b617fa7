// Playback restriction policies through @aws-sdk/client-ivs: Create, Get, Update, List, Delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictException, CreateChannelCommand, CreatePlaybackRestrictionPolicyCommand, DeleteChannelCommand,
  DeletePlaybackRestrictionPolicyCommand, GetPlaybackRestrictionPolicyCommand, ListPlaybackRestrictionPoliciesCommand,
  paginateListPlaybackRestrictionPolicies, ResourceNotFoundException, UpdatePlaybackRestrictionPolicyCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { assertArn, collect, expectError } from '../lib/expect.js';

describe('playback restriction policies', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('CreatePlaybackRestrictionPolicy with no input allows everything', async () => {
    const { playbackRestrictionPolicy: policy, $metadata } = await ivs.send(new CreatePlaybackRestrictionPolicyCommand({}));
    assert.equal($metadata.httpStatusCode, 200);
    assertArn(policy.arn, 'playback-restriction-policy');
    assert.deepEqual(policy.allowedCountries, []);
    assert.deepEqual(policy.allowedOrigins, []);
    assert.equal(policy.enableStrictOriginEnforcement, false);
    assert.equal(policy.name, '');
    assert.deepEqual(policy.tags, {});
    assert.deepEqual((await ivs.send(new GetPlaybackRestrictionPolicyCommand({ arn: policy.arn }))).playbackRestrictionPolicy, policy);
  });

  test('Create then Update keeps unspecified members', async () => {
    const { playbackRestrictionPolicy: policy } = await ivs.send(new CreatePlaybackRestrictionPolicyCommand({
      name: 'geo-eu', allowedCountries: ['DE', 'FR'], allowedOrigins: ['https://example.com'],
      enableStrictOriginEnforcement: true, tags: { region: 'eu' },
    }));
    assert.deepEqual(policy.allowedCountries, ['DE', 'FR']);
    assert.deepEqual(policy.allowedOrigins, ['https://example.com']);
    assert.equal(policy.enableStrictOriginEnforcement, true);

    const { playbackRestrictionPolicy: updated } = await ivs.send(new UpdatePlaybackRestrictionPolicyCommand({
      arn: policy.arn, allowedCountries: ['NL'], enableStrictOriginEnforcement: false,
    }));
    assert.deepEqual(updated.allowedCountries, ['NL']);
    assert.deepEqual(updated.allowedOrigins, ['https://example.com']);
    assert.equal(updated.enableStrictOriginEnforcement, false);
    assert.equal(updated.name, 'geo-eu');
    assert.deepEqual(updated.tags, { region: 'eu' });
    assert.deepEqual((await ivs.send(new GetPlaybackRestrictionPolicyCommand({ arn: policy.arn }))).playbackRestrictionPolicy, updated);

    await expectError(ivs.send(new UpdatePlaybackRestrictionPolicyCommand({ arn: policy.arn, allowedCountries: ['USA'] })), ValidationException, 400);
    await expectError(ivs.send(new UpdatePlaybackRestrictionPolicyCommand({
      arn: `${policy.arn.slice(0, -12)}${'Z'.repeat(12)}`, name: 'x',
    })), ResourceNotFoundException, 404);
  });

  test('DeletePlaybackRestrictionPolicy conflicts while a channel uses it, then answers 204', async () => {
    const { playbackRestrictionPolicy: policy } = await ivs.send(new CreatePlaybackRestrictionPolicyCommand({ allowedCountries: ['US'] }));
    const { channel } = await ivs.send(new CreateChannelCommand({ playbackRestrictionPolicyArn: policy.arn }));
    await expectError(ivs.send(new DeletePlaybackRestrictionPolicyCommand({ arn: policy.arn })), ConflictException, 409);
    await ivs.send(new DeleteChannelCommand({ arn: channel.arn }));
    const deleted = await ivs.send(new DeletePlaybackRestrictionPolicyCommand({ arn: policy.arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(ivs.send(new GetPlaybackRestrictionPolicyCommand({ arn: policy.arn })), ResourceNotFoundException, 404);
  });

  test('ListPlaybackRestrictionPolicies pages with its documented default page size of 1', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push((await ivs.send(new CreatePlaybackRestrictionPolicyCommand({ name: `list-${i}` }))).playbackRestrictionPolicy);
    }
    const first = await ivs.send(new ListPlaybackRestrictionPoliciesCommand({}));
    assert.equal(first.playbackRestrictionPolicies.length, 1);
    assert.equal(typeof first.nextToken, 'string');

    const { items } = await collect(paginateListPlaybackRestrictionPolicies({ client: ivs, pageSize: 2 }, {}), 'playbackRestrictionPolicies');
    for (const policy of made) {
      const summary = items.find((p) => p.arn === policy.arn);
      assert.deepEqual(summary, policy, 'a summary carries the same members as the policy');
    }
  });
});

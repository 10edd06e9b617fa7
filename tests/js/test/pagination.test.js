// Pagination through @aws-sdk/client-ivs: paginators over more items than a page, default page sizes,
// nextToken stability while items are created and deleted, and refused tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateChannelCommand, CreateRecordingConfigurationCommand, DeleteChannelCommand, ListChannelsCommand,
  ListRecordingConfigurationsCommand, ListStreamKeysCommand, paginateListChannels, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { collect, expectError } from '../lib/expect.js';

describe('pagination', () => {
  let server;
  let ivs;
  const created = [];
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
    // More channels than the default page of 100.
    for (let i = 0; i < 105; i++) {
      created.push((await ivs.send(new CreateChannelCommand({ name: i % 7 === 0 ? 'seventh' : `ch-${i}` }))).channel);
    }
  });
  after(() => server?.stop());

  test('ListChannels pages 100 at a time by default', async () => {
    const first = await ivs.send(new ListChannelsCommand({}));
    assert.equal(first.channels.length, 100);
    assert.equal(typeof first.nextToken, 'string');
    assert.match(first.nextToken, /^[a-zA-Z0-9+/=_-]{1,1024}$/, 'the model pattern of PaginationToken');
    const second = await ivs.send(new ListChannelsCommand({ nextToken: first.nextToken }));
    assert.equal(second.channels.length, 5);
    assert.equal(second.nextToken, undefined);
    assert.deepEqual([...first.channels, ...second.channels].map((c) => c.arn), created.map((c) => c.arn), 'creation order, no gaps');
  });

  test('paginateListChannels walks every channel exactly once', async () => {
    const { items, pages } = await collect(paginateListChannels({ client: ivs, pageSize: 10 }, {}), 'channels');
    assert.equal(pages, 11);
    assert.deepEqual(items.map((c) => c.arn), created.map((c) => c.arn));
  });

  test('paginateListChannels with a filter pages over the matching channels only', async () => {
    const { items, pages } = await collect(paginateListChannels({ client: ivs, pageSize: 4 }, { filterByName: 'seventh' }), 'channels');
    const expected = created.filter((c) => c.name === 'seventh').map((c) => c.arn);
    assert.equal(expected.length, 15);
    assert.deepEqual(items.map((c) => c.arn), expected);
    assert.equal(pages, 4);
  });

  test('a nextToken stays valid while channels are created and deleted', async () => {
    const seen = [];
    const page1 = await ivs.send(new ListChannelsCommand({ maxResults: 30 }));
    seen.push(...page1.channels.map((c) => c.arn));

    // Delete one already returned and one not yet returned; create two more.
    const deletedSeen = created[3].arn;
    const deletedAhead = created[50].arn;
    await ivs.send(new DeleteChannelCommand({ arn: deletedSeen }));
    await ivs.send(new DeleteChannelCommand({ arn: deletedAhead }));
    const added = [
      (await ivs.send(new CreateChannelCommand({ name: 'late-1' }))).channel.arn,
      (await ivs.send(new CreateChannelCommand({ name: 'late-2' }))).channel.arn,
    ];

    let token = page1.nextToken;
    while (token) {
      const page = await ivs.send(new ListChannelsCommand({ maxResults: 30, nextToken: token }));
      seen.push(...page.channels.map((c) => c.arn));
      token = page.nextToken;
    }
    assert.equal(new Set(seen).size, seen.length, 'no channel listed twice');
    assert.ok(!seen.includes(deletedAhead), 'a channel deleted before its page is not listed');
    assert.ok(seen.includes(deletedSeen), 'the first page was already returned');
    for (const arn of added) assert.ok(seen.includes(arn), 'channels created meanwhile appear at the end');
    const expected = [...created.map((c) => c.arn).filter((arn) => arn !== deletedAhead), ...added];
    assert.deepEqual(seen, expected);
    // Restore the fixture for the other tests' expectations.
    created.splice(created.findIndex((c) => c.arn === deletedSeen), 1);
    created.splice(created.findIndex((c) => c.arn === deletedAhead), 1);
    created.push(...added.map((arn) => ({ arn })));
  });

  test('deleting the last channel of a page does not break its nextToken', async () => {
    const page1 = await ivs.send(new ListChannelsCommand({ maxResults: 5 }));
    const anchor = page1.channels[4].arn;
    await ivs.send(new DeleteChannelCommand({ arn: anchor }));
    created.splice(created.findIndex((c) => c.arn === anchor), 1);
    const page2 = await ivs.send(new ListChannelsCommand({ maxResults: 5, nextToken: page1.nextToken }));
    assert.deepEqual(page2.channels.map((c) => c.arn), created.slice(4, 9).map((c) => c.arn));
  });

  test('forged, altered or misused tokens are ValidationException', async () => {
    const { nextToken } = await ivs.send(new ListChannelsCommand({ maxResults: 2 }));
    assert.ok(nextToken);
    const flipped = nextToken.slice(0, 5) + (nextToken[5] === 'A' ? 'B' : 'A') + nextToken.slice(6);
    const forged = [
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      Buffer.from(JSON.stringify({ offset: 10 })).toString('base64'),
      flipped,
      `${nextToken}x`,
    ];
    for (const token of forged) {
      await expectError(ivs.send(new ListChannelsCommand({ nextToken: token })), ValidationException, 400);
    }
    // Outside the model's PaginationToken constraints.
    await expectError(ivs.send(new ListChannelsCommand({ nextToken: 'not*a*token' })), ValidationException, 400);
    await expectError(ivs.send(new ListChannelsCommand({ nextToken: 'a'.repeat(1025) })), ValidationException, 400);
    // A real token, but from another listing.
    await expectError(ivs.send(new ListChannelsCommand({ nextToken, filterByName: 'seventh' })), ValidationException, 400);
    await ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'page-bucket' } } }));
    await expectError(ivs.send(new ListRecordingConfigurationsCommand({ nextToken })), ValidationException, 400);
    await expectError(ivs.send(new ListStreamKeysCommand({ channelArn: created[0].arn, nextToken })), ValidationException, 400);
  });

  test('maxResults outside 1..100 is ValidationException', async () => {
    await expectError(ivs.send(new ListChannelsCommand({ maxResults: 0 })), ValidationException, 400);
    await expectError(ivs.send(new ListChannelsCommand({ maxResults: 101 })), ValidationException, 400);
    assert.equal((await ivs.send(new ListChannelsCommand({ maxResults: 1 }))).channels.length, 1);
  });
});

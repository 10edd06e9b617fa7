// Recording configurations through @aws-sdk/client-ivs: Create, Get, List, Delete, and the conflict while a
// channel uses one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConflictException, CreateChannelCommand, CreateRecordingConfigurationCommand, DeleteRecordingConfigurationCommand,
  GetRecordingConfigurationCommand, ListRecordingConfigurationsCommand, paginateListRecordingConfigurations,
  ResourceNotFoundException, UpdateChannelCommand, ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { assertArn, collect, expectError } from '../lib/expect.js';

/** Polls until the configuration leaves CREATING (it does so in the background, as in IVS). */
async function settled(ivs, arn) {
  for (let i = 0; i < 600; i++) {
    const { recordingConfiguration } = await ivs.send(new GetRecordingConfigurationCommand({ arn }));
    if (recordingConfiguration.state !== 'CREATING') return recordingConfiguration;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${arn} stayed CREATING`);
}

describe('recording configurations', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  test('CreateRecordingConfiguration applies the documented defaults and becomes ACTIVE', async () => {
    const created = await ivs.send(new CreateRecordingConfigurationCommand({
      destinationConfiguration: { s3: { bucketName: 'my-recordings.bucket-1' } },
    }));
    const rc = created.recordingConfiguration;
    assertArn(rc.arn, 'recording-configuration');
    assert.equal(rc.name, '');
    assert.deepEqual(rc.destinationConfiguration, { s3: { bucketName: 'my-recordings.bucket-1' } });
    assert.ok(['CREATING', 'ACTIVE'].includes(rc.state), rc.state);
    assert.equal(rc.recordingReconnectWindowSeconds, 0);
    assert.equal(rc.thumbnailConfiguration.recordingMode, 'INTERVAL');
    assert.equal(rc.thumbnailConfiguration.targetIntervalSeconds, 60);
    assert.deepEqual(rc.thumbnailConfiguration.storage, ['SEQUENTIAL']);
    assert.equal(rc.renditionConfiguration.renditionSelection, 'ALL');
    assert.deepEqual(rc.tags, {});

    const active = await settled(ivs, rc.arn);
    assert.equal(active.state, 'ACTIVE');
    assert.deepEqual({ ...active, state: undefined }, { ...rc, state: undefined });
  });

  test('CreateRecordingConfiguration keeps thumbnail, rendition and reconnect settings', async () => {
    const { recordingConfiguration: rc } = await ivs.send(new CreateRecordingConfigurationCommand({
      name: 'full-config',
      destinationConfiguration: { s3: { bucketName: 'thumbs-bucket' } },
      recordingReconnectWindowSeconds: 300,
      thumbnailConfiguration: { recordingMode: 'INTERVAL', targetIntervalSeconds: 10, resolution: 'HD', storage: ['SEQUENTIAL', 'LATEST'] },
      renditionConfiguration: { renditionSelection: 'CUSTOM', renditions: ['HD', 'LOWEST_RESOLUTION'] },
      tags: { purpose: 'archive' },
    }));
    assert.equal(rc.name, 'full-config');
    assert.equal(rc.recordingReconnectWindowSeconds, 300);
    assert.deepEqual(rc.thumbnailConfiguration, { recordingMode: 'INTERVAL', targetIntervalSeconds: 10, resolution: 'HD', storage: ['SEQUENTIAL', 'LATEST'] });
    assert.deepEqual(rc.renditionConfiguration, { renditionSelection: 'CUSTOM', renditions: ['HD', 'LOWEST_RESOLUTION'] });
    assert.deepEqual(rc.tags, { purpose: 'archive' });
  });

  test('CreateRecordingConfiguration validates its input', async () => {
    await expectError(ivs.send(new CreateRecordingConfigurationCommand({})), ValidationException, 400);
    await expectError(ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'UPPER_case' } } })), ValidationException, 400);
    await expectError(ivs.send(new CreateRecordingConfigurationCommand({ destinationConfiguration: { s3: { bucketName: 'ab' } } })), ValidationException, 400);
    await expectError(ivs.send(new CreateRecordingConfigurationCommand({
      destinationConfiguration: { s3: { bucketName: 'okay-bucket' } }, recordingReconnectWindowSeconds: 301,
    })), ValidationException, 400);
    await expectError(ivs.send(new CreateRecordingConfigurationCommand({
      destinationConfiguration: { s3: { bucketName: 'okay-bucket' } }, thumbnailConfiguration: { targetIntervalSeconds: 61 },
    })), ValidationException, 400);
  });

  test('DeleteRecordingConfiguration conflicts while a channel uses it, then answers 204', async () => {
    const { recordingConfiguration: rc } = await ivs.send(new CreateRecordingConfigurationCommand({
      destinationConfiguration: { s3: { bucketName: 'in-use-bucket' } },
    }));
    const { channel } = await ivs.send(new CreateChannelCommand({ recordingConfigurationArn: rc.arn }));
    await expectError(ivs.send(new DeleteRecordingConfigurationCommand({ arn: rc.arn })), ConflictException, 409);

    await ivs.send(new UpdateChannelCommand({ arn: channel.arn, recordingConfigurationArn: '' }));
    const deleted = await ivs.send(new DeleteRecordingConfigurationCommand({ arn: rc.arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectError(ivs.send(new GetRecordingConfigurationCommand({ arn: rc.arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new DeleteRecordingConfigurationCommand({ arn: rc.arn })), ResourceNotFoundException, 404);
  });

  test('ListRecordingConfigurations lists summaries, page by page', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push((await ivs.send(new CreateRecordingConfigurationCommand({
        name: `list-${i}`, destinationConfiguration: { s3: { bucketName: `list-bucket-${i}` } }, tags: { i: String(i) },
      }))).recordingConfiguration);
    }
    const { items, pages } = await collect(paginateListRecordingConfigurations({ client: ivs, pageSize: 2 }, {}), 'recordingConfigurations');
    for (const rc of made) {
      const summary = items.find((s) => s.arn === rc.arn);
      assert.ok(summary, `${rc.arn} listed`);
      assert.equal(summary.name, rc.name);
      assert.deepEqual(summary.destinationConfiguration, rc.destinationConfiguration);
      assert.deepEqual(summary.tags, rc.tags);
      assert.ok(['CREATING', 'ACTIVE'].includes(summary.state));
    }
    assert.equal(new Set(items.map((s) => s.arn)).size, items.length, 'no duplicates across pages');
    assert.ok(pages >= 3);
    await expectError(ivs.send(new ListRecordingConfigurationsCommand({ maxResults: 101 })), ValidationException, 400);
  });
});

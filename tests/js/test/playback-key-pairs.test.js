// Playback key pairs through @aws-sdk/client-ivs: ImportPlaybackKeyPair with real keys from node:crypto,
// GetPlaybackKeyPair, ListPlaybackKeyPairs, DeletePlaybackKeyPair, the duplicate conflict and the quota of 3.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  ConflictException, DeletePlaybackKeyPairCommand, GetPlaybackKeyPairCommand, ImportPlaybackKeyPairCommand,
  ListPlaybackKeyPairsCommand, paginateListPlaybackKeyPairs, ResourceNotFoundException, ServiceQuotaExceededException,
  ValidationException,
} from '@aws-sdk/client-ivs';
import { startServer } from '../lib/server.js';
import { assertArn, collect, expectError } from '../lib/expect.js';

const p384 = () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' });

describe('playback key pairs', () => {
  let server;
  let ivs;
  before(async () => {
    server = await startServer({ apiOnly: true });
    ivs = server.client();
  });
  after(() => server?.stop());

  // The quota is per account: start every test with none imported.
  beforeEach(async () => {
    const { items } = await collect(paginateListPlaybackKeyPairs({ client: ivs }, {}), 'keyPairs');
    for (const keyPair of items) await ivs.send(new DeletePlaybackKeyPairCommand({ arn: keyPair.arn }));
  });

  test('ImportPlaybackKeyPair accepts a P-384 public key and returns its fingerprint', async () => {
    const pem = p384();
    const { keyPair, $metadata } = await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: pem, name: 'viewer-tokens', tags: { use: 'tokens' } }));
    assert.equal($metadata.httpStatusCode, 200);
    assertArn(keyPair.arn, 'playback-key');
    assert.equal(keyPair.name, 'viewer-tokens');
    assert.deepEqual(keyPair.tags, { use: 'tokens' });
    assert.match(keyPair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    assert.equal(keyPair.fingerprint, createHash('md5').update(der).digest('hex').match(/../g).join(':'),
      'MD5 of the DER SubjectPublicKeyInfo, as documented in docs/behavior.md');

    assert.deepEqual((await ivs.send(new GetPlaybackKeyPairCommand({ arn: keyPair.arn }))).keyPair, keyPair);
    const listed = await ivs.send(new ListPlaybackKeyPairsCommand({}));
    assert.deepEqual(listed.keyPairs, [{ arn: keyPair.arn, name: 'viewer-tokens', tags: { use: 'tokens' } }]);
  });

  test('importing the same public key twice is a ConflictException', async () => {
    const pem = p384();
    await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: pem }));
    await expectError(ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: pem, name: 'again' })), ConflictException, 409);
  });

  test('P-256, RSA and malformed keys are ValidationException', async () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    const ecPrivate = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    for (const material of [p256, rsa, ecPrivate, 'not a key', '-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n']) {
      await expectError(ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: material })), ValidationException, 400);
    }
    await expectError(ivs.send(new ImportPlaybackKeyPairCommand({})), ValidationException, 400);
    assert.deepEqual((await ivs.send(new ListPlaybackKeyPairsCommand({}))).keyPairs, [], 'nothing was imported');
  });

  test('a fourth key pair exceeds the default quota of 3; deleting one makes room', async () => {
    const imported = [];
    for (let i = 0; i < 3; i++) {
      imported.push((await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: p384(), name: `k${i}` }))).keyPair);
    }
    await expectError(ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: p384() })), ServiceQuotaExceededException, 402);

    const { items, pages } = await collect(paginateListPlaybackKeyPairs({ client: ivs, pageSize: 1 }, {}), 'keyPairs');
    assert.deepEqual(items.map((k) => k.arn), imported.map((k) => k.arn), 'listed in import order');
    assert.equal(pages, 3);

    const deleted = await ivs.send(new DeletePlaybackKeyPairCommand({ arn: imported[1].arn }));
    assert.equal(deleted.$metadata.httpStatusCode, 200, 'DeletePlaybackKeyPair answers 200 {}, not 204');
    await expectError(ivs.send(new GetPlaybackKeyPairCommand({ arn: imported[1].arn })), ResourceNotFoundException, 404);
    await expectError(ivs.send(new DeletePlaybackKeyPairCommand({ arn: imported[1].arn })), ResourceNotFoundException, 404);
    await ivs.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: p384() }));
  });
});

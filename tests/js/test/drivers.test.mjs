// The drivers the .NET tests call: each must run against a local endpoint and answer JSON on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { driver, runDriver as run } from '../lib/drivers.js';

test('ivs-calls sends a signed restJson1 request and reports the output', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"channel":{"arn":"arn:aws:ivs:us-west-2:000000000000:channel/abc"}}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const results = await run(driver('ivs-calls.mjs'), {
      endpoint: `http://127.0.0.1:${server.address().port}`,
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      calls: [{ operation: 'GetChannel', input: { arn: 'arn:aws:ivs:us-west-2:000000000000:channel/abc' } }],
    });
    assert.equal(results.length, 1);
    assert.equal(results[0].ok, true);
    assert.equal(results[0].output.channel.arn, 'arn:aws:ivs:us-west-2:000000000000:channel/abc');
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].url, '/GetChannel');
    assert.match(seen[0].headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/us-west-2\/ivs\/aws4_request/);
    assert.deepEqual(JSON.parse(seen[0].body), { arn: 'arn:aws:ivs:us-west-2:000000000000:channel/abc' });
  } finally {
    server.close();
  }
});

test('verify-playback-token accepts a valid ES384 token and rejects a tampered one', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'ES384', typ: 'JWT' })}.${b64({ 'aws:channel-arn': 'arn', exp: Math.floor(Date.now() / 1000) + 60 })}`;
  const signature = createSign('SHA384').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' });

  const good = await run(driver('verify-playback-token.mjs'), { token: `${input}.${signature}`, publicKeyPem });
  assert.equal(good.ok, true);
  assert.equal(good.payload['aws:channel-arn'], 'arn');

  const bad = await run(driver('verify-playback-token.mjs'), { token: `${input}x.${signature}`, publicKeyPem });
  assert.equal(bad.ok, false);
});

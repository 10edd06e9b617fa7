// Presigns an IVS API request with the AWS SDK for JavaScript's signer (@smithy/signature-v4), for the .NET
// tests of presigned URLs.
// stdin:  {"endpoint": "http://127.0.0.1:PORT", "region": "us-west-2", "credentials": {...},
//          "operation": "GetChannel", "body": "{...}", "expiresIn": 600}
// stdout: {"url": "http://127.0.0.1:PORT/GetChannel?X-Amz-Algorithm=...", "body": "{...}"}
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const endpoint = new URL(request.endpoint);
const signer = new SignatureV4({ service: 'ivs', region: request.region, credentials: request.credentials, sha256: Sha256 });
const presigned = await signer.presign({
  method: 'POST',
  protocol: endpoint.protocol,
  hostname: endpoint.hostname,
  port: Number(endpoint.port),
  path: `/${request.operation}`,
  query: {},
  headers: { host: endpoint.host, 'content-type': 'application/json' },
  body: request.body,
}, { expiresIn: request.expiresIn, unsignableHeaders: new Set(['content-type']) });
const query = Object.entries(presigned.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
process.stdout.write(JSON.stringify({ url: `${request.endpoint}${presigned.path}?${query}`, body: request.body }));

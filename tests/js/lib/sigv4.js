// The one place where the JavaScript tests sign a request by hand (raw requests and the fault-injection
// admin endpoint). The IVS client signs its own requests; this signs everything else the same way:
// SigV4, service "ivs", the server's region, the root key the server was started with.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAOPENIVSTESTKEY01',
  secretAccessKey: 'openivs-test-secret/0123456789abcdefGHIJKL',
};

/**
 * Sends a SigV4-signed HTTP request and returns { status, headers, text, json }.
 * @param {string} endpoint  e.g. http://127.0.0.1:1234
 * @param {{method?: string, path: string, query?: Record<string,string|string[]>, body?: string|Uint8Array,
 *          headers?: Record<string,string>, region?: string, credentials?: {accessKeyId: string, secretAccessKey: string}}} request
 */
export async function signedFetch(endpoint, request) {
  const url = new URL(endpoint);
  const method = request.method ?? 'POST';
  const body = request.body ?? undefined;
  const headers = {
    host: url.host,
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(request.headers ?? {}),
  };
  const signer = new SignatureV4({
    service: 'ivs',
    region: request.region ?? 'us-west-2',
    credentials: request.credentials ?? TEST_CREDENTIALS,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: request.path,
    query: request.query ?? {},
    headers,
    body,
  });

  const target = new URL(request.path, endpoint);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const v of [].concat(value)) target.searchParams.append(name, v);
  }
  const sendHeaders = { ...signed.headers };
  delete sendHeaders.host; // fetch sets Host itself (the same value)
  const response = await fetch(target, { method, headers: sendHeaders, body });
  const text = await response.text();
  let json;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

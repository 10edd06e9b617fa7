// Runs IVS operations through the AWS SDK for JavaScript (@aws-sdk/client-ivs), for the .NET tests that
// compare what the OpenIVS SDK sends with what this SDK sends.
// stdin:  {"endpoint": "http://127.0.0.1:PORT", "region": "us-west-2",
//          "credentials": {"accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "..."},
//          "calls": [{"operation": "CreateChannel", "input": {...}}, ...],
//          "maxAttempts": 1 (optional; no retries, so a clock-skew error is not corrected), "unsigned": true (optional; send without signing)}
// stdout: [{"operation": "CreateChannel", "ok": true, "output": {...}} | {"operation": ..., "ok": false, "error": {"name", "message"}}]
import * as ivs from '@aws-sdk/client-ivs';

// The SDK warns about the Node version on stderr; stdout stays JSON only.
process.removeAllListeners('warning');

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const client = new ivs.IvsClient({
  region: request.region,
  endpoint: request.endpoint,
  credentials: request.credentials ?? { accessKeyId: 'unused', secretAccessKey: 'unused' },
  ...(request.maxAttempts ? { maxAttempts: request.maxAttempts } : {}),
  // A client without credentials: requests leave unsigned.
  ...(request.unsigned ? { signer: { sign: async (httpRequest) => httpRequest } } : {}),
});

const results = [];
for (const call of request.calls) {
  const Command = ivs[`${call.operation}Command`];
  if (!Command) {
    results.push({ operation: call.operation, ok: false, error: { name: 'UnknownCommand', message: `no ${call.operation}Command` } });
    continue;
  }

  try {
    const output = await client.send(new Command(call.input ?? {}));
    delete output.$metadata;
    results.push({ operation: call.operation, ok: true, output });
  } catch (error) {
    results.push({ operation: call.operation, ok: false, error: { name: error.name, message: error.message } });
  }
}

process.stdout.write(JSON.stringify(results));

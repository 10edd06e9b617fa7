// Verifies an IVS playback token with an independent JWT library (jose), for the .NET tests.
// stdin:  {"token": "header.payload.signature", "publicKeyPem": "-----BEGIN PUBLIC KEY-----..."}
// stdout: {"ok": true, "protectedHeader": {...}, "payload": {...}} or {"ok": false, "error": "..."}
import { importSPKI, jwtVerify } from 'jose';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const { token, publicKeyPem } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
try {
  const key = await importSPKI(publicKeyPem, 'ES384');
  const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['ES384'] });
  process.stdout.write(JSON.stringify({ ok: true, protectedHeader, payload }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: `${error.code ?? error.name}: ${error.message}` }));
}

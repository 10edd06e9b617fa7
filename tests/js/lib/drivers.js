// Runs one of drivers/ (the scripts the .NET tests call) as they are run: JSON on stdin, JSON on stdout.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The path of drivers/<name>. */
export const driver = (name) => fileURLToPath(new URL(`../drivers/${name}`, import.meta.url));

/** Runs a driver script with `input` and resolves with the JSON it prints. */
export function runDriver(script, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
    child.stdin.end(JSON.stringify(input));
  });
}

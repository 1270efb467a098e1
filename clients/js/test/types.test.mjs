// The TypeScript declarations compile and fit the API as documented (test/types-usage.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('index.d.ts type-checks the documented usage under --strict', async () => {
  const dir = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--lib', 'es2022,dom', 'test/types-usage.ts'];
  const result = await new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: dir }, (error, stdout, stderr) => resolve({ error, out: stdout + stderr }));
  });
  assert.equal(result.error, null, result.out);
});

/*
 * Cold start in a fresh plain `node` process (no ts-node): require the minified one-secret handler
 * bundle (= importing the library, as Lambda's init phase does) and call it once (= time to first
 * value, including loading the SDK if the library defers it, creating the client and one request).
 */
import { execFile } from 'child_process';
import { handlerBundle, Library, LIBRARIES } from './bundle';
import { childEnv } from './runtime';
import { median } from './util';
import type { FakeSecretsManager } from '../test/support/fake-secrets-manager';

export const COLD_START_RUNS = 7;

export interface ColdStart {
  readonly importMs: number;
  readonly firstValueMs: number;
  readonly runs: Array<{ importMs: number; firstValueMs: number }>;
}

const SCRIPT = `
const t0 = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const t1 = process.hrtime.bigint();
handler().then(() => {
  const t2 = process.hrtime.bigint();
  console.log(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, firstValueMs: Number(t2 - t1) / 1e6 }));
});`;

function once(fake: FakeSecretsManager, lib: Library): Promise<{ importMs: number; firstValueMs: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', SCRIPT, handlerBundle(lib)], { env: childEnv(fake), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cold start of ${lib} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim()));
    });
  });
}

export async function runColdStarts(fake: FakeSecretsManager, log: (line: string) => void): Promise<Record<Library, ColdStart>> {
  const results = {} as Record<Library, ColdStart>;
  const runs: Record<string, ColdStart['runs']> = {};
  // Interleave the libraries so disk cache and CPU frequency affect them alike; the first round
  // only warms the OS file cache and is dropped.
  for (let r = 0; r <= COLD_START_RUNS; r++) {
    for (const lib of LIBRARIES) {
      const run = await once(fake, lib);
      if (r > 0) (runs[lib] ??= []).push(run);
    }
  }
  for (const lib of LIBRARIES) {
    results[lib] = {
      importMs: median(runs[lib].map((r) => r.importMs)),
      firstValueMs: median(runs[lib].map((r) => r.firstValueMs)),
      runs: runs[lib],
    };
    log(`  cold start ${lib}: import ${results[lib].importMs.toFixed(1)} ms, first value ${results[lib].firstValueMs.toFixed(1)} ms`);
  }
  return results;
}

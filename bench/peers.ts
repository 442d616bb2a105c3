/*
 * `npx ts-node bench/peers.ts [rounds]`: the numbers users feel, each peer at its best configuration,
 * side by side in one run, against one local fake Secrets Manager (0 ms latency) and a local fake of
 * the Parameters and Secrets Lambda Extension:
 *
 * - cold start in a fresh plain `node` process per sample: require the minified one-secret handler
 *   (Lambda's INIT) + the first invocation until its value (loading the SDK if deferred, the client,
 *   one request). Scored as the sum; medians over interleaved rounds (the first round is dropped).
 * - the minified (and gzipped) size of each one-secret handler;
 * - what each library costs in Secrets Manager calls: 5 secrets, 10 requests/s spread over 10 warm
 *   environments (1 request/s each), 30 days, at each library's default TTL and at a common 300 s.
 *
 * Prints tables only; run it a few times and quote ranges.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildSync } from 'esbuild';
import { childEnv, secretIds } from './runtime';
import { median, ROOT, WORK } from './util';
import { startFakeLambdaExtension } from '../test/support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from '../test/support/fake-secrets-manager';

interface Peer {
  readonly name: string;
  readonly handler: string;
  /** Extra environment (the extension's variables). */
  readonly extension?: boolean;
}

const PEERS: Peer[] = [
  { name: 'cdk-app-secrets (extension)', handler: 'appsecret', extension: true },
  { name: 'cdk-app-secrets (SDK)', handler: 'appsecret' },
  { name: 'Powertools (maxAge 300)', handler: 'powertools' },
  { name: 'middy (cacheExpiry 300 s)', handler: 'middy' },
  { name: 'plain SDK + Map', handler: 'sdk' },
];

const SCRIPT = `
const t0 = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const t1 = process.hrtime.bigint();
Promise.resolve(handler({}, {})).then((n) => {
  const t2 = process.hrtime.bigint();
  if (typeof n !== 'number' || !(n > 0)) throw new Error('no value');
  console.log(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, firstValueMs: Number(t2 - t1) / 1e6 }));
  process.exit(0); // Measured; some clients keep sockets or timers alive.
});`;

function bundle(handler: string): { file: string; bytes: number; gzipBytes: number } {
  const file = path.join(WORK, 'peers', `${handler}.js`);
  buildSync({
    entryPoints: [path.join(ROOT, 'bench', 'handlers', `${handler}.${handler === 'middy' ? 'mts' : 'ts'}`)],
    outfile: file,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  const code = fs.readFileSync(file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code).length };
}

function once(file: string, env: NodeJS.ProcessEnv): Promise<{ importMs: number; firstValueMs: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', SCRIPT, file], { env: { ...env, NODE_NO_WARNINGS: '1' }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file}: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

/** Calls per month for `secrets` read on every request, refreshed every `ttlS` (Infinity: once per environment). */
function callsPerMonth(secrets: number, callsPerRefresh: number, ttlS: number, envs: number, perEnvRps: number): number {
  const month = 30 * 24 * 3600;
  if (ttlS === 0) return secrets * perEnvRps * month * envs;
  if (!Number.isFinite(ttlS)) return callsPerRefresh * envs;
  const refreshEvery = Math.max(ttlS, 1 / perEnvRps);
  return callsPerRefresh * (month / refreshEvery) * envs;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 9);
  fs.mkdirSync(path.join(WORK, 'peers'), { recursive: true });
  const fake: FakeSecretsManager = await startFakeSecretsManager();
  fake.putSecret(secretIds(1)[0], `value of ${secretIds(1)[0]}: ${'x'.repeat(40)}`);
  const ext = await startFakeLambdaExtension({ secretsManagerEndpoint: fake.endpoint });
  try {
    const built = new Map(PEERS.map((p) => [p.handler, bundle(p.handler)]));
    const samples = new Map<string, Array<{ importMs: number; firstValueMs: number }>>();
    for (let r = 0; r <= rounds; r++) {
      for (const peer of PEERS) {
        const env = { ...childEnv(fake), ...(peer.extension ? ext.env : {}) };
        const sample = await once(built.get(peer.handler)!.file, env);
        if (r > 0) (samples.get(peer.name) ?? samples.set(peer.name, []).get(peer.name)!).push(sample);
      }
    }
    const powertools = samples.get('Powertools (maxAge 300)')!;
    const ptSum = median(powertools.map((s) => s.importMs + s.firstValueMs));
    const lines = [`Cold start, fresh process, median of ${rounds} (ms)`, '| Library | import | first value | import + first value | vs Powertools |', '| --- | ---: | ---: | ---: | ---: |'];
    for (const peer of PEERS) {
      const s = samples.get(peer.name)!;
      const sum = median(s.map((x) => x.importMs + x.firstValueMs));
      lines.push(`| ${peer.name} | ${median(s.map((x) => x.importMs)).toFixed(1)} | ${median(s.map((x) => x.firstValueMs)).toFixed(1)} | ${sum.toFixed(1)} | ${(sum / ptSum).toFixed(2)}x |`);
    }
    lines.push('', 'One-secret handler, minified (esbuild, @aws-sdk/* external)', '| Handler | bytes | gzip |', '| --- | ---: | ---: |');
    for (const [handler, b] of built) lines.push(`| ${handler} | ${b.bytes} | ${b.gzipBytes} |`);
    // 5 secrets read together on each request; cdk-app-secrets batches them over the SDK (1 call per
    // refresh), the extension has no batch API (5), the others read one call per secret (5).
    const envs = 10;
    const perEnvRps = 1;
    const costRows: Array<[string, number, number, number]> = [
      ['cdk-app-secrets (SDK, batched)', 1, 300, 300],
      ['cdk-app-secrets (extension, cache off)', 5, 300, 300],
      ['Powertools', 5, 5, 300],
      ['middy', 5, Infinity, 300],
      ['plain SDK, no cache', 5, 0, 300],
    ];
    lines.push('', `Secrets Manager calls per month: 5 secrets, 10 req/s over ${envs} warm environments, $0.05 per 10,000 calls`,
      '| Library | default TTL | calls/month | $/month | at 300 s TTL: calls/month | $/month |', '| --- | --- | ---: | ---: | ---: | ---: |');
    for (const [name, perRefresh, defTtl, bestTtl] of costRows) {
      const def = callsPerMonth(5, perRefresh, defTtl, envs, perEnvRps);
      const best = callsPerMonth(5, perRefresh, bestTtl, envs, perEnvRps);
      const ttlText = defTtl === 0 ? 'none' : Number.isFinite(defTtl) ? `${defTtl} s` : 'forever';
      lines.push(`| ${name} | ${ttlText} | ${Math.round(def).toLocaleString('en-US')} | ${(def / 10_000 * 0.05).toFixed(2)} | ${Math.round(best).toLocaleString('en-US')} | ${(best / 10_000 * 0.05).toFixed(2)} |`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await ext.close();
    await fake.close();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});

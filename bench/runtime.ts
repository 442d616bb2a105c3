/*
 * Runtime benchmarks: cdk-app-secrets' getSecrets against Powertools' getSecret and the plain SDK
 * with a Map cache, all through the same SDK against one local fake Secrets Manager (127.0.0.1,
 * 20 ms injected latency per request). Every case runs in a fresh child process.
 */
import { fork } from 'child_process';
import * as path from 'path';
import { adapterBundle, Library, LIBRARIES, WARM_VARIANTS, WarmVariant } from './bundle';
import type { RuntimeCaseInput, RuntimeCaseResult } from './runtime-case';
import { ROOT } from './util';
import { FakeSecretsManager, startFakeSecretsManager } from '../test/support/fake-secrets-manager';

export const LATENCY_MS = 20;
export const COLD_COUNTS = [1, 5, 20, 50];
export const CONCURRENT_READS = 100;
export const WARM = { count: 100_000, rounds: 20, warmupRounds: 3, secrets: 10 };

export interface Measured extends RuntimeCaseResult {
  /** Requests the endpoint received during the measured part, per operation (non-zero only). */
  readonly requests: Record<string, number>;
  readonly totalRequests: number;
}

export interface RuntimeResults {
  readonly cold: Record<number, Record<Library, Measured>>;
  readonly concurrent: Record<Library, Measured>;
  readonly warm: Record<WarmVariant, Measured>;
}

/** Secret names as AppSecret would give them; the fake holds 50 of them plus one for warm-up. */
export const secretIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `Bench/prod/secret-${String(i).padStart(2, '0')}`);

/** Environment of every runtime child: dummy credentials and the fake endpoint, nothing inherited that could change behaviour. */
export function childEnv(fake: FakeSecretsManager): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_APP_SECRETS_|POWERTOOLS_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: fake.region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    STRIPE_API_KEY_SECRET_NAME: secretIds(1)[0],
    TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json'),
  };
}

export async function startFake(): Promise<FakeSecretsManager> {
  const fake = await startFakeSecretsManager({ latencyMs: LATENCY_MS });
  fake.putSecret('warmup', 'warm');
  for (const id of secretIds(Math.max(...COLD_COUNTS))) fake.putSecret(id, `value of ${id}: ${'x'.repeat(40)}`);
  return fake;
}

function runCase(fake: FakeSecretsManager, input: RuntimeCaseInput): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, 'bench', 'runtime-case.ts'), [JSON.stringify(input)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: childEnv(fake),
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 120_000);
    let result: Measured | undefined;
    child.on('message', (message) => {
      if (message === 'ready') {
        fake.resetCalls();
        child.send('go');
        return;
      }
      const requests = Object.fromEntries(Object.entries(fake.calls).filter(([, n]) => n > 0));
      const totalRequests = Object.values(fake.calls).reduce((a, b) => a + b, 0);
      result = { ...(message as RuntimeCaseResult), requests, totalRequests };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`runtime case ${JSON.stringify({ ...input, ids: input.ids.length })} failed (${code ?? signal}):\n${stderr}`));
    });
  });
}

export async function runRuntimeBenchmarks(fake: FakeSecretsManager, log: (line: string) => void): Promise<RuntimeResults> {
  const cold = {} as RuntimeResults['cold'];
  for (const n of COLD_COUNTS) {
    cold[n] = {} as Record<Library, Measured>;
    for (const lib of LIBRARIES) {
      cold[n][lib] = await runCase(fake, { bundle: adapterBundle(lib), mode: 'cold', ids: secretIds(n) });
      log(`  cold ${n} ${lib}: ${cold[n][lib].wallMs!.toFixed(1)} ms, ${cold[n][lib].totalRequests} requests`);
    }
  }
  const concurrent = {} as RuntimeResults['concurrent'];
  for (const lib of LIBRARIES) {
    concurrent[lib] = await runCase(fake, { bundle: adapterBundle(lib), mode: 'concurrent', ids: secretIds(1), count: CONCURRENT_READS });
    log(`  ${CONCURRENT_READS} concurrent ${lib}: ${concurrent[lib].totalRequests} requests`);
  }
  const warm = {} as RuntimeResults['warm'];
  for (const lib of WARM_VARIANTS) {
    warm[lib] = await runCase(fake, { bundle: adapterBundle(lib), mode: 'warm', ids: secretIds(WARM.secrets), ...WARM });
    log(`  warm ${lib}: ${warm[lib].nsPerRead!.toFixed(0)} ns/read`);
  }
  return { cold, concurrent, warm };
}

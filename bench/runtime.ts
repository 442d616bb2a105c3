/*
 * Runtime benchmarks: each peer's reads through the same SDK (or the Lambda extension) against one
 * local fake Secrets Manager (127.0.0.1, 20 ms injected latency per request), which counts requests.
 * Every case runs in a fresh child process (bench/runtime-case.ts).
 */
import { fork } from 'child_process';
import * as path from 'path';
import { adapterBundle, AdapterName } from './bundle';
import { Endpoints, secretIds, SECRET_COUNT, startEndpoints, WARM_SECRET_COUNT } from './fakes';
import { PEERS, PeerId } from './peers';
import type { RuntimeCaseInput, RuntimeCaseResult } from './runtime-case';
import { ROOT } from './util';

export const LATENCY_MS = 20;
export const COLD_COUNTS = [1, 5, 20, SECRET_COUNT];
export const CONCURRENT_READS = 100;
export const WARM = { calls: 100_000, rounds: 20, warmupRounds: 3, secrets: WARM_SECRET_COUNT };

/** A cached read form and the code it times (each adapter's `warm[form]` loop). */
export interface WarmRead {
  readonly key: string;
  readonly library: string;
  readonly adapter: AdapterName;
  readonly form: string;
  readonly code: string;
  /** Ids per call: a five-id call runs a fifth as many calls per round. */
  readonly ids: 1 | 5;
  /** The key of Powertools' best equivalent, for cdk-app-secrets' forms. */
  readonly versus?: string;
}

export const WARM_READS: readonly WarmRead[] = [
  { key: 'appsecret-list', library: 'cdk-app-secrets', adapter: 'appsecret', form: 'list', code: 'const [v] = await getSecrets(id)', ids: 1, versus: 'powertools-one' },
  { key: 'appsecret-item', library: 'cdk-app-secrets', adapter: 'appsecret', form: 'item', code: 'const [p] = getSecrets(id); await p', ids: 1, versus: 'powertools-one' },
  { key: 'appsecret-handler', library: 'cdk-app-secrets', adapter: 'appsecret', form: 'handler', code: "const [v] = await getSecrets(getEnv('name'))", ids: 1, versus: 'powertools-handler' },
  { key: 'appsecret-json', library: 'cdk-app-secrets', adapter: 'appsecret', form: 'json', code: 'await getSecretJson(id)', ids: 1, versus: 'powertools-json' },
  { key: 'appsecret-five', library: 'cdk-app-secrets', adapter: 'appsecret', form: 'five', code: 'await getSecrets(a, b, c, d, e)', ids: 5, versus: 'powertools-five' },
  { key: 'powertools-one', library: 'Powertools', adapter: 'powertools', form: 'one', code: 'await getSecret(id, { maxAge: 300 })', ids: 1 },
  { key: 'powertools-handler', library: 'Powertools', adapter: 'powertools', form: 'handler', code: 'await getSecret(process.env.NAME_SECRET_NAME!, { maxAge: 300 })', ids: 1 },
  { key: 'powertools-json', library: 'Powertools', adapter: 'powertools', form: 'json', code: "await getSecret(id, { maxAge: 300, transform: 'json' })", ids: 1 },
  { key: 'powertools-five', library: 'Powertools', adapter: 'powertools', form: 'five', code: 'await Promise.all([getSecret(a, opts), …, getSecret(e, opts)])', ids: 5 },
  { key: 'sdk-one', library: 'plain SDK + Map', adapter: 'sdk', form: 'one', code: 'await getSecret(id)', ids: 1 },
  { key: 'floor', library: 'floor', adapter: 'floor', form: 'one', code: 'await map.get(id)', ids: 1 },
];

export interface Measured extends RuntimeCaseResult {
  /** Requests the endpoint received during the measured part, per operation (non-zero only). */
  readonly requests: Record<string, number>;
  readonly totalRequests: number;
}

export interface RuntimeResults {
  readonly cold: Record<number, Record<PeerId, Measured>>;
  readonly concurrent: Record<PeerId, Measured>;
  readonly warm: Record<string, Measured>;
}

function runCase(endpoints: Endpoints, extension: boolean, input: RuntimeCaseInput): Promise<Measured> {
  const fake = endpoints.secretsManager;
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, 'bench', 'runtime-case.ts'), [JSON.stringify(input)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: endpoints.env(extension),
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

export async function runRuntimeBenchmarks(log: (line: string) => void): Promise<RuntimeResults> {
  const endpoints = await startEndpoints(LATENCY_MS);
  try {
    const cold = {} as RuntimeResults['cold'];
    for (const n of COLD_COUNTS) {
      cold[n] = {} as Record<PeerId, Measured>;
      for (const p of PEERS) {
        cold[n][p.id] = await runCase(endpoints, p.extension, { bundle: adapterBundle(p.adapter), mode: 'cold', ids: secretIds(n) });
        log(`  cold ${n} ${p.name}: ${cold[n][p.id].wallMs!.toFixed(1)} ms, ${cold[n][p.id].totalRequests} requests`);
      }
    }
    const concurrent = {} as RuntimeResults['concurrent'];
    for (const p of PEERS) {
      concurrent[p.id] = await runCase(endpoints, p.extension, { bundle: adapterBundle(p.adapter), mode: 'concurrent', ids: secretIds(1), count: CONCURRENT_READS });
      log(`  ${CONCURRENT_READS} concurrent ${p.name}: ${concurrent[p.id].totalRequests} requests`);
    }
    const warm: RuntimeResults['warm'] = {};
    for (const w of WARM_READS) {
      const input: RuntimeCaseInput = { bundle: adapterBundle(w.adapter), mode: 'warm', form: w.form, ids: secretIds(WARM.secrets), count: WARM.calls / w.ids };
      warm[w.key] = await runCase(endpoints, false, { ...input, rounds: WARM.rounds, warmupRounds: WARM.warmupRounds });
      log(`  warm ${w.library} \`${w.code}\`: ${warm[w.key].nsPerCall!.toFixed(0)} ns/call`);
    }
    return { cold, concurrent, warm };
  } finally {
    await endpoints.close();
  }
}

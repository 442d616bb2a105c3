/*
 * Cold start of each peer's one-secret handler, in a fresh plain `node` process per sample (no
 * ts-node): require the minified bundle (Lambda's INIT: importing the library, and whatever the handler
 * does at module scope) and invoke it once until its value (loading the SDK if the library defers it,
 * creating the client, one request). Scored as the sum: deferring work from import to the first read
 * moves its cost, it does not remove it.
 *
 * Against endpoints of their own with 0 ms latency: one request's latency would add the same to every
 * peer, and hide the libraries' own costs.
 *
 * Times on a shared machine move by a few percent from run to run, more than the gap between peers
 * that load the same SDK. So each peer's cold start is also counted in CPU instructions under callgrind
 * (valgrind), which does not depend on what else the machine is doing. V8 runs on one thread there
 * (`--single-threaded`: no background compile or GC threads racing the main one), which makes the
 * count of a handler nearly the same on every run (0.01% apart here, against up to 1.5% with V8's
 * threads); each is counted twice and the report says how far the two
 * runs were apart, so a run shows whether that still holds.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { handlerBundle } from './bundle';
import { Endpoints, startEndpoints } from './fakes';
import { Peer, PEERS, PeerId } from './peers';
import { median, WORK } from './util';

export const COLD_START_ROUNDS = 9;

export interface Sample {
  readonly importMs: number;
  readonly firstValueMs: number;
}

export interface ColdStart {
  /** Medians of each part, and the median of the per-sample sums (the score). */
  readonly importMs: number;
  readonly firstValueMs: number;
  readonly sumMs: number;
  readonly samples: Sample[];
  /** CPU instructions of import + first value (the first of two runs under callgrind); undefined without valgrind. */
  readonly instructions?: number;
  /** How far the two counts were apart, as a fraction of the first (0: the same count). */
  readonly instructionsSpread?: number;
}

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

function once(endpoints: Endpoints, p: Peer): Promise<Sample> {
  endpoints.secretsManager.resetCalls();
  endpoints.extension.resetRequests();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', SCRIPT, handlerBundle(p.handler)], { env: endpoints.env(p.extension), timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`cold start of ${p.name} failed: ${stderr || error.message}`));
      checkTransport(endpoints, p);
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

/**
 * Under callgrind the process runs ~50x slower: timeouts that only the runtime reads are raised so
 * that the slow-down does not trip them; fixed seeds and one V8 thread keep V8's hashing, compiling
 * and GC the same run to run.
 */
const SLOW_TIMEOUTS = { CDK_APP_SECRETS_TIMEOUT_MS: '300000', CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300000', CDK_APP_SECRETS_CONNECT_TIMEOUT_MS: '300000' };

/** Instructions of one process under callgrind running `file`'s handler; undefined without valgrind. */
function callgrind(file: string, env: NodeJS.ProcessEnv, what: string): Promise<number | undefined> {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--hash-seed=1', '--random-seed=1', '--single-threaded', '-e', SCRIPT, file];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { env: { ...env, ...SLOW_TIMEOUTS }, timeout: 600_000, maxBuffer: 1e8 }, (error, _stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return resolve(undefined);
      if (error) return reject(new Error(`callgrind run of ${what} failed: ${stderr.slice(-500) || error.message}`));
      const collected = /Collected : (\d+)/.exec(stderr);
      if (!collected) return reject(new Error(`callgrind run of ${what} printed no instruction count`));
      resolve(Number(collected[1]));
    });
  });
}

/** The same process counted twice: its first count, and how far the second was from it. */
interface Count {
  readonly instructions: number;
  readonly spread: number;
}

async function countTwice(file: string, env: NodeJS.ProcessEnv, what: string, check: () => void): Promise<Count | undefined> {
  const counts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await callgrind(file, env, what);
    if (c === undefined) return undefined;
    check();
    counts.push(c);
  }
  return { instructions: counts[0], spread: Math.abs(counts[1] - counts[0]) };
}

/**
 * Each peer's import + first value in CPU instructions: its process's count minus that of a process
 * whose handler does nothing (Node's own start and exit, over half the whole, the same for every
 * peer), so that the ratios compare what the times compare. The spread is both processes' spreads
 * over the difference.
 */
async function countInstructions(endpoints: Endpoints, log: (line: string) => void): Promise<Map<PeerId, Count> | undefined> {
  const empty = path.join(WORK, 'handlers', 'empty.js');
  fs.writeFileSync(empty, 'exports.handler = async () => 1;\n');
  const baseline = await countTwice(empty, endpoints.env(false), 'an empty handler', () => {});
  if (baseline === undefined) {
    log('  valgrind not found: cold starts are not counted in CPU instructions');
    return undefined;
  }
  const counts = new Map<PeerId, Count>();
  for (const p of PEERS) {
    const reset = (): void => {
      endpoints.secretsManager.resetCalls();
      endpoints.extension.resetRequests();
    };
    reset();
    const total = (await countTwice(handlerBundle(p.handler), endpoints.env(p.extension), p.name, () => {
      checkTransport(endpoints, p);
      reset();
    }))!;
    const instructions = total.instructions - baseline.instructions;
    counts.set(p.id, { instructions, spread: (total.spread + baseline.spread) / instructions });
  }
  return counts;
}

/**
 * A sample counts only if the value came the way the row says: through the extension (whose upstream
 * requests are unsigned) without one signed SDK request, or, without it, over the SDK.
 */
function checkTransport(endpoints: Endpoints, p: Peer): void {
  const viaExtension = endpoints.extension.requests.length;
  const signed = endpoints.secretsManager.requests.filter((r) => r.region !== undefined).length;
  const ok = p.extension ? viaExtension > 0 && signed === 0 : viaExtension === 0 && signed > 0;
  if (!ok) throw new Error(`cold start of ${p.name}: ${viaExtension} request(s) through the extension, ${signed} over the SDK`);
}

export async function runColdStarts(log: (line: string) => void): Promise<Record<PeerId, ColdStart>> {
  const endpoints = await startEndpoints(0);
  const samples = new Map<PeerId, Sample[]>(PEERS.map((p) => [p.id, []]));
  let counted: Map<PeerId, Count> | undefined;
  try {
    // Interleaved so disk cache and CPU frequency affect every peer alike; the first round only warms
    // the OS file cache and is dropped.
    for (let r = 0; r <= COLD_START_ROUNDS; r++) {
      for (const p of PEERS) {
        const sample = await once(endpoints, p);
        if (r > 0) samples.get(p.id)!.push(sample);
      }
    }
    counted = await countInstructions(endpoints, log);
  } finally {
    await endpoints.close();
  }
  const results = {} as Record<PeerId, ColdStart>;
  for (const p of PEERS) {
    const s = samples.get(p.id)!;
    results[p.id] = {
      importMs: median(s.map((x) => x.importMs)),
      firstValueMs: median(s.map((x) => x.firstValueMs)),
      sumMs: median(s.map((x) => x.importMs + x.firstValueMs)),
      samples: s,
      instructions: counted?.get(p.id)?.instructions,
      instructionsSpread: counted?.get(p.id)?.spread,
    };
    const c = counted?.get(p.id);
    const count = c === undefined ? '' : `, ${(c.instructions / 1e6).toFixed(1)}M instructions (second run ${(c.spread * 100).toFixed(2)}% apart)`;
    log(`  cold start ${p.name}: import ${results[p.id].importMs.toFixed(1)} ms + first value ${results[p.id].firstValueMs.toFixed(1)} ms${count}`);
  }
  return results;
}

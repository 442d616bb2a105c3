/*
 * The runtime's tables: cold start and bundle size of the one-secret handlers, what each library costs
 * in Secrets Manager calls, cold reads and request counts, warm reads. Markdown, for stdout and
 * BENCHMARKS.md.
 */
import { HANDLERS, HandlerName } from './bundle';
import { COLD_START_ROUNDS } from './cold-start';
import { COST, costTable } from './cost';
import { BEST_TTL_S, PEERS } from './peers';
import { COLD_COUNTS, CONCURRENT_READS, LATENCY_MS, WARM, WARM_READS } from './runtime';
import type { Measurements } from './targets';
import { faster } from './util';

export const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const n1 = (x: number): string => x.toFixed(1);
const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const requests = (byOp: Record<string, number>): string => Object.entries(byOp).map(([op, n]) => `${n} ${op}`).join(' + ') || '0';

const HANDLER_NAMES: Record<HandlerName, string> = {
  appsecret: 'cdk-app-secrets (either transport)', powertools: 'Powertools', middy: 'middy', sdk: 'plain SDK + Map',
};

function coldStartTables(m: Measurements, out: string[]): void {
  const cs = m.coldStart;
  if (cs) {
    out.push(`\n### Cold start of a one-secret handler, each peer at its best configuration (fresh \`node\` process, median of ${COLD_START_ROUNDS}, 0 ms endpoint latency)\n`);
    const pt = cs.powertools.sumMs;
    const ptCount = cs.powertools.instructions;
    const count = (x: number | undefined): string => x === undefined ? '–' : `${(x / 1e6).toFixed(1)}M`;
    const countRatio = (x: number | undefined): string => x === undefined || ptCount === undefined ? '–' : `${(x / ptCount).toFixed(3)}x`;
    out.push(table(['Peer', 'Configuration', 'import ms', 'first value ms', 'import + first value ms (median of the sums)', 'vs Powertools',
      'import + first value in CPU instructions (callgrind)', 'vs Powertools'],
    PEERS.map((p) => [p.name, p.setup, n1(cs[p.id].importMs), n1(cs[p.id].firstValueMs), `**${n1(cs[p.id].sumMs)}**`,
      p.id === 'powertools' ? 'baseline' : `${(cs[p.id].sumMs / pt).toFixed(2)}x`,
      count(cs[p.id].instructions), p.id === 'powertools' ? 'baseline' : countRatio(cs[p.id].instructions)])));
    const spreads = PEERS.map((p) => cs[p.id].instructionsSpread).filter((x): x is number => x !== undefined);
    const spread = spreads.length === 0 ? '' : ` Each process was counted twice, and the two counts were at most ${(Math.max(...spreads) * 100).toFixed(2)}% apart in this run.`;
    out.push(`\nTimes move by a few percent from run to run on a shared machine. A process's instruction count under callgrind does not depend
on the machine's load, and with V8 on one thread (\`--single-threaded\`) it is nearly the same on every run, so it decides gaps that times
cannot.${spread} Counted: the process minus one whose handler does nothing (Node's start and exit), as the times count import + first
value. "–": valgrind was not installed.`);
  }
  const b = m.bundles;
  if (b) {
    out.push('\n### Bundle size of the one-secret handler (esbuild, minified, `@aws-sdk/*` external)\n');
    out.push(table(['Handler', 'bytes (minified)', 'gzip bytes'],
      (Object.keys(HANDLERS) as HandlerName[]).map((h) => [HANDLER_NAMES[h], n0(b.handlers[h].bytes), n0(b.handlers[h].gzipBytes)])));
    out.push(`\n\`cdk-app-secrets/runtime\` resolved, through the package's \`exports\` as in a user's install, to \`${b.runtimeFile}\`.`);
  }
}

function costTables(m: Measurements, out: string[]): void {
  const rt = m.runtime;
  if (!rt) return;
  const rows = costTable(rt.cold[COST.secrets]);
  out.push(`\n### Secrets Manager calls per month: ${COST.secrets} secrets read on every request, ${COST.requestsPerSecond} requests/s over ${COST.environments} warm environments, ${COST.days} days, $${COST.dollarsPer10kCalls} per 10,000 calls\n`);
  const header = ['Peer', 'Calls per refresh (measured, cold read of 5)', 'Default TTL', 'calls/month', '$/month', `Best setting (${BEST_TTL_S} s cache): calls/month`, '$/month'];
  out.push(table(header, rows.map((r) => [r.peer.name, r.perRefresh, r.peer.defaultTtlNote,
    n0(r.atDefault.calls), money(r.atDefault.dollars), n0(r.atBest.calls), money(r.atBest.dollars)])));
  out.push(`\nA refresh happens when the TTL has passed and the next request reads (1 request/s per environment). "Never expires" is one read per
environment: Lambda replaces environments every few hours, which this does not model, and such a cache never sees a rotation. The extension
has no batch API, so over it the runtime reads 5 ids with 5 calls; its own cache does not lower that (it expires with the runtime's). AWS prices
"API calls"; a BatchGetSecretValue counts as one call here.`);
}

function readTables(m: Measurements, out: string[]): void {
  const rt = m.runtime;
  if (!rt) {
    out.push('\n### Runtime reads\n\nNot measured: the runtime or the fake endpoint was not available.');
    return;
  }
  out.push(`\n### Cold reads of N secrets (values not cached; SDK loaded and client created by a warm-up read of another secret; ${LATENCY_MS} ms per request): wall ms, requests\n`);
  out.push(table(['Peer', ...COLD_COUNTS.map((n) => `N = ${n}`)],
    PEERS.map((p) => [p.name, ...COLD_COUNTS.map((n) => `${n1(rt.cold[n][p.id].wallMs!)} ms, ${requests(rt.cold[n][p.id].requests)}`)])));
  out.push(`\nThe extension's reads reach Secrets Manager as GetSecretValue (the local fake of the extension does not cache). middy reads the N ids
of a handler built for them (its \`fetchData\`), one GetSecretValue each.`);
  out.push(`\n### ${CONCURRENT_READS} concurrent reads of one uncached secret\n`);
  out.push(table(['Peer', 'Requests', 'Wall ms'], PEERS.map((p) => [p.name, requests(rt.concurrent[p.id].requests), n1(rt.concurrent[p.id].wallMs!)])));
  out.push(`\n### Warm (cached) reads: median of ${WARM.rounds} rounds × ${n0(WARM.calls)} sequential reads over ${WARM.secrets} secrets (five-id calls: a fifth as many calls), after ${WARM.warmupRounds} warm-up rounds\n`);
  out.push(table(['Library', 'Read', 'ns per call (median)', 'fastest–slowest round', 'vs Powertools at best', 'vs floor', 'requests during loop'],
    WARM_READS.map((w) => {
      const r = rt.warm[w.key];
      const versus = w.versus ? faster(rt.warm[w.versus].nsPerCall! / r.nsPerCall!) : w.library === 'Powertools' ? 'baseline' : '–';
      const floor = w.ids === 1 ? `${(r.nsPerCall! / rt.warm.floor.nsPerCall!).toFixed(2)}x` : '–';
      return [w.library, `\`${w.code}\``, n0(r.nsPerCall!), `${n0(Math.min(...r.roundsNs!))}–${n0(Math.max(...r.roundsNs!))}`, versus, floor, String(r.totalRequests)];
    })));
  out.push(`\nEach cdk-app-secrets form is compared with Powertools' best equivalent: \`getSecret\` with an explicit \`maxAge\` in a constant options
object (its default TTL is 5 s, and reading the max age from \`POWERTOOLS_PARAMETERS_MAX_AGE\` makes every call read the environment); for JSON,
its \`transform: 'json'\` (it caches the parsed value); for five ids, \`Promise.all\` of five calls (it has no batch read). middy has no per-read
call (it reads in its \`before\` middleware per invocation), so it is not in this table.`);
}

/** The runtime's tables, in the order users feel them. */
export function runtimeTables(m: Measurements): string {
  const out: string[] = [];
  coldStartTables(m, out);
  costTables(m, out);
  readTables(m, out);
  return out.join('\n');
}

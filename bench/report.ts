/*
 * Renders the measurements as markdown tables (stdout and BENCHMARKS.md) and a hand-written SVG
 * chart of AppSecret-vs-alternative ratios (bench/chart.svg). No chart library: a few rects.
 */
import type { Library } from './bundle';
import { label, verdict, WINDOW } from './construct';
import { LIMITS } from './limits';
import { COLD_COUNTS, CONCURRENT_READS, LATENCY_MS, WARM } from './runtime';
import { Measurements, Target } from './targets';
import { MachineInfo } from './util';

const NAMES: Record<Library, string> = { appsecret: 'cdk-app-secrets', powertools: 'Powertools', sdk: 'plain SDK + Map' };
const LIBS: Library[] = ['appsecret', 'powertools', 'sdk'];
const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const n1 = (x: number): string => x.toFixed(1);

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The tables, also printed to stdout. */
export function renderTables(m: Measurements, targets: Target[]): string {
  const out: string[] = [];
  out.push('### Targets\n', table(['Target', 'Result', 'Measured'],
    targets.map((t) => [t.name, t.met === undefined ? 'not measured' : t.met ? '**met**' : '**missed**', t.detail])));

  const rt = m.runtime;
  if (rt) {
    out.push(`\n### Runtime: cold fetch (values not cached; SDK loaded and client created by a warm-up read of another secret; ${LATENCY_MS} ms per request)\n`);
    out.push(table(['Secrets', ...LIBS.map((l) => `${NAMES[l]}: wall ms`), ...LIBS.map((l) => `${NAMES[l]}: requests`)],
      COLD_COUNTS.map((n) => [String(n), ...LIBS.map((l) => n1(rt.cold[n][l].wallMs!)), ...LIBS.map((l) => requests(rt.cold[n][l].requests))])));
    out.push(`\n### Runtime: ${CONCURRENT_READS} concurrent reads of one uncached secret\n`);
    out.push(table(['Library', 'Requests', 'Wall ms'], LIBS.map((l) => [NAMES[l], requests(rt.concurrent[l].requests), n1(rt.concurrent[l].wallMs!)])));
    out.push(`\n### Runtime: warm (cached) reads, median of ${WARM.rounds} rounds × ${n0(WARM.count)} sequential reads over ${WARM.secrets} secrets, after ${WARM.warmupRounds} warm-up rounds\n`);
    const warmRows: Array<[string, keyof typeof rt.warm]> = [
      ['cdk-app-secrets `const [v] = await getSecrets(id)`', 'appsecret'],
      ['cdk-app-secrets `await getSecrets(id)[0]`', 'appsecret-item'],
      ['Powertools `await getSecret(id)`', 'powertools'],
      ['plain SDK + Map `await get(id)`', 'sdk'],
      ['floor: `await map.get(id)` (resolved promises)', 'floor'],
    ];
    out.push(table(['Read', 'ns/read (median)', 'fastest–slowest round', 'vs Powertools', 'requests during loop'], warmRows.map(([name, key]) => {
      const w = rt.warm[key];
      return [name, n0(w.nsPerRead!), `${n0(Math.min(...w.roundsNs!))}–${n0(Math.max(...w.roundsNs!))}`,
        key === 'powertools' ? 'baseline' : speed(rt.warm.powertools.nsPerRead! / w.nsPerRead!), String(w.totalRequests)];
    })));
  } else {
    out.push('\n### Runtime\n\nNot measured: the runtime or the fake endpoint was not available.');
  }
  if (m.coldStart && m.bundles) {
    const cs = m.coldStart;
    out.push('\n### Runtime: cold start of a one-secret handler in a fresh `node` process (median of 7)\n');
    out.push(table(['Library', 'import ms', 'first value ms', 'import + first value ms', 'bundle bytes (minified)', 'gzip bytes'],
      LIBS.map((l) => [NAMES[l], cs[l].importMs.toFixed(2), n1(cs[l].firstValueMs), n1(cs[l].importMs + cs[l].firstValueMs),
        n0(m.bundles![l].bytes), n0(m.bundles![l].gzipBytes)])));
  }

  out.push('\n### Construct: synth time and template size (median of 3 synths, each in a fresh `App`)\n');
  out.push(table(['Case', 'AppSecret ms', 'hand-written ms', 'time ratio', 'AppSecret template bytes', 'hand-written template bytes', 'size ratio'],
    m.construct.map((c) => {
      const a = c.output.appsecret;
      const h = c.output.hand;
      const refused = (v: typeof a) => (v.error ? ' (refused)' : '');
      return [label(c.input), n0(a.medianMs) + refused(a), n0(h.medianMs) + refused(h), (a.medianMs / h.medianMs).toFixed(2),
        a.analysis ? n0(a.analysis.templateBytes) : '–', h.analysis ? n0(h.analysis.templateBytes) : '–',
        a.analysis && h.analysis ? (a.analysis.templateBytes / h.analysis.templateBytes).toFixed(2) : '–'];
    })));
  out.push('\n### Construct: service limits (sizes after deployment, see notes)\n');
  out.push(table(['Case', 'Variant', 'Resources', 'Outputs', 'Largest role inline policy chars', 'Overflow managed policies (largest chars)', 'Largest env bytes', 'Verdict'],
    m.construct.flatMap((c) => (['appsecret', 'hand'] as const).map((v) => {
      const r = c.output[v];
      const a = r.analysis;
      return [label(c.input), v === 'appsecret' ? 'AppSecret' : 'hand-written',
        a ? n0(a.resources) : '–', a ? String(a.outputs) : '–', a ? n0(a.maxRoleInlineChars) : '–',
        a ? `${a.managedPolicies}${a.managedPolicies ? ` (${n0(a.maxManagedPolicyChars)})` : ''}` : '–',
        a ? n0(a.maxEnvBytes) : '–', verdict(r)];
    }))));
  return out.join('\n');
}

function requests(byOp: Record<string, number>): string {
  const parts = Object.entries(byOp).map(([op, n]) => `${n} ${op}`);
  return parts.length ? parts.join(' + ') : '0';
}

function speed(r: number): string {
  return r >= 1 ? `${r.toFixed(2)}x faster` : `${(1 / r).toFixed(2)}x slower`;
}

interface Bar {
  readonly label: string;
  /** > 1: AppSecret better (faster, fewer requests, smaller). */
  readonly ratio: number;
}

/** Ratios where AppSecret is compared with its alternative, > 1 meaning AppSecret does better. */
export function chartBars(m: Measurements): Bar[] {
  const bars: Bar[] = [];
  const rt = m.runtime;
  if (rt) {
    bars.push({ label: 'Warm read time vs Powertools', ratio: rt.warm.powertools.nsPerRead! / rt.warm.appsecret.nsPerRead! });
    bars.push({ label: 'Warm read time vs plain SDK + Map', ratio: rt.warm.sdk.nsPerRead! / rt.warm.appsecret.nsPerRead! });
    bars.push({ label: 'Cold fetch of 20: wall time vs Powertools', ratio: rt.cold[20].powertools.wallMs! / rt.cold[20].appsecret.wallMs! });
    bars.push({ label: 'Cold fetch of 20: requests vs Powertools', ratio: rt.cold[20].powertools.totalRequests / rt.cold[20].appsecret.totalRequests });
    bars.push({ label: `${CONCURRENT_READS} concurrent reads: requests vs Powertools`, ratio: rt.concurrent.powertools.totalRequests / rt.concurrent.appsecret.totalRequests });
  }
  if (m.coldStart && m.bundles) {
    bars.push({ label: 'Import time vs Powertools', ratio: m.coldStart.powertools.importMs / m.coldStart.appsecret.importMs });
    const total = (l: Library) => m.coldStart![l].importMs + m.coldStart![l].firstValueMs;
    bars.push({ label: 'Import + first value vs Powertools', ratio: total('powertools') / total('appsecret') });
    bars.push({ label: 'Bundle size vs Powertools', ratio: m.bundles.powertools.bytes / m.bundles.appsecret.bytes });
  }
  const ref = m.construct.find((c) => c.input.secrets === 100 && c.input.functions === 10 && c.output.appsecret.analysis && c.output.hand.analysis);
  if (ref) {
    bars.push({ label: `Synth time vs hand-written (${ref.input.secrets} secrets × ${ref.input.functions} fn)`, ratio: ref.output.hand.medianMs / ref.output.appsecret.medianMs });
    bars.push({ label: 'Template size vs hand-written (same case)', ratio: ref.output.hand.analysis!.templateBytes / ref.output.appsecret.analysis!.templateBytes });
  }
  return bars;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars on a log scale around 1x: green to the right when AppSecret does better, red to the left when worse. */
export function renderSvg(bars: Bar[]): string {
  const labelW = 330;
  const plotW = 420;
  const rowH = 26;
  const top = 40;
  const height = top + bars.length * rowH + 30;
  const minLog = -3; // 1/8x
  const maxLog = 7; // 128x
  const x = (r: number) => Math.round((labelW + ((Math.min(maxLog, Math.max(minLog, Math.log2(r))) - minLog) / (maxLog - minLog)) * plotW) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    '<text x="10" y="20" font-size="14" font-weight="bold">cdk-app-secrets vs alternatives (log scale; &gt; 1x = cdk-app-secrets better)</text>',
  ];
  for (let e = minLog; e <= maxLog; e++) {
    const gx = x(2 ** e);
    parts.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 24}" stroke="${e === 0 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${e < 0 ? `1/${2 ** -e}` : 2 ** e}x</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const x1 = x(1);
    const x2 = x(bar.ratio);
    const good = bar.ratio >= 1;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(bar.label)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2)}" y="${y + 3}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${rowH - 8}" fill="${good ? '#2e8b57' : '#c0392b'}"/>`);
    parts.push(`<text x="${good ? x2 + 4 : x1 + 4}" y="${y + 15}">${bar.ratio >= 1 ? bar.ratio.toFixed(1) : bar.ratio.toFixed(2)}x</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export interface ReportContext {
  readonly machine: MachineInfo;
  readonly versions: Record<string, string>;
  readonly command: string;
  readonly date: string;
  readonly durationS: number;
}

export function renderMarkdown(m: Measurements, targets: Target[], ctx: ReportContext, failures: string[]): string {
  const met = targets.filter((t) => t.met === true).length;
  const missed = targets.filter((t) => t.met === false);
  const notMeasured = targets.filter((t) => t.met === undefined);
  return `<!-- Generated by \`${ctx.command}\` (bench/run.ts). Do not edit by hand: rerun the command. -->
# Benchmarks

Measured on ${ctx.date} with \`${ctx.command}\` (${ctx.durationS.toFixed(0)} s).

- Machine: ${ctx.machine.cpu}, ${ctx.machine.cores} cores, ${ctx.machine.platform}
- Node ${ctx.machine.node}; ${Object.entries(ctx.versions).map(([k, v]) => `${k} ${v}`).join(', ')}

**Summary: ${met} of ${targets.length} targets met${missed.length ? `; missed: ${missed.map((t) => t.name).join('; ')}` : ''}${notMeasured.length ? `; not measured: ${notMeasured.map((t) => t.name).join('; ')}` : ''}.**
${failures.length ? `\n**Sections that failed to run:** ${failures.join('; ')}\n` : ''}
![Ratios of cdk-app-secrets to its alternatives](bench/chart.svg)

${renderTables(m, targets)}

## How it is measured

Runtime (\`bench/runtime.ts\`, \`bench/runtime-case.ts\`, \`bench/cold-start.ts\`):

- All three libraries use the same \`@aws-sdk/client-secrets-manager\` against one local fake Secrets Manager
  (\`test/support/fake-secrets-manager.ts\`, 127.0.0.1, ${LATENCY_MS} ms injected per request), with dummy credentials via the environment.
  Request counts are read from the fake's per-operation counters.
- Each case runs in a fresh child process. The code measured is an esbuild bundle (\`bench/adapters/*.ts\`, target node20,
  \`@aws-sdk/*\` external), written the way each library is meant to be used: \`getSecrets(...ids)\`; Powertools \`getSecret\` per id
  in \`Promise.all\` (it has no batch read for Secrets Manager); the plain SDK with one \`GetSecretValue\` per id and a module-scope
  \`Map\` of promises with a 300 s TTL check.
- Powertools is measured at its best configuration: \`getSecret(id, { maxAge: 300 })\` (its default cache TTL is 5 s; reading the max age from \`POWERTOOLS_PARAMETERS_MAX_AGE\` makes every call read the environment).
- Cold fetch: before the timed call, each child reads one unrelated secret so that module loading and client creation are not counted;
  the cold-start table measures those.
- Cold start: a fresh plain \`node\` process \`require\`s the minified one-secret handler (\`bench/handlers/*.ts\`) with \`hrtime\` around it
  ("import"), then calls the handler once ("first value": loading the SDK if the library defers it, creating the client, one request).
  cdk-app-secrets loads the SDK on first use, so its import is small and its first value pays for the SDK; compare the sum.
- Bundle size: esbuild JS API, bundle + minify, platform node, target node20, external \`@aws-sdk/*\`; 1 KB = 1,024 bytes.

Construct (\`bench/construct.ts\`, \`bench/construct-case.ts\`, \`bench/limits.ts\`):

- Same stack both ways in a stack with a concrete env (account 123456789012, us-east-1), \`lambda.Function\` with \`Code.fromInline\`.
  AppSecret: \`new AppSecret(stack, id, { name, environment: 'prod', nameOutput: false })\` + \`secret.grantRead(fn)\`.
  Hand-written: \`new secretsmanager.Secret(stack, id, { secretName })\` + \`fn.addEnvironment(key, secret.secretName)\` + \`secret.grantRead(fn)\`.
  \`nameOutput: false\` keeps the two comparable (the hand-written stack has no outputs); the \`nameOutput\` row shows the default
  (one output per secret) and is left out of the synth-time and template-size targets.
- Distribution: in the matrix, each function reads ${WINDOW} secrets (a window starting at secret f·${WINDOW}, wrapping), or all of them when there
  are fewer. ${WINDOW} secret names fit Lambda's 4 KB environment; reading all 100 or 500 secrets from every function cannot deploy either way,
  and the hand-written 500 × 50 "all" case takes about half a minute per synth, so it is not run. The "reads all" row shows that limit on its own.
- Synth time is construction plus \`app.synth()\` (templates written under \`bench/.work/\`), median of 3, each in a fresh \`App\`, both
  variants alternating in one child process per case after an untimed warm-up synth. A refused case's time is the time until synth threw.
- Limits are checked on values as deployed: intrinsics are evaluated with realistic ARNs and generated names (\`bench/limits.ts\`), because
  IAM and Lambda count the resolved strings. Limits: ${LIMITS.cfnResources} resources, ${LIMITS.cfnOutputs} outputs, 1 MB template (CloudFormation);
  ${n0(LIMITS.iamRoleInlineChars)} chars of inline policy per role, ${n0(LIMITS.iamManagedPolicyChars)} chars per managed policy,
  ${LIMITS.iamManagedPoliciesPerRole} managed policies per role (IAM, whitespace not counted); ${n0(LIMITS.lambdaEnvBytes)} bytes of environment (Lambda).
- The hand-written stack passes \`secret.secretName\`, which CDK renders as a \`Fn::Join\`/\`Fn::Select\`/\`Fn::Split\` expression over the
  secret's ARN, and \`secret.grantRead\` adds one statement per secret with a \`Ref\` that CDK sizes at 150 chars when splitting policies.
  Passing the literal name instead would make the hand-written template smaller than shown here.
`;
}

/*
 * The project's performance targets, each evaluated from the measured numbers.
 */
import type { BundleSize, Library } from './bundle';
import type { ColdStart } from './cold-start';
import { ConstructResult, label, verdict } from './construct';
import { COLD_COUNTS, CONCURRENT_READS, RuntimeResults } from './runtime';

export interface Target {
  readonly name: string;
  /** undefined when the numbers needed were not measured. */
  readonly met?: boolean;
  readonly detail: string;
}

export interface Measurements {
  readonly construct: ConstructResult[];
  readonly runtime?: RuntimeResults;
  readonly coldStart?: Record<Library, ColdStart>;
  readonly bundles?: Record<Library, BundleSize>;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
/** KB here means 1,024 bytes. */
const BUNDLE_LIMIT_BYTES = 5 * 1024;

export function evaluateTargets(m: Measurements): Target[] {
  const targets: Target[] = [];
  const rt = m.runtime;
  if (rt) {
    const speedup = rt.warm.powertools.nsPerRead! / rt.warm.appsecret.nsPerRead!;
    targets.push({
      name: 'Warm reads ≥3x faster than Powertools (aim 5x)',
      met: speedup >= 3,
      detail: `\`await getSecrets(id)\` ${rt.warm.appsecret.nsPerRead!.toFixed(0)} ns/read vs Powertools ${rt.warm.powertools.nsPerRead!.toFixed(0)} ns/read: ` +
        `${speedup >= 1 ? `${speedup.toFixed(2)}x faster` : `${(1 / speedup).toFixed(2)}x slower`}`,
    });
    const small = COLD_COUNTS.filter((n) => n <= 20);
    targets.push({
      name: 'Cold fetch of N ≤ 20 secrets in one request',
      met: small.every((n) => rt.cold[n].appsecret.totalRequests === 1),
      detail: small.map((n) => `N=${n}: ${rt.cold[n].appsecret.totalRequests} (Powertools ${rt.cold[n].powertools.totalRequests})`).join(', '),
    });
    targets.push({
      name: `${CONCURRENT_READS} concurrent reads in one request`,
      met: rt.concurrent.appsecret.totalRequests === 1,
      detail: `${rt.concurrent.appsecret.totalRequests} request(s) (Powertools ${rt.concurrent.powertools.totalRequests}, plain SDK + Map ${rt.concurrent.sdk.totalRequests})`,
    });
  } else {
    for (const name of ['Warm reads ≥3x faster than Powertools (aim 5x)', 'Cold fetch of N ≤ 20 secrets in one request', `${CONCURRENT_READS} concurrent reads in one request`]) {
      targets.push({ name, detail: 'not measured' });
    }
  }
  const cs = m.coldStart?.appsecret;
  targets.push(cs
    ? { name: 'Runtime import < 5 ms', met: cs.importMs < 5, detail: `${cs.importMs.toFixed(2)} ms (Powertools ${m.coldStart!.powertools.importMs.toFixed(1)} ms, plain SDK ${m.coldStart!.sdk.importMs.toFixed(1)} ms)` }
    : { name: 'Runtime import < 5 ms', detail: 'not measured' });
  const b = m.bundles;
  targets.push(b
    ? { name: 'Runtime bundle < 5 KB minified', met: b.appsecret.bytes < BUNDLE_LIMIT_BYTES, detail: `${b.appsecret.bytes.toLocaleString('en-US')} bytes (limit ${BUNDLE_LIMIT_BYTES.toLocaleString('en-US')}; Powertools ${b.powertools.bytes.toLocaleString('en-US')})` }
    : { name: 'Runtime bundle < 5 KB minified', detail: 'not measured' });

  // Construct targets compare the same stack: cases where both variants synthesized, without the
  // nameOutput row (its outputs have no hand-written counterpart; it is reported separately).
  const both = m.construct.filter((c) => !c.input.nameOutput && c.output.appsecret.analysis && c.output.hand.analysis);
  const withOutputs = m.construct.filter((c) => c.input.nameOutput && c.output.appsecret.analysis && c.output.hand.analysis);
  const outputsNote = withOutputs.length
    ? `; not counted: ${withOutputs.map((c) => `${label(c.input)} at ${ratio(c.output.appsecret.medianMs, c.output.hand.medianMs)} time, ${size(c).toFixed(2)}x size`).join(', ')}`
    : '';
  const worstTime = both.reduce<ConstructResult | undefined>((w, c) =>
    !w || c.output.appsecret.medianMs / c.output.hand.medianMs > w.output.appsecret.medianMs / w.output.hand.medianMs ? c : w, undefined);
  targets.push(worstTime
    ? {
      name: 'Synth time within 1.2x of hand-written',
      met: both.every((c) => c.output.appsecret.medianMs <= 1.2 * c.output.hand.medianMs),
      detail: `worst of ${both.length} comparable cases: ${label(worstTime.input)} at ${ratio(worstTime.output.appsecret.medianMs, worstTime.output.hand.medianMs)}${outputsNote}`,
    }
    : { name: 'Synth time within 1.2x of hand-written', detail: 'not measured (no case synthesized with both variants)' });
  const larger = both.filter((c) => c.output.appsecret.analysis!.templateBytes > c.output.hand.analysis!.templateBytes);
  const worstSize = both.reduce<ConstructResult | undefined>((w, c) =>
    !w || size(c) > size(w) ? c : w, undefined);
  targets.push(worstSize
    ? {
      name: 'Template no larger than hand-written',
      met: larger.length === 0,
      detail: larger.length === 0
        ? `largest ratio of ${both.length} comparable cases ${size(worstSize).toFixed(2)}x (${label(worstSize.input)})${outputsNote}`
        : `larger in ${larger.map((c) => `${label(c.input)} (${size(c).toFixed(2)}x)`).join(', ')}${outputsNote}`,
    }
    : { name: 'Template no larger than hand-written', detail: 'not measured' });
  const over = m.construct.filter((c) => verdict(c.output.appsecret).startsWith('over limit'));
  targets.push({
    name: 'Every AppSecret case within service limits or refused at synth with a clear error',
    met: over.length === 0,
    detail: over.length === 0
      ? `${m.construct.length} cases: ${m.construct.filter((c) => c.output.appsecret.error).length} refused at synth, the rest deploy within limits`
      : `over limit but not refused: ${over.map((c) => `${label(c.input)}: ${verdict(c.output.appsecret).replace('over limit: ', '')}`).join('; ')}`,
  });
  return targets;
}

function size(c: ConstructResult): number {
  return c.output.appsecret.analysis!.templateBytes / c.output.hand.analysis!.templateBytes;
}

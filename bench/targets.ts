/*
 * The project's performance targets (issue 12's for the runtime), each evaluated from the numbers
 * measured in this run; each detail shows the numbers it was decided on.
 */
import type { Bundles } from './bundle';
import type { ColdStart } from './cold-start';
import { ConstructResult, label, verdict } from './construct';
import type { PeerId } from './peers';
import { COLD_COUNTS, CONCURRENT_READS, RuntimeResults, WARM_READS } from './runtime';
import { faster } from './util';

export interface Target {
  readonly name: string;
  /** undefined when the numbers needed were not measured. */
  readonly met?: boolean;
  readonly detail: string;
}

export interface Measurements {
  readonly construct: ConstructResult[];
  readonly runtime?: RuntimeResults;
  readonly coldStart?: Record<PeerId, ColdStart>;
  readonly bundles?: Bundles;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
const ns = (x: number): string => `${x.toFixed(0)} ns`;
/** 12 KB, with KB = 1,024 bytes. */
const BUNDLE_LIMIT_BYTES = 12 * 1024;
const WARM_SPEEDUP = 3;
const FLOOR_FACTOR = 2;
const COLD_START_LIMITS: ReadonlyArray<readonly [PeerId, number]> = [['appsecret-ext', 0.5], ['appsecret', 1.0]];

/** The target, evaluated when its numbers were measured (`evaluate` given). */
function measured(name: string, evaluate: (() => { met: boolean; detail: string }) | undefined): Target {
  return evaluate ? { name, ...evaluate() } : { name, detail: 'not measured' };
}

function runtimeTargets(rt: RuntimeResults | undefined): Target[] {
  const targets: Target[] = [];
  for (const w of WARM_READS.filter((x) => x.versus)) {
    const name = `Warm \`${w.code}\` ≥${WARM_SPEEDUP}x faster than Powertools at best`;
    const versus = WARM_READS.find((x) => x.key === w.versus)!;
    targets.push(measured(name, rt && (() => {
      const ours = rt.warm[w.key].nsPerCall!;
      const theirs = rt.warm[versus.key].nsPerCall!;
      return { met: theirs / ours >= WARM_SPEEDUP, detail: `${ns(ours)} vs \`${versus.code}\` ${ns(theirs)}: ${faster(theirs / ours)}` };
    })));
  }
  const item = rt?.warm['appsecret-item'].nsPerCall;
  const floor = rt?.warm.floor.nsPerCall;
  const itemCode = WARM_READS.find((w) => w.key === 'appsecret-item')!.code;
  targets.push(measured(`Warm \`${itemCode}\` within ${FLOOR_FACTOR}x of the floor \`await map.get(id)\``, rt && (() => ({
    met: item! <= FLOOR_FACTOR * floor!,
    detail: `${ns(item!)} vs ${ns(floor!)}: ${ratio(item!, floor!)} the floor`,
  }))));
  const small = COLD_COUNTS.filter((n) => n <= 20);
  targets.push(measured('Cold fetch of N ≤ 20 secrets in one request (over the SDK)', rt && (() => ({
    met: small.every((n) => rt.cold[n].appsecret.totalRequests === 1),
    detail: small.map((n) => `N=${n}: ${rt.cold[n].appsecret.totalRequests} (Powertools ${rt.cold[n].powertools.totalRequests}, middy ${rt.cold[n].middy.totalRequests})`).join(', '),
  }))));
  targets.push(measured(`${CONCURRENT_READS} concurrent reads in one request`, rt && (() => ({
    met: rt.concurrent.appsecret.totalRequests === 1,
    detail: `${rt.concurrent.appsecret.totalRequests} request(s) (Powertools ${rt.concurrent.powertools.totalRequests}, ` +
      `middy ${rt.concurrent.middy.totalRequests}, plain SDK + Map ${rt.concurrent.sdk.totalRequests})`,
  }))));
  return targets;
}

function coldStartTargets(cs: Record<PeerId, ColdStart> | undefined): Target[] {
  return COLD_START_LIMITS.map(([id, limit]) => {
    const name = `Cold start (import + first value) ${id === 'appsecret-ext' ? 'with the extension' : 'over the SDK'} ≤${limit.toFixed(1)}x Powertools`;
    return measured(name, cs && (() => {
      const r = cs[id].sumMs / cs.powertools.sumMs;
      const counts = [cs[id].instructions, cs.powertools.instructions];
      const inInstructions = counts[0] === undefined || counts[1] === undefined ? '' : `; in CPU instructions ${(counts[0] / counts[1]).toFixed(3)}x`;
      return { met: r <= limit, detail: `${cs[id].sumMs.toFixed(1)} ms vs Powertools ${cs.powertools.sumMs.toFixed(1)} ms: ${r.toFixed(2)}x${inInstructions}` };
    }));
  });
}

function bundleTarget(b: Bundles | undefined): Target {
  const name = `One-secret handler bundle ≤ ${BUNDLE_LIMIT_BYTES / 1024} KB minified`;
  return measured(name, b && (() => {
    const h = b.handlers;
    return {
      met: h.appsecret.bytes <= BUNDLE_LIMIT_BYTES,
      detail: `${h.appsecret.bytes.toLocaleString('en-US')} bytes (limit ${BUNDLE_LIMIT_BYTES.toLocaleString('en-US')}; from ${b.runtimeFile}; ` +
        `Powertools ${h.powertools.bytes.toLocaleString('en-US')}, middy ${h.middy.bytes.toLocaleString('en-US')})`,
    };
  }));
}

export function evaluateTargets(m: Measurements): Target[] {
  const targets: Target[] = [...runtimeTargets(m.runtime), ...coldStartTargets(m.coldStart), bundleTarget(m.bundles)];

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

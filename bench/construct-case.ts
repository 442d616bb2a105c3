/*
 * Child process for one construct benchmark case: builds the same stack with AppSecret and by hand,
 * synthesizes each `runs` times (rounds interleaved so both variants see the same JIT and GC
 * state) and prints the timings and the analysis of the last template as one JSON line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { analyzeTemplate, TemplateAnalysis } from './limits';
import { AppSecret } from '../lib';
import { median, msSince, WORK } from './util';

export type Variant = 'appsecret' | 'hand';

export interface CaseInput {
  readonly secrets: number;
  readonly functions: number;
  /** How many secrets each function reads; 'all' for every secret. */
  readonly perFunction: number | 'all';
  /** AppSecret's nameOutput; the matrix uses false so both variants have no outputs. */
  readonly nameOutput: boolean;
  readonly runs: number;
}

export interface VariantResult {
  readonly medianMs: number;
  readonly runsMs: number[];
  /** First line of the synth error, when synth refused the stack. */
  readonly error?: string;
  readonly analysis?: TemplateAnalysis;
}

export interface CaseOutput {
  readonly appsecret: VariantResult;
  readonly hand: VariantResult;
}

const ENV = { account: '123456789012', region: 'us-east-1' };

/** Which secrets function `f` reads: a window of `per` secrets starting at f·per, wrapping around. */
function readers(input: CaseInput, f: number): number[] {
  const per = input.perFunction === 'all' ? input.secrets : Math.min(input.perFunction, input.secrets);
  return Array.from({ length: per }, (_, j) => (f * per + j) % input.secrets);
}

function build(variant: Variant, input: CaseInput, outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: ENV });
  // Inline code: no bundling or asset hashing, so only the secrets wiring differs.
  const fns = Array.from({ length: input.functions }, (_, i) => new lambda.Function(stack, `Fn${i}`, {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  }));
  const names = Array.from({ length: input.secrets }, (_, i) => `secret-${String(i).padStart(3, '0')}`);
  if (variant === 'appsecret') {
    const secrets = names.map((name, i) => new AppSecret(stack, `S${i}`, { name, environment: 'prod', nameOutput: input.nameOutput }));
    fns.forEach((fn, f) => readers(input, f).forEach((s) => secrets[s].grantRead(fn)));
  } else {
    const secrets = names.map((name, i) => new secretsmanager.Secret(stack, `S${i}`, { secretName: `Bench/prod/${name}` }));
    fns.forEach((fn, f) => readers(input, f).forEach((s) => {
      fn.addEnvironment(AppSecret.envKeyFor(names[s]), secrets[s].secretName);
      secrets[s].grantRead(fn);
    }));
  }
  return app;
}

/** One construct + synth; returns the elapsed time and the template path, or the error. */
function synthOnce(variant: Variant, input: CaseInput, tag: string): { ms: number; template?: string; error?: string } {
  const outdir = path.join(WORK, 'cdk', `${input.secrets}x${input.functions}-${input.perFunction}-${variant}-${tag}`);
  fs.rmSync(outdir, { recursive: true, force: true });
  const start = process.hrtime.bigint();
  try {
    build(variant, input, outdir).synth();
    return { ms: msSince(start), template: path.join(outdir, 'Bench.template.json') };
  } catch (e) {
    const ms = msSince(start);
    const message = e instanceof Error ? e.message : String(e);
    // CDK lists validation errors as "[path] message" lines after a header; keep the first one.
    const lines = message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    const first = lines.find((l) => l.includes('AppSecret')) ?? lines[0];
    return { ms, error: first.replace(/^\[[^\]]*\]\s*/, '') };
  }
}

function main(): void {
  const input = JSON.parse(process.argv[2]) as CaseInput;
  // Warm-up: load all CDK modules and JIT the common paths once per variant, untimed.
  for (const variant of ['hand', 'appsecret'] as Variant[]) {
    synthOnce(variant, { secrets: 5, functions: 2, perFunction: 'all', nameOutput: false, runs: 1 }, 'warmup');
  }
  const runs: Record<Variant, ReturnType<typeof synthOnce>[]> = { appsecret: [], hand: [] };
  for (let r = 0; r < input.runs; r++) {
    // Alternate which variant goes first, so neither always pays for the other's garbage.
    const order: Variant[] = r % 2 ? ['appsecret', 'hand'] : ['hand', 'appsecret'];
    for (const variant of order) runs[variant].push(synthOnce(variant, input, String(r)));
  }
  const result = (variant: Variant): VariantResult => {
    const last = runs[variant][runs[variant].length - 1];
    const runsMs = runs[variant].map((r) => r.ms);
    return {
      medianMs: median(runsMs),
      runsMs,
      error: last.error,
      analysis: last.template ? analyzeTemplate(JSON.parse(fs.readFileSync(last.template, 'utf8')), fs.statSync(last.template).size) : undefined,
    };
  };
  const output: CaseOutput = { appsecret: result('appsecret'), hand: result('hand') };
  process.stdout.write(JSON.stringify(output) + '\n');
}

main();

/*
 * Construct benchmarks: AppSecret against the same stack written by hand with the L2
 * `secretsmanager.Secret` + `fn.addEnvironment(key, secret.secretName)` + `secret.grantRead(fn)`.
 * Each case runs in its own child process (bench/construct-case.ts) for fresh heap and JIT.
 */
import type { CaseInput, CaseOutput, VariantResult } from './construct-case';
import { runChild } from './util';

export interface ConstructCase extends CaseInput {
  /** Why this case is in the suite, shown in the report. */
  readonly note?: string;
}

export interface ConstructResult {
  readonly input: ConstructCase;
  readonly output: CaseOutput;
}

/** Secrets each function reads in the matrix: a window of 50 keeps the environment under 4 KB. */
export const WINDOW = 50;

export const CASES: ConstructCase[] = [
  ...[10, 100, 500].flatMap((secrets) => [1, 10, 50].map((functions): ConstructCase =>
    ({ secrets, functions, perFunction: WINDOW, nameOutput: false, runs: 3 }))),
  // Stress cases that aim at one limit each.
  { secrets: 100, functions: 1, perFunction: 'all', nameOutput: false, runs: 3, note: 'one function reads 100 secrets: Lambda env limit' },
  { secrets: 250, functions: 1, perFunction: WINDOW, nameOutput: true, runs: 3, note: 'AppSecret default nameOutput: true: CFN outputs limit' },
];

export function runConstructBenchmarks(log: (line: string) => void): ConstructResult[] {
  return CASES.map((input) => {
    const output = runChild<CaseOutput>('construct-case.ts', input);
    log(`  ${label(input)}: AppSecret ${output.appsecret.medianMs.toFixed(0)} ms, hand-written ${output.hand.medianMs.toFixed(0)} ms`);
    return { input, output };
  });
}

export function label(input: CaseInput): string {
  const per = input.perFunction === 'all' ? 'all' : Math.min(input.perFunction, input.secrets);
  return `${input.secrets} secrets × ${input.functions} fn (reads ${per}${input.nameOutput ? ', nameOutput' : ''})`;
}

/** "deploys within limits", "refused at synth: ..." or "over limit: ...". */
export function verdict(result: VariantResult): string {
  if (result.error) return `refused at synth: ${result.error}`;
  if (result.analysis && result.analysis.overLimits.length > 0) return `over limit: ${result.analysis.overLimits.join('; ')}`;
  return 'deploys within limits';
}

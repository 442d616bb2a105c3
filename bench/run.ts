/*
 * Entry point of `npm run bench`: runs the construct and runtime benchmarks, prints the tables and
 * regenerates BENCHMARKS.md and bench/chart.svg. Every number in them is measured by this run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildBundles } from './bundle';
import { renderSvg, chartBars } from './chart';
import { runColdStarts } from './cold-start';
import { runConstructBenchmarks } from './construct';
import { renderMarkdown, renderTables } from './report';
import { runRuntimeBenchmarks } from './runtime';
import { evaluateTargets, Measurements } from './targets';
import { machineInfo, packageVersion, ROOT, WORK } from './util';

const COMMAND = 'npm run bench';
const PACKAGES = ['aws-cdk-lib', 'constructs', '@aws-sdk/client-secrets-manager', '@aws-lambda-powertools/parameters', '@middy/secrets-manager', 'esbuild', 'typescript'];

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

type RuntimeSection = Pick<Measurements, 'runtime' | 'coldStart' | 'bundles'>;

/** Bundles, cold starts and runtime cases. A failure here (e.g. runtime not built yet) loses only this section. */
async function runtimeSection(failures: string[]): Promise<RuntimeSection> {
  const section: { -readonly [K in keyof RuntimeSection]: RuntimeSection[K] } = {};
  try {
    log('Bundling handlers and adapters');
    section.bundles = buildBundles();
    log(`  cdk-app-secrets/runtime resolved to ${section.bundles.runtimeFile}`);
    log('Cold starts');
    section.coldStart = await runColdStarts(log);
    log('Runtime cases');
    section.runtime = await runRuntimeBenchmarks(log);
  } catch (e) {
    failures.push(`runtime: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    log(`Runtime section failed: ${e instanceof Error ? e.stack : e}`);
  }
  return section;
}

async function main(): Promise<void> {
  const start = Date.now();
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const failures: string[] = [];

  log('Construct cases (one child process each)');
  const construct = runConstructBenchmarks(log);
  const measurements: Measurements = { construct, ...(await runtimeSection(failures)) };

  const targets = evaluateTargets(measurements);
  const context = {
    machine: machineInfo(),
    versions: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    command: COMMAND,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    durationS: (Date.now() - start) / 1000,
  };
  process.stdout.write(renderTables(measurements, targets) + '\n');
  fs.writeFileSync(path.join(ROOT, 'bench', 'chart.svg'), renderSvg(chartBars(measurements)));
  fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), renderMarkdown(measurements, targets, context, failures));
  log(`Wrote BENCHMARKS.md and bench/chart.svg in ${context.durationS.toFixed(0)} s`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});

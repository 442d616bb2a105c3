/*
 * Small helpers shared by the benchmark files: statistics, child processes, environment facts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Repository root (bench/ lives directly under it). */
export const ROOT = path.resolve(__dirname, '..');
/** Scratch directory for cdk.out folders and bundles; gitignored. */
export const WORK = path.join(ROOT, 'bench', '.work');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "2.10x faster" or "1.80x slower", given the alternative's time divided by ours. */
export function faster(r: number): string {
  return r >= 1 ? `${r.toFixed(2)}x faster` : `${(1 / r).toFixed(2)}x slower`;
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs a TypeScript file of bench/ in a fresh Node process (fresh module cache, JIT and heap),
 * passing `input` as JSON in argv, and returns the JSON the child printed as its last stdout line.
 */
export function runChild<T>(script: string, input: unknown, env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): T {
  const result = spawnSync(process.execPath, [
    '-r', 'ts-node/register/transpile-only',
    path.join(ROOT, 'bench', script),
    JSON.stringify(input),
  ], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json'), ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = (result.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1];
  if (result.status !== 0 || !last?.startsWith('{')) {
    throw new Error(`bench/${script} ${JSON.stringify(input)} failed (status ${result.status}, signal ${result.signal}):\n${result.stderr}`);
  }
  return JSON.parse(last) as T;
}

/** Reads the installed version of a package from its own package.json. */
export function packageVersion(name: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.release()}` };
}

/*
 * A user's app, made the way a new user makes one: the files `cdk init app --language typescript`
 * writes (its tsconfig and cdk.json, kept verbatim in test/consumer/app), this package installed
 * from its packed tarball with a plain `npm install`, next to the aws-cdk-lib and constructs
 * versions under test. Nothing here reaches into the repository's own node_modules: the app sees
 * only what it installed, as a user's would.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '../..');
const template = path.join(__dirname, 'app');

/** The CLI and toolchain `cdk init` writes into a new app's package.json today. */
export const CDK_INIT_DEV_DEPENDENCIES: Record<string, string> = {
  'aws-cdk': '3.0.0',
  'typescript': '~5.6.3',
  'ts-node': '^10.9.2',
  '@types/node': '22.7.9',
};

/**
 * The unit-test toolchain `cdk init` also writes (Jest 29), with its jest.config.js; installed in one
 * app only, to keep the test fast.
 */
export const CDK_INIT_JEST: Record<string, string> = {
  'jest': '^29.7.0',
  'ts-jest': '^29.2.5',
  '@types/jest': '^29.5.14',
};
export const CDK_INIT_JEST_CONFIG = `module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': 'ts-jest'
  }
};
`;

export interface ConsumerVersions {
  /** A label for test names and the app's folder. */
  readonly label: string;
  readonly awsCdkLib: string;
  readonly constructs: string;
  /** Other packages the app installs, for the README snippets that use them (cdk-nag, pg). */
  readonly extraDependencies?: Record<string, string>;
  /** Dev dependencies that replace cdk init's. */
  readonly devDependencyOverrides?: Record<string, string>;
}

/** The lowest versions the published peer range allows (`^2.187.0` gives 2.187.0). */
export function peerFloor(): ConsumerVersions {
  const peers = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).peerDependencies;
  const lowest = (range: string) => range.replace(/^[\^~>=\s]+/, '');
  return { label: 'peer floor', awsCdkLib: lowest(peers['aws-cdk-lib']), constructs: lowest(peers.constructs) };
}

/** The newest aws-cdk-lib 2.x and constructs 10.x the registry has. */
export function newestOnRegistry(): ConsumerVersions {
  const newest = (spec: string): string => {
    const versions = JSON.parse(run('npm', ['view', spec, 'version', '--json'], os.tmpdir()));
    return Array.isArray(versions) ? versions[versions.length - 1] : versions;
  };
  return {
    label: 'newest 2.x',
    awsCdkLib: newest('aws-cdk-lib@^2'),
    constructs: newest('constructs@^10'),
    extraDependencies: { 'cdk-nag': '^2', 'pg': '^8', '@types/pg': '^8' },
    // pg's declarations use the generic Buffer of TypeScript >= 5.7 with a recent @types/node, newer
    // than the ~5.6.3 and 22.7.9 cdk init pins: this app is on the newest of those too.
    // The registry's `latest` CDK CLI (3.0.0) reads cloud assembly schema 43 at most, and refuses the
    // schema 55 that aws-cdk-lib 2.276 writes; the last 2.x CLI reads it.
    devDependencyOverrides: { 'typescript': '~5.9.0', '@types/node': '^22', 'aws-cdk': '2.1148.1', ...CDK_INIT_JEST },
  };
}

let packed: string | undefined;

/** `npm pack` of the built package (run `npm run compile` first), once per test run. */
export function packTarball(): string {
  if (packed) return packed;
  if (!fs.existsSync(path.join(repoRoot, 'build', 'index.js')) || !fs.existsSync(path.join(repoRoot, '.jsii'))) {
    throw new Error('The package is not built: run `npm run compile` (or `npm run build`) before the consumer test');
  }
  const destination = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-pack-'));
  const output = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', destination], repoRoot));
  packed = path.join(destination, output[0].filename);
  return packed;
}

export interface PackedFile {
  readonly path: string;
  /** Bytes. */
  readonly size: number;
}

export interface PackSummary {
  readonly files: readonly PackedFile[];
  /** Bytes of the gzipped tarball. */
  readonly size: number;
  /** Bytes of its files. */
  readonly unpackedSize: number;
}

/** What a tarball holds and weighs, as `npm pack --dry-run` counts it. */
export function packSummary(): PackSummary {
  const output = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], repoRoot))[0];
  return { files: output.files.map((f: PackedFile) => ({ path: f.path, size: f.size })), size: output.size, unpackedSize: output.unpackedSize };
}

/** The files a tarball holds, as `npm pack --dry-run` lists them. */
export function packedFiles(summary: PackSummary = packSummary()): string[] {
  return summary.files.map((f) => f.path);
}

/**
 * Copies the cdk-init-shaped app to a fresh folder and installs it with a plain `npm install`:
 * the pinned aws-cdk-lib and constructs, this package from its tarball, and esbuild as the README
 * says (no AWS SDK: Lambda provides it).
 */
export function createConsumerApp(versions: ConsumerVersions, tarball: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-app-secrets-consumer-${versions.label.replace(/\W+/g, '-')}-`));
  fs.cpSync(template, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'consumer-app',
    version: '0.1.0',
    bin: { 'consumer-app': 'bin/app.js' },
    scripts: { build: 'tsc', cdk: 'cdk' },
    devDependencies: { ...CDK_INIT_DEV_DEPENDENCIES, esbuild: '^0.25.0', ...versions.devDependencyOverrides },
    dependencies: {
      'aws-cdk-lib': versions.awsCdkLib,
      'constructs': versions.constructs,
      'cdk-app-secrets': `file:${tarball}`,
      ...versions.extraDependencies,
    },
  }, null, 2));
  run('npm', ['install'], dir, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });
  return dir;
}

export interface CommandResult {
  readonly status: number | null;
  /** stdout and stderr together. */
  readonly output: string;
  readonly stdout: string;
}

/** Runs a tool the app installed (`tsc`, `cdk`, `cdk-app-secrets`) in the app's folder, as `npx` would, or npm. */
export function runInApp(dir: string, command: string, args: string[], env: Record<string, string> = {}): CommandResult {
  const executable = command === 'npm' ? command : path.join(dir, 'node_modules', '.bin', command);
  const result = spawnSync(executable, args, {
    cwd: dir,
    env: { ...process.env, ...env, CI: 'true', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: result.status, stdout: result.stdout ?? '', output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/**
 * Like runInApp, but without blocking the event loop: for commands that talk to an endpoint this
 * process serves (the local Secrets Manager).
 */
export function runInAppAsync(dir: string, command: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(path.join(dir, 'node_modules', '.bin', command), args, {
      cwd: dir,
      env: { ...process.env, ...env, CI: 'true', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stdout, output: `${stdout}${stderr}${error && typeof error.code !== 'number' ? String(error) : ''}` });
    });
  });
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
}

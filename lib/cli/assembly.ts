/*
 * Reading the cloud assembly that `cdk synth` wrote: the stacks of the top-level manifest and of
 * every nested assembly (a Stage), each with its environment, template and construct metadata.
 * Plain JSON reading on purpose: the CLI must not need aws-cdk-lib at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './errors';

/** A metadata entry as the manifest stores it. */
export interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

/** One CloudFormation stack of the assembly. */
export interface AssemblyStack {
  /** Artifact id in its manifest. */
  readonly artifactId: string;
  /** Hierarchical display path, e.g. `Prod/Shop` for stack `Shop` in stage `Prod`. */
  readonly displayName: string;
  /** The CloudFormation stack name, e.g. `Prod-Shop`. */
  readonly stackName: string;
  /** Undefined for an environment-agnostic stack (the SDK's default account). */
  readonly account?: string;
  /** Undefined for an environment-agnostic stack (the SDK's default region). */
  readonly region?: string;
  /** The directory the template and its assets are in. */
  readonly dir: string;
  readonly template: CfnTemplate;
  /** Construct path -> metadata entries, for every construct of the stack (nested stacks included). */
  readonly metadata: Record<string, MetadataEntry[]>;
  /** S3 object key -> file in `dir`, for the file assets of the stack's asset manifests (nested stack templates among them). */
  readonly assetFiles: Readonly<Record<string, string>>;
  /** Context lookups the synth could not make (the manifest's `missing`): CDK put dummy values in their place. */
  readonly failedLookups: readonly FailedLookup[];
}

/** A context lookup `cdk synth` could not make, as without credentials for the stack's account. */
export interface FailedLookup {
  /** The context key, e.g. `ssm:account=123456789012:parameterName=stage:region=eu-west-1`. */
  readonly key: string;
  /** The texts of the dummy value CDK used instead (`dummy-value-for-stage`). */
  readonly dummyValues: readonly string[];
}

/** The parts of a template the CLI reads. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/**
 * The cloud assembly's directory: --app (or, when it is the app's directory with a cdk.json, where
 * that app's `cdk synth` writes), else where `cdk synth` writes for the CDK app the current
 * directory is in: the nearest cdk.json's `output`, else cdk.out beside it; ./cdk.out outside an app.
 */
export function assemblyDir(app: string | undefined): string {
  if (app !== undefined) {
    const dir = path.resolve(app);
    refuseNonDirectoryApp(app, dir);
    const isAppDir = !fs.existsSync(path.join(dir, 'manifest.json')) && fs.existsSync(path.join(dir, 'cdk.json'));
    return isAppDir ? synthOutput(dir) : dir;
  }
  // An assembly here without a cdk.json (cdk synth --app ...) is this directory's, not a parent app's.
  if (!fs.existsSync('cdk.json') && fs.existsSync(path.join('cdk.out', 'manifest.json'))) return path.resolve('cdk.out');
  // npx finds the executable from any subdirectory of the app, so the app is looked for upwards too.
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cdk.json'))) return synthOutput(dir);
    if (path.dirname(dir) === dir) break;
  }
  // No app and (see above) no ./cdk.out.
  refuseOutsideApp();
  return path.resolve('cdk.out');
}

/**
 * Run outside any CDK app, as from a monorepo's root with the app in packages/infra (npx finds the
 * hoisted executable there): "run cdk synth" would send people to do again what they did. The
 * apps below are named instead, with the --app that reads each.
 */
function refuseOutsideApp(): void {
  const apps = cdkAppsBelow();
  if (apps.length === 0) return;
  const shown = apps.slice(0, 5);
  throw new CliError('no CDK app here: there is no cdk.json in this directory or above it, and no cdk.out. ' +
    `${apps.length === 1 ? 'The app below it' : 'Apps below it'}: ${shown.join(', ')}${apps.length > shown.length ? ', ...' : ''}. ` +
    `Pass --app ${shown[0]} (its cdk.out, once npx cdk synth has run there), or run the command in the app's directory.`);
}

/** How many directory levels below the current one are searched for a CDK app (packages/infra is 2). */
const APP_SEARCH_DEPTH = 3;
/** How many directories the search reads at most: run from `/` (a container's default workdir) it must not walk the disk. */
const APP_SEARCH_DIRECTORIES = 500;

/**
 * Directories below the current one (relative paths, nearest first) that hold a cdk.json, level by
 * level; dependencies and hidden directories are skipped.
 */
function cdkAppsBelow(): string[] {
  const apps: string[] = [];
  let level = ['.'];
  let budget = APP_SEARCH_DIRECTORIES;
  for (let depth = 0; depth < APP_SEARCH_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (budget-- <= 0) return apps;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable: not searched
      }
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'cdk.out') continue;
        const sub = path.join(dir, entry.name);
        if (fs.existsSync(path.join(sub, 'cdk.json'))) apps.push(sub);
        else next.push(sub);
      }
    }
    level = next;
  }
  return apps;
}

/**
 * The CDK CLI's --app (and cdk.json's "app") is the command that runs the app, and people copy it:
 * a file, or a command line that is no directory, gets what this --app takes and what to run instead.
 */
function refuseNonDirectoryApp(app: string, dir: string): void {
  const isFile = fs.existsSync(dir) && !fs.statSync(dir).isDirectory();
  const looksLikeCommand = !fs.existsSync(dir) && (/\s/.test(app.trim()) || /\.(ts|js|mjs|cjs|py|java|go|cs)$/.test(app));
  if (!isFile && !looksLikeCommand) return;
  throw new CliError('--app takes a directory (the cloud assembly that cdk synth writes, such as cdk.out, or your CDK app\'s directory), ' +
    `not ${isFile ? 'a file' : 'the command that runs the app'} ('${app}'). Synthesize first, ` +
    `${isFile ? 'with npx cdk synth in the app\'s directory' : `e.g. npx cdk synth --app ${shellQuoted(app)}`} (it writes cdk.out), ` +
    'then pass --app cdk.out, or run this command in the app\'s directory without --app.');
}

/** `text` as one POSIX shell word, so the suggested line can be pasted as it is (the command may quote too). */
function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** Where `cdk synth` writes for the app in `appDir`: the `output` its cdk.json sets, else cdk.out. */
function synthOutput(appDir: string): string {
  let output: unknown;
  try {
    output = JSON.parse(fs.readFileSync(path.join(appDir, 'cdk.json'), 'utf8')).output;
  } catch {
    // A cdk.json the CDK CLI would refuse too: the default.
  }
  return path.resolve(appDir, typeof output === 'string' && output !== '' ? output : 'cdk.out');
}

/**
 * Which assembly was read, and when `cdk synth` wrote it, for "no such secret" messages: a secret
 * added to the app since (deployed from CI, say) is not in an older local assembly.
 */
export function assemblyNote(dir: string): string {
  let synthesized = '';
  try {
    synthesized = `, synthesized ${fs.statSync(path.join(dir, 'manifest.json')).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  } catch {
    // Read a moment ago; without a date the note still says which assembly it was.
  }
  return `read from the cloud assembly in ${dir}${synthesized}: if the app has changed since, run npx cdk synth`;
}

/** Every stack in the assembly at `dir`: its own in manifest order, then those of nested assemblies. */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new CliError(`no cloud assembly in ${dir} (${manifestFile} does not exist). ` +
      'Run `npx cdk synth` in your CDK app first, or point --app at the directory it writes (cdk.out, or the output set in cdk.json).');
  }
  return readManifest(dir);
}

function readManifest(dir: string, outerLookups: readonly FailedLookup[] = []): AssemblyStack[] {
  const manifest = readJson(path.join(dir, 'manifest.json'));
  const failedLookups = [...outerLookups, ...failedLookupsOf(manifest)];
  const stacks: AssemblyStack[] = [];
  const nested: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      nested.push(...readManifest(path.join(dir, artifact.properties.directoryName), failedLookups));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      stacks.push({ ...readStack(dir, artifactId, artifact, manifest.artifacts), failedLookups });
    }
  }
  // The app's own stacks first, then those of its stages.
  return [...stacks, ...nested];
}

/**
 * The manifest's `missing` context: lookups a synth could not make (`cdk synth` fails then, but leaves
 * the assembly), each with the texts of its dummy value, which names built from the lookup now hold.
 */
function failedLookupsOf(manifest: any): FailedLookup[] {
  const texts = (value: unknown): string[] => (typeof value === 'string' ? [value]
    : typeof value === 'object' && value !== null ? Object.values(value).flatMap(texts) : []);
  return (Array.isArray(manifest.missing) ? manifest.missing : [])
    .filter((missing: any) => typeof missing?.key === 'string')
    // Short texts (an AZ's `dummy1a`) would match names by chance.
    .map((missing: any) => ({ key: missing.key, dummyValues: texts(missing.props?.dummyValue).filter((text) => text.length >= 8) }));
}

function readStack(dir: string, artifactId: string, artifact: any, artifacts: Record<string, any>): Omit<AssemblyStack, 'failedLookups'> {
  const [account, region] = parseEnvironment(artifact.environment);
  const metadata: Record<string, MetadataEntry[]> = { ...(artifact.metadata ?? {}) };
  // Newer CDK versions write the metadata into a file of its own.
  if (artifact.additionalMetadataFile) {
    Object.assign(metadata, readJson(path.join(dir, artifact.additionalMetadataFile)));
  }
  return {
    artifactId,
    displayName: artifact.displayName ?? artifactId,
    stackName: artifact.properties?.stackName ?? artifactId,
    account,
    region,
    dir,
    template: readJson(path.join(dir, artifact.properties.templateFile)),
    metadata,
    assetFiles: assetFilesOf(dir, artifact, artifacts),
  };
}

/** The file assets of the asset manifests a stack depends on, by the S3 object key each is published to. */
function assetFilesOf(dir: string, artifact: any, artifacts: Record<string, any>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const id of artifact.dependencies ?? []) {
    const manifestFile = artifacts[id]?.type === 'cdk:asset-manifest' ? artifacts[id].properties?.file : undefined;
    if (typeof manifestFile !== 'string' || !fs.existsSync(path.join(dir, manifestFile))) continue;
    for (const asset of Object.values<any>(readJson(path.join(dir, manifestFile)).files ?? {})) {
      if (typeof asset?.source?.path !== 'string') continue;
      for (const destination of Object.values<any>(asset.destinations ?? {})) {
        if (typeof destination?.objectKey === 'string') files[destination.objectKey] = asset.source.path;
      }
    }
  }
  return files;
}

/** `aws://123456789012/eu-west-1` -> [account, region]; `unknown-*` parts are undefined. */
function parseEnvironment(environment: unknown): [string | undefined, string | undefined] {
  const match = typeof environment === 'string' ? /^aws:\/\/([^/]+)\/(.+)$/.exec(environment) : null;
  if (!match) return [undefined, undefined];
  const known = (part: string) => (part.startsWith('unknown-') ? undefined : part);
  return [known(match[1]), known(match[2])];
}

/** A JSON file of the assembly; a clear error when it is missing or broken. */
export function readJson(file: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); run \`npx cdk synth\` again to rewrite the cloud assembly`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON; run \`npx cdk synth\` again to rewrite the cloud assembly`);
  }
}

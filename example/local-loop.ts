/*
 * Runs what `cdk synth` produced the way Lambda would, with no AWS account: the bundled handler
 * from cdk.out, in its own Node process, with exactly the environment the template gives the
 * function, reading secrets from a local Secrets Manager endpoint seeded under the template's
 * physical names. Shared by `npm start` (example/run-local.ts) and the end-to-end test.
 */
import { execFile } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A secret declared in a synthesized template. */
export interface TemplateSecret {
  readonly logicalId: string;
  readonly name: string;
  readonly generateSecretString?: { SecretStringTemplate?: string; GenerateStringKey?: string };
}

/** A Lambda function in a synthesized template, with its bundled code in cdk.out. */
export interface TemplateFunction {
  readonly logicalId: string;
  readonly constructPath: string;
  readonly handlerFile: string;
  readonly handlerExport: string;
  readonly environment: Record<string, string>;
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: any;
  readonly secrets: TemplateSecret[];
  readonly functions: TemplateFunction[];
}

/** Reads every stack of a cloud assembly (a `cdk.out` directory). */
export function readCloudAssembly(outdir: string): SynthesizedStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  return Object.values<any>(manifest.artifacts)
    .filter((artifact) => artifact.type === 'aws:cloudformation:stack')
    .map((artifact) => readStack(outdir, artifact.properties.templateFile));
}

function readStack(outdir: string, templateFile: string): SynthesizedStack {
  const template = JSON.parse(fs.readFileSync(path.join(outdir, templateFile), 'utf8'));
  const resources: Record<string, any> = template.Resources ?? {};
  const secrets = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::SecretsManager::Secret')
    .map(([logicalId, resource]) => ({ logicalId, name: resource.Properties.Name, generateSecretString: resource.Properties.GenerateSecretString }));
  const functions = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'])
    .map(([logicalId, resource]) => {
      const [file, handlerExport] = splitHandler(resource.Properties.Handler);
      return {
        logicalId,
        constructPath: resource.Metadata['aws:cdk:path'],
        handlerFile: bundledFile(path.join(outdir, resource.Metadata['aws:asset:path'], file)),
        handlerExport,
        environment: resolveEnvironment(resource.Properties.Environment?.Variables ?? {}, resources),
      };
    });
  return { stackName: path.basename(templateFile, '.template.json'), template, secrets, functions };
}

/** NodejsFunction writes `index.mjs` for ESM bundles and `index.js` otherwise. */
function bundledFile(base: string): string {
  return fs.existsSync(`${base}.mjs`) ? `${base}.mjs` : `${base}.js`;
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/** Environment values are literals, or a Ref to a resource of the same template whose Name is known. */
function resolveEnvironment(variables: Record<string, unknown>, resources: Record<string, any>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([key, value]) => {
    if (typeof value === 'string') return [key, value];
    const ref = (value as { Ref?: string }).Ref;
    const name = ref ? resources[ref]?.Properties?.Name : undefined;
    if (typeof name !== 'string') throw new Error(`Environment variable ${key} is ${JSON.stringify(value)}, which the local loop cannot resolve`);
    return [key, name];
  }));
}

/** What CloudFormation would store for a secret with GenerateSecretString: a JSON template plus a random key, or a random string. */
export function generatedValue(secret: TemplateSecret): string {
  const random = randomBytes(24).toString('base64url');
  const generate = secret.generateSecretString;
  if (!generate?.SecretStringTemplate || !generate.GenerateStringKey) return random;
  return JSON.stringify({ ...JSON.parse(generate.SecretStringTemplate), [generate.GenerateStringKey]: random });
}

/** The logical name a physical secret name ends with (`Shop-dev/dev/stripe-api-key` -> `stripe-api-key`). */
function logicalNameOf(physicalName: string): string {
  return physicalName.split('/').pop()!;
}

/**
 * The value to seed for a physical secret name: the local file's entry for its logical name, else
 * what CloudFormation would generate.
 */
function localValueFor(name: string, localValues: Record<string, string>, secret?: TemplateSecret): string | undefined {
  const logicalName = logicalNameOf(name);
  if (logicalName in localValues) return localValues[logicalName];
  return secret ? generatedValue(secret) : undefined;
}

/** The seeded secret with this logical name, from what `seedSecrets` returned. */
export function seededSecret(seeded: Map<string, string>, logicalName: string): { name: string; value: string } | undefined {
  for (const [name, value] of seeded) {
    if (logicalNameOf(name) === logicalName) return { name, value };
  }
  return undefined;
}

/**
 * Seeds the endpoint with every secret a stack uses: those it declares, and those its functions
 * name in their environment that exist outside it (imported). Returns physical name -> value.
 */
export function seedSecrets(
  endpoint: { putSecret(name: string, value: string): unknown },
  stack: SynthesizedStack,
  localValues: Record<string, string>,
): Map<string, string> {
  const seeded = new Map<string, string>();
  for (const secret of stack.secrets) seeded.set(secret.name, localValueFor(secret.name, localValues, secret)!);
  for (const name of stack.functions.flatMap((fn) => Object.values(fn.environment))) {
    const value = seeded.has(name) ? undefined : localValueFor(name, localValues);
    if (value !== undefined) seeded.set(name, value);
  }
  for (const [name, value] of seeded) endpoint.putSecret(name, value);
  return seeded;
}

export interface InvocationResult {
  readonly ok: boolean;
  readonly result?: any;
  readonly error?: { readonly name: string; readonly message: string };
  /** Everything the handler process wrote, to check that no secret value leaks into logs. */
  readonly output: string;
}

const RESULT_MARKER = '@@cdk-app-secrets-local-result@@';

/** Loads the bundle as Lambda's Node runtime would (import for ESM, require otherwise) and calls its handler once. */
const INVOKER = `
const [file, name, event] = process.argv.slice(1);
const report = (outcome) => process.stdout.write('\\n${RESULT_MARKER}' + JSON.stringify(outcome) + '\\n');
const load = () => file.endsWith('.mjs') ? import(require('url').pathToFileURL(file).href) : require(file);
Promise.resolve()
  .then(load)
  .then((module) => module[name](JSON.parse(event), { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME }))
  .then((result) => report({ ok: true, result }), (e) => report({ ok: false, error: { name: e && e.name, message: e && e.message } }));
`;

/**
 * Only the AWS SDK is on the module path, as on the Lambda Node runtime: anything else the bundle
 * needs must be in the bundle.
 */
function sdkOnlyModulePath(): string {
  const sdkScope = path.dirname(path.dirname(require.resolve('@aws-sdk/client-secrets-manager/package.json')));
  const checkout = createHash('sha256').update(sdkScope).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `cdk-app-secrets-lambda-runtime-${checkout}`, 'node_modules');
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.symlinkSync(sdkScope, path.join(dir, '@aws-sdk'), 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return dir;
}

export interface InvokeOptions {
  /** The local Secrets Manager endpoint. */
  readonly endpoint: string;
  readonly region: string;
  readonly event?: unknown;
  /** Extra variables, e.g. to show what happens when one is missing. */
  readonly environmentOverrides?: Record<string, string | undefined>;
}

/** Invokes a synthesized function's bundled handler in a fresh Node process. */
export function invokeFunction(fn: TemplateFunction, options: InvokeOptions): Promise<InvocationResult> {
  const environment: Record<string, string> = {
    ...fn.environment,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.endpoint,
    NODE_PATH: sdkOnlyModulePath(),
  };
  for (const [key, value] of Object.entries(options.environmentOverrides ?? {})) {
    if (value === undefined) delete environment[key];
    else environment[key] = value;
  }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', INVOKER, fn.handlerFile, fn.handlerExport, JSON.stringify(options.event ?? {})],
      { env: environment, timeout: 30_000 }, (error, stdout, stderr) => {
        const output = stdout + stderr;
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
        if (!line) {
          reject(new Error(`Handler ${fn.constructPath} exited without a result${error ? ` (${error.message.split('\n')[0]})` : ''}`));
          return;
        }
        resolve({ ...JSON.parse(line.slice(RESULT_MARKER.length)), output });
      });
  });
}

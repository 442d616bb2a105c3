/*
 * Shared by the CLI tests: the example app synthesized into a temporary cloud assembly (a
 * top-level stack and one in a Stage), a local Secrets Manager endpoint "deployed" to as
 * CloudFormation would (each AppSecret holds its generated value; the imported secret exists
 * beforehand), and a runner that records every output stream for the leak scan.
 */
import * as fs from 'fs';
import { createServer } from 'http';
import * as os from 'os';
import * as path from 'path';
import { PROD_ACCOUNT, PROD_REGION, synthCliFixture } from './synth-fixture';
import { generatedValue, TemplateSecret } from '../../example/local-loop';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { closeServer, listenOnLoopback } from '../support/local-server';
import { CliResult, runCli, RunCliOptions } from '../support/run-cli';

export { PROD_ACCOUNT, PROD_REGION };

/** The imported secrets exist before the app is deployed, with a value set by someone else. */
export const LEGACY_VALUES: Record<string, string> = {
  'legacy/dev/partner-token': 'ptok_legacy_dev_7d1e0c55a2',
  'legacy/prod/partner-token': 'ptok_legacy_prod_c0a93be611',
};

export interface CliFixture {
  readonly outdir: string;
  readonly endpoint: FakeSecretsManager;
  /** Physical name -> every value it was seeded or set with during the test file. */
  readonly values: Map<string, string[]>;
  /** Every output of every run, for the leak scan. */
  readonly outputs: CliResult[];
  /** Runs the CLI against the assembly and the endpoint, with dummy credentials. */
  cli(args: readonly string[], options?: RunCliOptions): Promise<CliResult>;
  /** Environment for a CLI run against the endpoint. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** Seeds (again) every secret of the assembly as a fresh deploy leaves it. */
  deploy(): void;
  /** Remembers a value the test writes, so the leak scan looks for it. */
  remember(name: string, value: string): string;
  close(): Promise<void>;
}

export async function startCliFixture(): Promise<CliFixture> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-'));
  synthCliFixture(outdir);
  const endpoint = await startFakeSecretsManager({ region: PROD_REGION, accountId: PROD_ACCOUNT });
  const values = new Map<string, string[]>();
  const outputs: CliResult[] = [];
  const remember = (name: string, value: string) => {
    values.set(name, [...(values.get(name) ?? []), value]);
    return value;
  };
  const env = (extra: Record<string, string | undefined> = {}) => ({
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ...extra,
  });
  const deploy = () => {
    for (const secret of templateSecrets(outdir)) {
      endpoint.deleteSecret(secret.name);
      endpoint.putSecret(secret.name, remember(secret.name, generatedValue(secret)));
    }
    for (const [name, value] of Object.entries(LEGACY_VALUES)) {
      endpoint.deleteSecret(name);
      endpoint.putSecret(name, remember(name, value));
    }
  };
  deploy();
  return {
    outdir,
    endpoint,
    values,
    outputs,
    env,
    deploy,
    remember,
    cli: async (args, options = {}) => {
      const result = await runCli(withApp(args, outdir), { ...options, env: env(options.env) });
      outputs.push(result);
      return result;
    },
    close: async () => {
      await endpoint.close();
      fs.rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** `list ...` -> `list --app <outdir> ...`; help and version lines are left alone. */
function withApp(args: readonly string[], outdir: string): string[] {
  if (args.length === 0 || args[0].startsWith('-') || args[0] === 'help' || args.includes('--app')) return [...args];
  return [args[0], '--app', outdir, ...args.slice(1)];
}

/** Every AWS::SecretsManager::Secret in every template of the assembly, nested assemblies included. */
function templateSecrets(dir: string): TemplateSecret[] {
  const secrets: TemplateSecret[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) secrets.push(...templateSecrets(file));
    if (!entry.isFile() || !entry.name.endsWith('.template.json')) continue;
    const resources = JSON.parse(fs.readFileSync(file, 'utf8')).Resources ?? {};
    for (const [logicalId, resource] of Object.entries<any>(resources)) {
      if (resource.Type !== 'AWS::SecretsManager::Secret') continue;
      secrets.push({ logicalId, name: resource.Properties.Name, generateSecretString: resource.Properties.GenerateSecretString });
    }
  }
  return secrets;
}

/** Every value the fixture knows of, for scanning outputs. */
export function allValues(fixture: CliFixture): string[] {
  return [...fixture.values.values()].flat();
}

/** Asserts that no output of any run contains any value (nor a long piece of one). */
export function expectNoValueIn(outputs: readonly CliResult[], values: readonly string[]): void {
  const text = outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n');
  for (const value of values) {
    expect(text).not.toContain(value);
    // JSON values: also each string inside, e.g. a password generated into a template.
    try {
      for (const inner of Object.values(JSON.parse(value))) {
        if (typeof inner === 'string' && inner.length >= 8) expect(text).not.toContain(inner);
      }
    } catch {
      // not JSON
    }
  }
}

/**
 * The fixture and a scratch folder for a test file that writes values: started before its tests and
 * closed after them; before each test the secrets are deployed afresh, faults cleared and calls reset.
 * `onStart` receives both, so that the file keeps them in its own variables.
 */
export function useWritingCliFixture(tmpPrefix: string, onStart: (fixture: CliFixture, tmp: string) => void): void {
  let fx: CliFixture | undefined;
  let tmp: string | undefined;
  beforeAll(async () => {
    fx = await startCliFixture();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    onStart(fx, tmp);
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    fx!.endpoint.clearFaults();
    fx!.deploy();
    fx!.endpoint.resetCalls();
  });
}

/**
 * An endpoint that is not Secrets Manager (a proxy's or captive portal's page, another service): it
 * answers every request with `status` and `body`.
 */
export async function startForeignEndpoint(status: number, body: string, contentType = 'text/html'): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': contentType }).end(body));
  });
  const port = await listenOnLoopback(server);
  return { endpoint: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

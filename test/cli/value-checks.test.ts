/*
 * Values `set` and `load` refuse, and files `load` reads as their editors save them; run as the
 * real executable against the example app, every output stream scanned for the values.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allValues, CliFixture, expectNoValueIn, startCliFixture } from './fixture';
import { PLACEHOLDER_MARKER_KEY, PLACEHOLDER_MARKER_TEXT } from '../../lib/env-contract';

let fx: CliFixture;
let tmp: string;

beforeAll(async () => {
  fx = await startCliFixture();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-checks-'));
}, 120_000);

afterAll(async () => {
  await fx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  fx.endpoint.clearFaults();
  fx.deploy();
  fx.endpoint.resetCalls();
});

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The current value of a secret in the endpoint, read the way the SDK would. */
async function currentValue(name: string): Promise<string | undefined> {
  const response = await fetch(fx.endpoint.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ SecretId: name }),
  });
  return ((await response.json()) as { SecretString?: string }).SecretString;
}

function puts(): number {
  return fx.endpoint.calls.PutSecretValue;
}

/** A placeholder as AppSecret generates it, with a value of its own so the leak scan can look for it. */
function placeholderValue(): string {
  return fx.remember('x', JSON.stringify({ [PLACEHOLDER_MARKER_KEY]: `${PLACEHOLDER_MARKER_TEXT} copied_pl_4f0e1a` }));
}

describe('the generated placeholder is not a value', () => {
  test('set refuses it, saying why without printing it', async () => {
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: placeholderValue() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not set: stripe-api-key (Shop-dev/dev/stripe-api-key)');
    expect(result.stderr).toContain(`the value is AppSecret's generated placeholder (a JSON object with the key ${PLACEHOLDER_MARKER_KEY})`);
    expect(puts()).toBe(0);
  });

  test('load refuses a file that holds it, before anything is written', async () => {
    const file = writeFile('placeholder.json', JSON.stringify({
      'stripe-api-key': fx.remember('x', 'sk_never_written_pl_0e1'),
      'webhook-signing-key': JSON.parse(placeholderValue()),
    }));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('invalid     webhook-signing-key (key "webhook-signing-key"): the value is AppSecret\'s generated placeholder');
    expect(result.stderr).toContain('1 invalid value; nothing was written');
    expect(puts()).toBe(0);
  });
});

describe('files as editors save them', () => {
  test('a JSON file that gives a key twice fails naming the key, and nothing is written', async () => {
    const first = fx.remember('x', 'sk_dup_first_7a1e');
    const second = fx.remember('x', 'sk_dup_second_7a2f');
    const file = writeFile('duplicate.json', `{"stripe-api-key": "${first}", "webhook-signing-key": "${fx.remember('x', 'whsec_dup_7a30')}", "stripe-api-key": "${second}"}`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: the key "stripe-api-key" is given more than once`);
    expect(result.stderr).toContain('nothing was written');
    expect(puts()).toBe(0);
  });

  test('a JSON file saved with a byte-order mark (as Windows editors do) loads', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_bom_file_5d3c');
    const result = await fx.cli(['load', writeFile('bom.json', `\uFEFF{"stripe-api-key": "${value}"}\n`), '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^set\s+stripe-api-key\s+Shop-dev\/dev\/stripe-api-key, version /m);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });

  test('set --from-file leaves out a byte-order mark: it is not part of the value', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_bom_set_5d3d');
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', writeFile('bom.txt', `\uFEFF${value}\n`)]);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(fx.outputs.length).toBeGreaterThan(1);
  expectNoValueIn(fx.outputs, allValues(fx));
});

/*
 * Values `set` and `load` refuse, and files `load` reads as their editors save them; run as the
 * real executable against the example app, every output stream scanned for the values.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { allValues, CliFixture, expectNoValueIn, useWritingCliFixture } from './fixture';
import { PLACEHOLDER_MARKER_KEY, PLACEHOLDER_MARKER_TEXT } from '../../lib/env-contract';
import { cliCommand, CliResult } from '../support/run-cli';

let fx: CliFixture;
let tmp: string;

useWritingCliFixture('cdk-app-secrets-cli-checks-', (fixture, dir) => {
  fx = fixture;
  tmp = dir;
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

describe('values Secrets Manager would refuse', () => {
  // Secrets Manager stores at most 65,536 bytes per value; a bigger one fails with ValidationException.
  const tooBig = () => fx.remember('x', `-----BEGIN CERTIFICATE-----\n${'MIIDdzCCAl+gAwIBAgIE'.repeat(3300)}\n-----END CERTIFICATE-----`);

  test('set refuses a value over 64 KB, saying the limit and the size, before writing', async () => {
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', writeFile('big.pem', tooBig())]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not set: stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): the value is 66,0\d\d bytes; Secrets Manager stores at most 65,536/);
    expect(result.stderr).not.toContain('try again');
    expect(puts()).toBe(0);
  });

  test('load refuses a file with a value over 64 KB before writing any of its other values', async () => {
    const file = writeFile('big.json', JSON.stringify({ 'stripe-api-key': fx.remember('x', 'sk_never_written_big_7a1'), 'webhook-signing-key': tooBig() }));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/invalid {5}webhook-signing-key \(key "webhook-signing-key"\): the value is 66,0\d\d bytes; Secrets Manager stores at most 65,536/);
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

  test('set NAME < file (stdin) leaves out a byte-order mark as --from-file does: a Notepad file redirected gives the same value', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_bom_stdin_5d3e');
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: `\uFEFF${value}\r\n` });
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });

  test('text that is not UTF-8 (Latin-1, a binary keystore) is refused instead of written with its bytes replaced', async () => {
    const latin1 = path.join(tmp, 'latin1.txt');
    fs.writeFileSync(latin1, Buffer.from('pass\u00e9_91', 'latin1'));
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', latin1]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${latin1} is not UTF-8 text (byte 5)`);
    const piped = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: Buffer.from([0x6b, 0xff, 0x31]) });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('stdin is not UTF-8 text (byte 2)');
    const env = path.join(tmp, 'latin1.env');
    fs.writeFileSync(env, Buffer.from('stripe-api-key=caf\u00e9_20\n', 'latin1'));
    const load = await fx.cli(['load', env, '--stack', 'Shop-dev']);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain(`${env} is not UTF-8 text (byte 19)`);
    expect(puts()).toBe(0);
  });
});

/**
 * `set` with stdin a pipe that stays open until the test closes it (or kills the process): as in a
 * CI step whose stdin is inherited from a runner that never closes it.
 */
function setWithOpenStdin(extraEnv: Record<string, string | undefined>) {
  const { command, args } = cliCommand();
  const merged = { ...process.env, ...fx.env(extraEnv) };
  const env = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(command, [...args, 'set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  // Not a timing assert: only so that a CLI that hangs fails the test instead of outliving it.
  const guard = setTimeout(() => child.kill(), 45_000);
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    waiters.forEach((check) => check());
  });
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => {
    clearTimeout(guard);
    closed = true;
    waiters.forEach((check) => check());
    const done = { code, stdout, stderr };
    fx.outputs.push(done);
    resolve(done);
  }));
  const stderrShows = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stderr.includes(text)) resolve();
      else if (closed) reject(new Error(`exited without showing "${text}" on stderr: ${stderr}`));
    };
    waiters.push(check);
    check();
  });
  return { child, result, stderrShows };
}

describe('set with stdin an open pipe', () => {
  test('says on stderr that it reads the value from stdin, and takes it once stdin closes', async () => {
    const run = setWithOpenStdin({ CI: undefined });
    try {
      await run.stderrShows('reading the value for stripe-api-key (Shop-dev/dev/stripe-api-key) from stdin');
      run.child.stdin.end(fx.remember('Shop-dev/dev/stripe-api-key', 'sk_late_pipe_3b9a'));
      const result = await run.result;
      expect(result.code).toBe(0);
      expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_late_pipe_3b9a');
    } finally {
      run.child.kill();
    }
  }, 60_000);

  test('in CI, fails saying what to pass instead when no value arrives, and writes nothing', async () => {
    const run = setWithOpenStdin({ CI: 'true' });
    try {
      const result = await run.result;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no value for stripe-api-key: stdin is an open pipe that gave no data within');
      expect(result.stderr).toContain('Pass --from-file PATH, or pipe the value and close stdin');
      expect(puts()).toBe(0);
    } finally {
      run.child.kill();
    }
  }, 60_000);
});

describe('a secret created without a value (aws secretsmanager create-secret --name ...)', () => {
  // AWS answers GetSecretValue of such a secret with ResourceNotFoundException, as for no secret at all.
  const noValueYet = () => fx.endpoint.injectFault({
    kind: 'not-found',
    operation: 'GetSecretValue',
    secretId: 'legacy/dev/partner-token',
    message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
  });

  test('check says it exists but has no value yet, and how to set it', async () => {
    noValueYet();
    const result = await fx.cli(['check', '--json', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    const row = JSON.parse(result.stdout).find((r: any) => r.name === 'partner-token');
    expect(row).toMatchObject({ status: 'unset', detail: 'exists, but has no value yet' });
    const text = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(text.stdout).toContain('partner-token (legacy/dev/partner-token): exists, but has no value yet. Set it: npx cdk-app-secrets set partner-token --stack Shop-dev');
  });

  test('load writes its value', async () => {
    noValueYet();
    const value = fx.remember('legacy/dev/partner-token', 'ptok_first_value_8c2d');
    const result = await fx.cli(['load', writeFile('partner.json', JSON.stringify({ 'partner-token': value })), '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^set\s+partner-token\s+legacy\/dev\/partner-token, version /m);
    fx.endpoint.clearFaults();
    expect(await currentValue('legacy/dev/partner-token')).toBe(value);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(fx.outputs.length).toBeGreaterThan(1);
  expectNoValueIn(fx.outputs, allValues(fx));
});

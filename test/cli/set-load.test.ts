/*
 * `set` and `load` run as the real executable: values from files, stdin and a terminal prompt,
 * JSON shapes, dry runs; every output stream is scanned for the values written.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { allValues, CliFixture, expectNoValueIn, startForeignEndpoint, useWritingCliFixture } from './fixture';
import { runCliInPty } from '../support/run-cli';

let fx: CliFixture;
let tmp: string;

useWritingCliFixture('cdk-app-secrets-cli-values-', (fixture, dir) => {
  fx = fixture;
  tmp = dir;
});

/** The current value of a secret in the endpoint, read the way the SDK would. */
async function currentValue(name: string): Promise<string | undefined> {
  const response = await fetch(fx.endpoint.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify({ SecretId: name }),
  });
  const body = await response.json() as { SecretString?: string };
  return body.SecretString;
}

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function puts(): number {
  return fx.endpoint.calls.PutSecretValue;
}

describe('set', () => {
  test('from a file: writes the value (one trailing newline dropped) and prints the physical name and version id', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_live_fromfile_91c2e8a7d0');
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', writeFile('stripe.txt', `${value}\n`)]);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
    expect(result.stdout).toMatch(/^set stripe-api-key: Shop-dev\/dev\/stripe-api-key, version [0-9a-f-]{36}\n$/);
  });

  test('a key file of several lines (set NAME < id_ed25519) keeps its final newline, without which OpenSSH refuses the key (error in libcrypto)', async () => {
    const key = fx.remember('Shop-dev/dev/webhook-signing-key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBq3b3ZVt4Hk0c2pT3m1Xo\n-----END OPENSSH PRIVATE KEY-----\n');
    const piped = await fx.cli(['set', 'webhook-signing-key', '--stack', 'Shop-dev'], { stdin: key });
    expect(piped.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe(key);
    const fromFile = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', writeFile('id_ed25519', key)]);
    expect(fromFile.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(key);
  });

  test('from piped stdin', async () => {
    const value = fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_piped_40f1aa3c7e');
    const result = await fx.cli(['set', 'webhook-signing-key', '--stack', 'Shop-dev'], { stdin: `${value}\n` });
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe(value);
  });

  test('from a prompt on a terminal that does not echo what is typed', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_live_typed_6b0e93fd21');
    const result = await runCliInPty(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env: fx.env(), input: value, waitFor: 'input hidden' });
    fx.outputs.push(result);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Value for stripe-api-key in Shop-dev/dev/stripe-api-key (input hidden): ');
    expect(result.stdout).toMatch(/set stripe-api-key: Shop-dev\/dev\/stripe-api-key, version /);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });

  test('a tab typed at the prompt is kept in the value', async () => {
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_tab\tseparated_31c9');
    const result = await runCliInPty(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env: fx.env(), input: value, waitFor: 'input hidden' });
    fx.outputs.push(result);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });

  test('a value of several lines pasted at the prompt (a PEM key) is refused, not cut to its first line, and nothing is written', async () => {
    // A terminal sends a paste's line breaks as Enter (\r): the first one used to end the value there.
    const pem = fx.remember('Shop-dev/dev/stripe-api-key', '-----BEGIN PRIVATE KEY-----\rMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\r-----END PRIVATE KEY-----');
    const result = await runCliInPty(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env: fx.env(), input: pem, waitFor: 'input hidden' });
    fx.outputs.push(result);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('not set: stripe-api-key (Shop-dev/dev/stripe-api-key): the value given at the prompt has several lines');
    expect(result.stdout).toContain('--from-file');
    expect(result.stdout).not.toContain('MIIE');
    expect(puts()).toBe(0);
  });

  test('Ctrl-C at the prompt cancels with exit 130 and writes nothing', async () => {
    const result = await runCliInPty(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env: fx.env(), input: 'sk_partial\u0003', waitFor: 'input hidden' });
    fx.outputs.push(result);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('cancelled; nothing was written');
    expect(result.stdout).not.toContain('sk_partial');
    expect(puts()).toBe(0);
  });

  test('by physical name, and in a stack inside a stage', async () => {
    const value = fx.remember('Prod-Shop/prod/stripe-api-key', 'sk_live_prod_8812ccf0ae');
    const result = await fx.cli(['set', 'Prod-Shop/prod/stripe-api-key', '--stack', 'Prod/Shop'], { stdin: value });
    expect(result.code).toBe(0);
    expect(await currentValue('Prod-Shop/prod/stripe-api-key')).toBe(value);
  });

  test('an imported secret, by its logical name', async () => {
    const value = fx.remember('legacy/dev/partner-token', 'ptok_new_3ac0d19b7f');
    const result = await fx.cli(['set', 'partner-token', '--stack', 'Shop-dev'], { stdin: value });
    expect(result.code).toBe(0);
    expect(await currentValue('legacy/dev/partner-token')).toBe(value);
  });

  test('a JSON-shaped secret takes an object with every declared key', async () => {
    const value = fx.remember('Shop-dev/dev/db-credentials', JSON.stringify({ username: 'shop', password: 'pw_json_ok_17c3b5e9' }));
    const result = await fx.cli(['set', 'db-credentials', '--stack', 'Shop-dev'], { stdin: value });
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/db-credentials')).toBe(value);
  });

  test('a JSON-shaped secret refuses an object that lacks declared keys, naming them', async () => {
    fx.remember('x', JSON.stringify({ username: 'shop', pass: 'pw_wrongkey_77a0c1' }));
    const result = await fx.cli(['set', 'db-credentials', '--stack', 'Shop-dev'], { stdin: JSON.stringify({ username: 'shop', pass: 'pw_wrongkey_77a0c1' }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('lacks the key password (declared: username, password)');
    expect(puts()).toBe(0);
  });

  test('a JSON-shaped secret refuses text that is not JSON, saying where without quoting it', async () => {
    const value = fx.remember('x', 'pw_not_json_e61f0a {');
    const result = await fx.cli(['set', 'db-credentials', '--stack', 'Shop-dev'], { stdin: value });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not valid JSON \(unexpected character at position 0\)/);
    expect(puts()).toBe(0);
  });

  test('empty values are refused, from stdin and from a file', async () => {
    const piped = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: '\n' });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('the value is empty');
    const file = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--from-file', writeFile('empty.txt', '')]);
    expect(file.code).toBe(1);
    expect(puts()).toBe(0);
  });

  test('with nothing piped and no terminal, it says where a value can come from', async () => {
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no value for stripe-api-key: stdin is not a terminal');
    expect(result.stderr).toContain('--from-file PATH');
    expect(puts()).toBe(0);
  });

  test('a value on the command line is a usage error (exit 2) and is never written', async () => {
    const positional = await fx.cli(['set', 'stripe-api-key', 'sk_cmdline_never_5e2', '--stack', 'Shop-dev']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain('shell history');
    const option = await fx.cli(['set', 'stripe-api-key', '--value=sk_cmdline_never_5e2', '--stack', 'Shop-dev']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('shell history');
    expect(`${positional.stderr}${option.stderr}`).not.toContain('sk_cmdline_never_5e2');
    expect(puts()).toBe(0);
  });

  test('an option given twice that takes one value is a usage error, not a silent choice of the last', async () => {
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--stack', 'Shop-prod'], { stdin: 'sk_twice_never_written' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--stack is given twice');
    expect(puts()).toBe(0);
  });

  test('a flag given twice means what it means once', async () => {
    const result = await fx.cli(['list', '--json', '--json', '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).length).toBeGreaterThan(0);
  });

  test('an unknown name fails, listing the names the stack has', async () => {
    const result = await fx.cli(['set', 'strpe-api-key', '--stack', 'Shop-dev'], { stdin: 'whatever-value-1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stack Shop-dev has no secret 'strpe-api-key'. Its secrets: stripe-api-key, db-credentials, webhook-signing-key, partner-token");
  });

  test('a name the assembly does not know says which assembly was read and when it was synthesized, as a secret added since needs cdk synth', async () => {
    fs.utimesSync(path.join(fx.outdir, 'manifest.json'), new Date('2026-11-20T09:30:00Z'), new Date('2026-11-20T09:30:00Z'));
    const inStack = await fx.cli(['set', 'new-api-key', '--stack', 'Shop-dev'], { stdin: 'whatever-value-2' });
    const anywhere = await fx.cli(['set', 'new-api-key'], { stdin: 'whatever-value-3' });
    const loaded = await fx.cli(['load', writeFile('new.env', 'new-api-key=whatever-value-4\n'), '--stack', 'Shop-dev']);
    for (const result of [inStack, anywhere, loaded]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/[Rr]ead from the cloud assembly in (\S+), synthesized 2026-11-20 09:30 UTC: if the app has changed since, run npx cdk synth/);
      expect(result.stderr).toContain(fx.outdir);
    }
  });

  test('without --stack, a physical name (as the runtime\'s placeholder error gives it) finds its stack', async () => {
    const value = fx.remember('Prod-Shop/prod/webhook-signing-key', 'whsec_by_physical_9de0a4');
    const result = await fx.cli(['set', 'Prod-Shop/prod/webhook-signing-key'], { stdin: value });
    expect(result.code).toBe(0);
    expect(await currentValue('Prod-Shop/prod/webhook-signing-key')).toBe(value);
  });

  test('needs --stack for a logical name several stacks have, and refuses a pattern that matches several', async () => {
    const none = await fx.cli(['set', 'stripe-api-key'], { stdin: 'v-unused-1' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("'stripe-api-key' is a secret of 2 stacks (Shop-dev, Prod/Shop); choose one with --stack");
    const many = await fx.cli(['set', 'stripe-api-key', '--stack', '**'], { stdin: 'v-unused-1' });
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('matches 2 stacks');
  });

  test('a secret that was not deployed says to deploy; one scheduled for deletion says to restore it', async () => {
    fx.endpoint.deleteSecret('Shop-dev/dev/stripe-api-key');
    const missing = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: 'v-unused-2' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist in region us-east-1: deploy the stack first (npx cdk deploy Shop-dev)');
    fx.endpoint.scheduleDeletion('Shop-dev/dev/webhook-signing-key');
    const deleted = await fx.cli(['set', 'webhook-signing-key', '--stack', 'Shop-dev'], { stdin: 'v-unused-2' });
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('scheduled for deletion: restore it with aws secretsmanager restore-secret --secret-id Shop-dev/dev/webhook-signing-key');
  });

  test('a secret of a stack or stage not deployed yet (or scheduled for deletion) fails before the value is asked for', async () => {
    fx.endpoint.deleteSecret('Prod-Shop/prod/stripe-api-key');
    fx.endpoint.deleteSecret('Shop-dev/dev/stripe-api-key');
    for (const stack of ['Prod/Shop', 'Shop-dev']) {
      const missing = await runCliInPty(['set', 'stripe-api-key', '--stack', stack, '--app', fx.outdir], { env: fx.env(), input: 'sk_never_typed_4d1' });
      fx.outputs.push(missing);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain(`deploy the stack first (npx cdk deploy ${stack})`);
      expect(missing.stdout).not.toContain('input hidden');
    }
    fx.endpoint.scheduleDeletion('Shop-dev/dev/webhook-signing-key');
    const deleted = await runCliInPty(['set', 'webhook-signing-key', '--stack', 'Shop-dev', '--app', fx.outdir], { env: fx.env(), input: 'whsec_never_typed_4d2' });
    fx.outputs.push(deleted);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('scheduled for deletion: restore it with aws secretsmanager restore-secret --secret-id Shop-dev/dev/webhook-signing-key');
    expect(deleted.stdout).not.toContain('input hidden');
    expect(puts()).toBe(0);
  });

  test('access denied names the permission that is missing', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'PutSecretValue' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_denied_0b7d33e4') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('secretsmanager:PutSecretValue on Shop-dev/dev/stripe-api-key');
  });

  test('throttling is retried by the SDK; once retries run out, it says so and that nothing changed', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'PutSecretValue', times: 2 });
    const retried = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('Shop-dev/dev/stripe-api-key', 'sk_throttled_once_c91') });
    expect(retried.code).toBe(0);
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'PutSecretValue' });
    const failed = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_throttled_always_c92') });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('failed with ThrottlingException after 3 attempts; nothing was changed');
    expect(failed.stderr).toContain('or let the SDK try more often with AWS_MAX_ATTEMPTS (e.g. AWS_MAX_ATTEMPTS=10)');
  });

  test('credentials that expire before the write: says AWS rejected them while writing, and what to do', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'PutSecretValue', errorType: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_expired_write_3c0d') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AWS rejected the credentials (ExpiredTokenException) while writing secret Shop-dev/dev/stripe-api-key, so it was not written');
    expect(result.stderr).not.toContain('while reading');
  });

  test('credentials AWS rejects on every request (expired before the command): says so for the check before the write, and that nothing was written', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', errorType: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    for (const stack of ['Shop-dev', 'Prod/Shop']) {
      const result = await fx.cli(['set', 'stripe-api-key', '--stack', stack], { stdin: fx.remember('x', 'sk_expired_all_5e1f') });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/AWS rejected the credentials \(ExpiredTokenException\) while checking secret \S+\/stripe-api-key before writing, so nothing was written\. Refresh them/);
      expect(result.stderr).not.toContain('while reading');
    }
    expect(puts()).toBe(0);
  });

  test('a connection cut before the answer to the write: says so, and that it may have been written', async () => {
    fx.endpoint.injectFault({ kind: 'drop-connection', operation: 'PutSecretValue' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_reset_write_8a1f0c') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('writing Shop-dev/dev/stripe-api-key: could not reach Secrets Manager in region us-east-1 (ECONNRESET, 3 attempts)');
    expect(result.stderr).toContain('It may have been written: see cdk-app-secrets list --stack Shop-dev');
    expect(result.stderr).not.toContain('no answer');
  });

  test('a proxy that answers the write with its own page (a limit on request bodies): says the answer is not Secrets Manager\'s, and not that nothing changed', async () => {
    fx.endpoint.injectFault({ kind: 'proxy-page', operation: 'PutSecretValue' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_portal_write_2d81c0') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('writing Shop-dev/dev/stripe-api-key: the endpoint for Secrets Manager in region us-east-1 answered with something that is not a Secrets Manager response (HTTP 413, not JSON)');
    expect(result.stderr).toContain('AWS_ENDPOINT_URL_SECRETS_MANAGER');
    expect(result.stderr).not.toContain('SyntaxError');
    expect(result.stderr).not.toContain('nothing was changed');
    expect(result.stderr).not.toContain('blocked by the proxy');
  });

  test('in an environment-agnostic stack, an endpoint nobody listens on fails before the prompt, not after the value is typed', async () => {
    const closed = await startForeignEndpoint(200, '{}');
    await closed.close();
    const result = await runCliInPty(['set', 'stripe-api-key', '--stack', 'Shop-dev', '--app', fx.outdir],
      { env: fx.env({ AWS_ENDPOINT_URL_SECRETS_MANAGER: closed.endpoint }), input: fx.remember('x', 'sk_typed_for_nothing_41c7'), waitFor: 'input hidden' });
    fx.outputs.push(result);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('not set: stripe-api-key (Shop-dev/dev/stripe-api-key): could not reach Secrets Manager in region us-east-1 (ECONNREFUSED');
    expect(result.stdout).toContain('nothing was written');
    expect(result.stdout).not.toContain('input hidden');
  });

  test('in an environment-agnostic stack, an endpoint that is not Secrets Manager (a captive portal) fails before the value is read', async () => {
    const portal = await startForeignEndpoint(403, '<html><body>Sign in to the guest network</body></html>');
    try {
      const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: fx.remember('x', 'sk_portal_piped_7e20b4'), env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: portal.endpoint } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('not set: stripe-api-key (Shop-dev/dev/stripe-api-key): the endpoint for Secrets Manager in region us-east-1 answered with something that is not a Secrets Manager response (HTTP 403, not JSON)');
      expect(result.stderr).toContain('nothing was written');
      expect(result.stderr).not.toContain('reading the value');
      expect(result.stderr).not.toContain('guest network');
    } finally {
      await portal.close();
    }
  });

  test('in an environment-agnostic stack, an endpoint that never answers times out before the value is read', async () => {
    fx.endpoint.injectFault({ kind: 'hang' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'],
      { stdin: fx.remember('x', 'sk_hung_piped_0c5d3a'), env: { CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not set: stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): no answer from Secrets Manager in region us-east-1 within 0\.3 s.*; nothing was written/);
    expect(result.stderr).not.toContain('reading the value');
    expect(puts()).toBe(0);
  }, 30_000);

  test('in an environment-agnostic stack, credentials without secretsmanager:DescribeSecret still write with PutSecretValue', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'DescribeSecret' });
    const value = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_put_only_role_58e1a9');
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { stdin: value });
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(value);
  });

  test('an endpoint that never answers the write: ends with a timeout, and does not claim nothing changed', async () => {
    fx.endpoint.injectFault({ kind: 'hang', operation: 'PutSecretValue' });
    const result = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'],
      { stdin: fx.remember('x', 'sk_hung_write_5e0a11'), env: { CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/writing Shop-dev\/dev\/stripe-api-key: no answer from Secrets Manager in region us-east-1 within 0\.3 s/);
    expect(result.stderr).toContain('It may have been written: see cdk-app-secrets list --stack Shop-dev');
    expect(result.stderr).not.toContain('nothing was changed');
  }, 30_000);
});

describe('load', () => {
  const localFile = () => writeFile('local.json', JSON.stringify({
    'stripe-api-key': fx.remember('Shop-dev/dev/stripe-api-key', 'sk_test_loaded_a8d7e61c55'),
    'webhook-signing-key': fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_loaded_2be90f4d1a'),
    'db-credentials': { username: 'shop', password: fx.remember('pw', 'pw_loaded_5cc1e0d9b3') },
  }));

  test('sets every secret of a JSON file keyed by logical name (objects stored as JSON)', async () => {
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_test_loaded_a8d7e61c55');
    expect(JSON.parse((await currentValue('Shop-dev/dev/db-credentials'))!)).toEqual({ username: 'shop', password: 'pw_loaded_5cc1e0d9b3' });
    expect(result.stdout.split('\n').filter((l) => l.startsWith('set '))).toHaveLength(3);
    const check = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(check.code).toBe(0);
  });

  test('a second load of the same file leaves every secret unchanged (compared by fingerprint)', async () => {
    const file = localFile();
    await fx.cli(['load', file, '--stack', 'Shop-dev']);
    fx.endpoint.resetCalls();
    const again = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.startsWith('unchanged '))).toHaveLength(3);
    expect(puts()).toBe(0);
  });

  test('--dry-run shows what would be set and what is unchanged, and writes nothing', async () => {
    fx.endpoint.putSecret('Shop-dev/dev/stripe-api-key', 'sk_test_loaded_a8d7e61c55');
    fx.endpoint.resetCalls();
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^unchanged\s+stripe-api-key\s+Shop-dev\/dev\/stripe-api-key$/m);
    expect(result.stdout).toMatch(/^would set\s+webhook-signing-key\s+Shop-dev\/dev\/webhook-signing-key \(now placeholder\)$/m);
    expect(result.stdout).toMatch(/^would set\s+db-credentials\s+Shop-dev\/dev\/db-credentials \(now set\)$/m);
    expect(result.stderr).toContain('dry run: nothing was written');
    expect(puts()).toBe(0);
  });

  test('unknown names fail the command before anything is written, in a dry run too', async () => {
    const file = writeFile('typo.json', JSON.stringify({ 'stripe-api-key': fx.remember('x', 'sk_never_written_0d9'), 'strpe-webhook': fx.remember('x', 'whsec_never_written_0da') }));
    for (const extra of [[], ['--dry-run']]) {
      const result = await fx.cli(['load', file, '--stack', 'Shop-dev', ...extra]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('unknown     strpe-webhook (key "strpe-webhook"): not a secret of stack Shop-dev');
      expect(result.stderr).toMatch(/1 unknown name \(stack Shop-dev has: stripe-api-key, db-credentials, webhook-signing-key, partner-token; read from the cloud assembly in .*\); nothing was written/);
    }
    expect(puts()).toBe(0);
    expect(fx.endpoint.calls.GetSecretValue).toBe(0);
  });

  test('a .env value that runs onto a second line (base64 wraps at 76 characters) fails naming the line, never the piece of the value before its = padding', async () => {
    const token = fx.remember('Shop-dev/dev/stripe-api-key', 'sk_live_wrapped_value_7f3e2a9c1b0d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a');
    // 64 bytes: 88 base64 characters, the last two of them = padding.
    const wrapped = Buffer.from(token).toString('base64').replace(/.{76}/, '$&\n');
    const tail = wrapped.split('\n')[1].replace(/=+$/, '');
    fx.remember('x', tail);
    const file = writeFile('wrapped.env', `webhook-signing-key=${fx.remember('x', 'whsec_beside_wrapped_41c')}\nSTRIPE_API_KEY=${wrapped}\n`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('unknown     line 3: not a secret of stack Shop-dev (its key is not shown, as it looks like part of a value: quote a value that runs over lines)');
    expect(`${result.stdout}${result.stderr}`).not.toContain(tail);
    expect(puts()).toBe(0);
  });

  test('values that break a JSON shape fail the command before anything is written', async () => {
    const file = writeFile('shape.json', JSON.stringify({ 'stripe-api-key': fx.remember('x', 'sk_never_written_0db'), 'db-credentials': { username: 'shop' } }));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('db-credentials (key "db-credentials"): the JSON value lacks the key password');
    expect(puts()).toBe(0);
  });

  test('a .env file, by logical name or environment variable key, with comments and quotes', async () => {
    const file = writeFile('dev.env', [
      '# values for the dev stack',
      `stripe-api-key=${fx.remember('Shop-dev/dev/stripe-api-key', 'sk_env_plain_77b1c0de')}`,
      `export WEBHOOK_SIGNING_KEY_SECRET_NAME="${fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_env_quoted #1 e55')}"`,
      `PARTNER_TOKEN='${fx.remember('legacy/dev/partner-token', 'ptok_env_single_0c4f')}'`,
      '',
    ].join('\n'));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_env_plain_77b1c0de');
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe('whsec_env_quoted #1 e55');
    expect(await currentValue('legacy/dev/partner-token')).toBe('ptok_env_single_0c4f');
  });

  test('a .env file of the runtime\'s local-mode variables (CDK_APP_SECRETS_LOCAL_VALUE_<NAME>) loads, each to its secret', async () => {
    const file = writeFile('local-mode.env', [
      `CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY=${fx.remember('Shop-dev/dev/stripe-api-key', 'sk_env_localmode_5e2a91')}`,
      `export CDK_APP_SECRETS_LOCAL_VALUE_PARTNER_TOKEN="${fx.remember('legacy/dev/partner-token', 'ptok_env_localmode_c81d')}"`,
      '',
    ].join('\n'));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_env_localmode_5e2a91');
    expect(await currentValue('legacy/dev/partner-token')).toBe('ptok_env_localmode_c81d');
  });

  test('a .env comment after a quoted value is not part of the value, even when it holds a quote', async () => {
    const file = writeFile('commented.env', [
      `stripe-api-key="${fx.remember('Shop-dev/dev/stripe-api-key', 'sk_env_commented_3a9d')}" # rotated "monthly"`,
      `webhook-signing-key='${fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_env_commented_81f')}' # the team's key`,
      '',
    ].join('\n'));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_env_commented_3a9d');
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe('whsec_env_commented_81f');
  });

  test('a .env double-quoted value may hold unescaped quotes, as JSON in a .env file usually does', async () => {
    const json = '{"username":"shop","password":"pw_env_json_2d7e"}';
    fx.remember('Shop-dev/dev/db-credentials', json);
    const file = writeFile('json.env', `db-credentials="${json}"\n`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/db-credentials')).toBe(json);
  });

  test('a .env quoted value may span lines, as dotenv reads a PEM key, and the lines after it are entries again', async () => {
    const pem = fx.remember('Shop-dev/dev/stripe-api-key', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC_pem_4a7\nBKcwggSjAgEAAoIBAQC7_pem_9e2\n-----END PRIVATE KEY-----');
    const json = '{\n  "username": "shop",\n  "password": "pw_env_multiline_61b"\n}';
    fx.remember('Shop-dev/dev/db-credentials', json);
    const file = writeFile('multiline.env', [
      `stripe-api-key="${pem}" # the signing key`,
      `db-credentials='${json}'`,
      `webhook-signing-key=${fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_env_after_multiline_3c0')}`,
      '',
    ].join('\n'));
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe(pem);
    expect(await currentValue('Shop-dev/dev/db-credentials')).toBe(json);
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe('whsec_env_after_multiline_3c0');
  });

  test('a .env quoted value that is never closed fails naming its first line, and nothing is written', async () => {
    const file = writeFile('unclosed.env', `webhook-signing-key=${fx.remember('x', 'whsec_never_written_uc_1')}\nstripe-api-key="${fx.remember('x', 'sk_never_written_uc_2')}\nmore\n`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 2: the quoted value has no closing "');
    expect(puts()).toBe(0);
  });

  test('a .env line with text after its closing quote fails naming the line, and nothing is written', async () => {
    const file = writeFile('trailing.env', `stripe-api-key="${fx.remember('x', 'sk_env_trailing_40c')}"extra\n`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 1: unexpected text after the closing "');
    expect(puts()).toBe(0);
  });

  test('a secret that does not exist in AWS fails the load before anything is written', async () => {
    fx.endpoint.deleteSecret('Shop-dev/dev/webhook-signing-key');
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('missing     webhook-signing-key');
    expect(result.stderr).toContain('deploy the stack first: npx cdk deploy Shop-dev');
    expect(puts()).toBe(0);
  });

  test('a secret whose check gets no answer (a black-holed endpoint) fails the load before anything is written', async () => {
    fx.endpoint.injectFault({ kind: 'hang', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev'], { env: { CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^unchecked {3}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): no answer from Secrets Manager in region us-east-1 within 0\.3 s/m);
    expect(result.stderr).toContain('1 secret could not be checked; nothing was written');
    expect(puts()).toBe(0);
  }, 30_000);

  test('credentials AWS rejects on every request (expired before the load): one message for the check before the writes, saying nothing was written', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', errorType: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/AWS rejected the credentials/g)).toHaveLength(1);
    expect(result.stderr).toMatch(/AWS rejected the credentials \(ExpiredTokenException\) while checking secret Shop-dev\/dev\/\S+ before writing, so nothing was written\. Refresh them/);
    expect(result.stderr).not.toContain('while reading');
    expect(puts()).toBe(0);
  });

  test('credentials that expire during the writes: stops at the first rejected write, once, saying what was written and to load again', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'PutSecretValue', errorType: 'ExpiredTokenException', message: 'The security token included in the request is expired', times: 99 });
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/AWS rejected the credentials/g)).toHaveLength(1);
    expect(result.stderr).toContain('(ExpiredTokenException) while writing secret Shop-dev/dev/stripe-api-key');
    expect(result.stderr).toContain('The load stopped there: 0 of 3 secrets were written; fix that and run load again');
    expect(puts()).toBe(1);
  });

  test('an endpoint nobody listens on (a wrong AWS_ENDPOINT_URL_SECRETS_MANAGER, no route): fails once before writing, not once per secret', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev'], { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}` } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^unchecked {3}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): could not reach Secrets Manager in region us-east-1 \(ECONNREFUSED/m);
    expect(result.stderr).toContain('3 secrets could not be checked; nothing was written');
    expect(`${result.stdout}${result.stderr}`).not.toContain('failed');
  });

  test('an endpoint that answers with a web page (a proxy, a captive portal): fails once before writing, not once per secret', async () => {
    const portal = await startForeignEndpoint(403, '<html><body>Sign in to the guest network</body></html>');
    try {
      const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev'], { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: portal.endpoint } });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^unchecked {3}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): the endpoint for Secrets Manager in region us-east-1 answered with something that is not a Secrets Manager response \(HTTP 403, not JSON\)/m);
      expect(result.stderr).toContain('3 secrets could not be checked; nothing was written');
      expect(`${result.stdout}${result.stderr}`).not.toContain('failed');
    } finally {
      await portal.close();
    }
  });

  /** Every secret of stack Shop-dev, the imported one first. */
  const everyFile = () => writeFile('every.json', JSON.stringify({
    'partner-token': fx.remember('legacy/dev/partner-token', 'ptok_loaded_e1b07c2d45'),
    'stripe-api-key': fx.remember('Shop-dev/dev/stripe-api-key', 'sk_test_every_3f6a0d81c2'),
    'webhook-signing-key': fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_every_90c1d7e2ab'),
    'db-credentials': { username: 'shop', password: fx.remember('pw', 'pw_every_47b2e9a1f0') },
  }));

  test('writes several secrets at once, and prints them in the file\'s order even when a later write finishes first', async () => {
    fx.endpoint.injectFault({ kind: 'slow', operation: 'PutSecretValue', secretId: 'Shop-dev/dev/stripe-api-key', delayMs: 1_500 });
    fx.endpoint.injectFault({ kind: 'slow', operation: 'PutSecretValue', delayMs: 500 });
    const result = await fx.cli(['load', everyFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' ')))
      .toEqual(['set partner-token', 'set stripe-api-key', 'set webhook-signing-key', 'set db-credentials']);
    expect(await currentValue('Shop-dev/dev/db-credentials')).toBe(JSON.stringify({ username: 'shop', password: 'pw_every_47b2e9a1f0' }));
    // One at a time, each write would arrive after the one before it was answered, 500 ms or more later.
    const arrivals = fx.endpoint.requests.filter((r) => r.operation === 'PutSecretValue').map((r) => r.at);
    expect(arrivals).toHaveLength(4);
    expect(arrivals.some((at, i) => i > 0 && at - arrivals[i - 1] < 400)).toBe(true);
  }, 30_000);

  test('credentials that expire while writes are in flight: one message, and the count of the secrets written', async () => {
    for (const secretId of ['Shop-dev/dev/webhook-signing-key', 'Shop-dev/dev/db-credentials']) {
      fx.endpoint.injectFault({ kind: 'access-denied', operation: 'PutSecretValue', secretId, errorType: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    }
    const result = await fx.cli(['load', everyFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/AWS rejected the credentials/g)).toHaveLength(1);
    expect(result.stdout).toMatch(/^set {9}partner-token .*\nset {9}stripe-api-key /m);
    expect(result.stderr).toContain('The load stopped there: 2 of 4 secrets were written; fix that and run load again');
  });

  test('a write that fails after the SDK\'s retries: the others are written, and a last line says how many failed and to load again', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'PutSecretValue', secretId: 'Shop-dev/dev/webhook-signing-key' });
    const result = await fx.cli(['load', localFile(), '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout.match(/^set {9}/gm)).toHaveLength(2);
    expect(result.stderr).toMatch(/failed {6}webhook-signing-key .*ThrottlingException/);
    expect(result.stderr.trimEnd().split('\n').pop()).toBe('cdk-app-secrets: 1 of 3 secrets could not be written (2 were); run load again: secrets already written are left unchanged');
  });

  test('FILE - reads the file from stdin, as piped from a decrypting tool (sops -d ... | load -), and --from-file - does too', async () => {
    const loaded = await fx.cli(['load', '-', '--stack', 'Shop-dev'], { stdin: `stripe-api-key=${fx.remember('Shop-dev/dev/stripe-api-key', 'sk_env_from_stdin_0f3e')}\n` });
    expect(loaded.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/stripe-api-key')).toBe('sk_env_from_stdin_0f3e');
    const set = await fx.cli(['set', 'webhook-signing-key', '--stack', 'Shop-dev', '--from-file', '-'], { stdin: fx.remember('Shop-dev/dev/webhook-signing-key', 'whsec_from_file_dash_71a') });
    expect(set.code).toBe(0);
    expect(await currentValue('Shop-dev/dev/webhook-signing-key')).toBe('whsec_from_file_dash_71a');
  });

  test('load - with nothing piped into it says stdin had no entries', async () => {
    const result = await fx.cli(['load', '-', '--stack', 'Shop-dev'], { stdin: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stdin has no entries: nothing was piped into it');
    expect(puts()).toBe(0);
  });

  test('a file that is not valid JSON is reported by position, without quoting it', async () => {
    const file = writeFile('broken.json', `{"stripe-api-key": "${fx.remember('x', 'sk_broken_file_6f1')}",}`);
    const result = await fx.cli(['load', file, '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not valid JSON \(.* at position \d+\)/);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(fx.outputs.length).toBeGreaterThan(20);
  expectNoValueIn(fx.outputs, allValues(fx));
});

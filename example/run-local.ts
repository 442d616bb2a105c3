/*
 * `npm start`: synthesizes the example app with the real CDK CLI, then runs every bundled handler
 * against a local Secrets Manager endpoint seeded under the physical names from the templates.
 * Prints what each handler read (as fingerprints, never values) and exits non-zero on a mismatch.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fingerprint } from './handlers/fingerprint';
import { invokeFunction, readCloudAssembly, seededSecret, seedSecrets, SynthesizedStack } from './local-loop';
import { FakeSecretsManager, startFakeSecretsManager } from '../test/support/fake-secrets-manager';

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'cdk.out');
const region = 'us-east-1';

async function main(): Promise<number> {
  console.log('$ npx cdk synth --quiet');
  const started = Date.now();
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, stdio: 'inherit' });
  console.log(`synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  const localValues: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, 'local-secrets.json'), 'utf8'));
  const endpoint = await startFakeSecretsManager({ region });
  let failures = 0;
  try {
    for (const stack of readCloudAssembly(outdir)) {
      failures += await runStack(stack, localValues, endpoint);
    }
  } finally {
    await endpoint.close();
  }
  console.log(failures === 0 ? 'local loop: all handlers read what was seeded' : `local loop: ${failures} mismatch(es)`);
  return failures === 0 ? 0 : 1;
}

async function runStack(stack: SynthesizedStack, localValues: Record<string, string>, endpoint: FakeSecretsManager): Promise<number> {
  console.log(`== ${stack.stackName}`);
  const seeded = seedSecrets(endpoint, stack, localValues);
  // The example never sets this one: it keeps the placeholder CloudFormation generated.
  const unset = stack.secrets.find((secret) => secret.name.endsWith('/webhook-signing-key'))!;

  let failures = 0;
  for (const fn of stack.functions) {
    endpoint.resetCalls();
    const outcome = await invokeFunction(fn, { endpoint: endpoint.endpoint, region });
    console.log(`  ${fn.constructPath.split('/')[1]}  (${Object.keys(fn.environment).filter((k) => k.endsWith('_SECRET_NAME')).join(', ')})`);
    if (!outcome.ok) {
      console.log(`    FAILED: ${outcome.error?.name}: ${outcome.error?.message}`);
      failures++;
      continue;
    }
    for (const [logicalName, got] of Object.entries<string>(outcome.result)) {
      const secret = seededSecret(seeded, logicalName);
      if (!secret) {
        console.log(`    ${logicalName.padEnd(20)} ${got}`);
        continue;
      }
      const { name } = secret;
      const expected = fingerprint(secret.value);
      const match = got === expected;
      if (!match) failures++;
      console.log(`    ${logicalName.padEnd(20)} ${name.padEnd(34)} sha256:${got}  ${match ? 'matches the seeded value' : `MISMATCH (seeded sha256:${expected})`}`);
    }
    const requests = Object.entries(endpoint.calls).filter(([, count]) => count > 0).map(([operation, count]) => `${operation} x${count}`);
    console.log(`    Secrets Manager requests: ${requests.join(', ') || 'none'}`);
  }

  const checkout = stack.functions.find((fn) => fn.constructPath.includes('/Checkout/'))!;
  const placeholder = await invokeFunction(checkout, { endpoint: endpoint.endpoint, region, event: { verifyWebhook: true } });
  const placeholderShown = !placeholder.ok && /has not been given a value/.test(placeholder.error?.message ?? '');
  if (!placeholderShown) failures++;
  console.log(`  Checkout {verifyWebhook: true}, reading ${unset.name} which was never set:`);
  console.log(`    ${placeholderShown ? 'rejected as expected' : 'UNEXPECTED'}: ${placeholder.error?.name}: ${placeholder.error?.message ?? JSON.stringify(placeholder.result)}\n`);
  return failures;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});

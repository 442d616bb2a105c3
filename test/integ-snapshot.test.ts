/*
 * The committed integ snapshot must be what the integ test synthesizes today, so any template
 * change shows up in review. Refresh it with `npx projen integ:snapshot` (no deploy).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildIntegApp } from './integ.app-secrets';

const snapshotDir = path.join(__dirname, 'integ.app-secrets.ts.snapshot');
// integ-runner synthesizes with the feature flags it ships; so must this check.
const integRunnerContext = JSON.parse(fs.readFileSync(require.resolve('@aws-cdk/integ-runner/lib/recommended-feature-flags.json'), 'utf8'));
// ...except the partition filter, which its snapshot synth does not apply: region-dependent facts
// (the Lambda extension layer's ARN mapping of the example) list every partition in its snapshot.
delete integRunnerContext['@aws-cdk/core:target-partitions'];

function templates(dir: string): Record<string, unknown> {
  return Object.fromEntries(fs.readdirSync(dir)
    .filter((file) => file.endsWith('.template.json'))
    // integ-tests stamps each assertion with a `salt` (the synth time) so that it runs on every deploy.
    .map((file) => [file, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'), (key, value) => key === 'salt' ? undefined : value)]));
}

test('the integ test synthesizes exactly the committed snapshot templates', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-integ-'));
  try {
    buildIntegApp(new App({ outdir, context: integRunnerContext })).synth();
    const committed = templates(snapshotDir);
    expect(Object.keys(committed).length).toBeGreaterThan(0);
    expect(templates(outdir)).toEqual(committed);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);

/*
 * Importing the runtime must do no work: no AWS SDK code loaded, no environment read.
 * Checked in a child process, so nothing this test process already loaded can hide a load.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function runInChild(script: string, env: Record<string, string> = {}): unknown {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('importing the runtime loads no @aws-sdk module', () => {
  const loaded = runInChild(`
    require('./lib/runtime');
    console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@aws-sdk') || k.includes('@smithy'))));
  `);
  expect(loaded).toEqual([]);
});

test('importing the runtime reads no environment variable', () => {
  const read = runInChild(`
    const reads = [];
    const env = process.env;
    process.env = new Proxy(env, { get(t, k) { if (typeof k === 'string') reads.push(k); return Reflect.get(t, k); } });
    require('./lib/runtime');
    process.env = env;
    console.log(JSON.stringify(reads.filter((k) => k.startsWith('CDK_APP_SECRETS') || k.startsWith('AWS_') || k.endsWith('_SECRET_NAME'))));
  `);
  expect(read).toEqual([]);
});

test('a read in local mode loads no @aws-sdk module either', () => {
  const result = runInChild(`
    const { getSecrets } = require('./lib/runtime');
    getSecrets('db').then((values) => {
      const sdk = Object.keys(require.cache).filter((k) => k.includes('@aws-sdk'));
      console.log(JSON.stringify({ values, sdk }));
    });
  `, { CDK_APP_SECRETS_LOCAL_VALUE_DB: 'local-db' });
  expect(result).toEqual({ values: ['local-db'], sdk: [] });
});

test('the first AWS read loads the SDK', () => {
  const loaded = runInChild(`
    const { getSecrets } = require('./lib/runtime');
    const [p] = getSecrets('some-secret', { maxAgeSeconds: 1 });
    p.catch(() => {});
    // Misses go out at the end of the turn (all misses of one turn share a batch).
    setImmediate(() => {
      console.log(JSON.stringify(Object.keys(require.cache).some((k) => k.includes('@aws-sdk/client-secrets-manager'))));
      process.exit(0);
    });
  `, { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
  expect(loaded).toBe(true);
});

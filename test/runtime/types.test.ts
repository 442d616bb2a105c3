/*
 * The runtime's published declarations type-check for users, without skipLibCheck:
 * - with no AWS SDK installed (local mode, unit tests, a handler that only imports the runtime), and
 * - with the SDK installed, passing a real SecretsManagerClient to configureSecrets({ client }).
 *
 * Declarations are emitted from lib/ into a temp dir, and a user's file is checked from outside this
 * repository, where nothing but what the test links can be resolved.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { root } from './helpers';

let work: string;

function emitDeclarations(outDir: string): void {
  const program = ts.createProgram([path.join(root, 'lib', 'runtime', 'index.ts')], {
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: path.join(root, 'lib'),
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    strict: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
  });
  const result = program.emit();
  expect(result.emitSkipped).toBe(false);
}

/** Type-check `source` as a user's handler would be (cdk init's compiler options, skipLibCheck off). */
function typeCheck(source: string, paths: Record<string, string[]> = {}): string[] {
  const file = path.join(work, 'app', `handler-${Math.random().toString(36).slice(2)}.ts`);
  ts.sys.createDirectory(path.dirname(file));
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
    baseUrl: work,
    paths,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'cdk-app-secrets-types-'));
  emitDeclarations(path.join(work, 'pkg'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test('the declarations type-check with no AWS SDK installed', () => {
  expect(() => require.resolve('@aws-sdk/client-secrets-manager', { paths: [work] })).toThrow();
  const errors = typeCheck(`
    import { configureSecrets, getSecretJson, getSecrets, SecretsClient, SecretTimeoutError, withSecrets } from '../pkg/runtime/index';
    const client: SecretsClient = { send: async () => ({ SecretString: 'x' }) };
    configureSecrets({ client, timeoutMs: 1500, cacheMaxEntries: 100, clientConfig: { maxAttempts: 2 } });
    configureSecrets({ clientConfig: (region) => ({ region, maxAttempts: 2 }) });
    export async function handler(): Promise<number> {
      const [a, b]: [string, string] = await getSecrets('a', 'b');
      const db = await getSecretJson<{ password: string }>('db');
      try {
        return await withSecrets(['x', 'y'], ([x, y]) => x.length + y.length + a.length + b.length + db.password.length, { isAuthError: () => false });
      } catch (e) {
        if (e instanceof SecretTimeoutError) return e.timeoutMs;
        throw e;
      }
    }
  `);
  expect(errors).toEqual([]);
});

test('configureSecrets({ client }) accepts a real SecretsManagerClient (SDK installed)', () => {
  const sdk = path.join(root, 'node_modules', '@aws-sdk', 'client-secrets-manager');
  const errors = typeCheck(`
    import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
    import { configureSecrets } from '../pkg/runtime/index';
    const client = new SecretsManagerClient({ region: 'eu-west-1', maxAttempts: 2 });
    configureSecrets({ client });
    configureSecrets({ clientConfig: { region: 'eu-west-1', maxAttempts: 2, retryMode: 'adaptive' } });
  `, { '@aws-sdk/client-secrets-manager': [sdk] });
  expect(errors).toEqual([]);
});

/*
 * The published declarations must keep type-checking, without skipLibCheck, for users whose
 * aws-cdk-lib adds members to ISecret (as 2.234 added secretRef): the peer range allows it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const libDir = path.join(__dirname, '..', 'lib');
const nodeModules = path.join(__dirname, '..', 'node_modules');

/**
 * The declaration files as published: jsii's own output in build/ when it is newer than every
 * source (as in `npm run build`, which compiles before it tests), else emitted here from lib/.
 */
function declarations(outDir: string): void {
  const built = path.join(__dirname, '..', 'build');
  const newestSource = Math.max(...fs.readdirSync(libDir).filter((f) => f.endsWith('.ts')).map((f) => fs.statSync(path.join(libDir, f)).mtimeMs));
  if (fs.existsSync(path.join(built, 'index.d.ts')) && fs.statSync(path.join(built, 'index.d.ts')).mtimeMs >= newestSource) {
    for (const file of fs.readdirSync(built).filter((f) => f.endsWith('.d.ts'))) {
      fs.mkdirSync(outDir, { recursive: true });
      fs.copyFileSync(path.join(built, file), path.join(outDir, file));
    }
    return;
  }
  emitDeclarations(outDir);
}

function emitDeclarations(outDir: string): void {
  const program = ts.createProgram([path.join(libDir, 'index.ts')], {
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: libDir,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    types: ['node'],
  });
  const result = program.emit();
  expect(result.emitSkipped).toBe(false);
}

test('the declarations type-check without skipLibCheck against an aws-cdk-lib whose ISecret has a new member', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-types-'));
  try {
    declarations(path.join(dir, 'build'));
    // A newer aws-cdk-lib: ISecret and the secret classes gain a member this library has never seen.
    fs.writeFileSync(path.join(dir, 'consumer.ts'), [
      "import { AppSecret, IAppSecret } from './build';",
      "declare module 'aws-cdk-lib/aws-secretsmanager' {",
      '  interface ISecret { readonly futureMember: string }',
      '  interface Secret { readonly futureMember: string }',
      '}',
      'export const created = (s: AppSecret): string => s.futureMember;',
      'export const imported = (s: IAppSecret): string => s.futureMember;',
    ].join('\n'));
    const program = ts.createProgram([path.join(dir, 'consumer.ts')], {
      noEmit: true,
      strict: true,
      skipLibCheck: false,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      baseUrl: nodeModules,
      typeRoots: [path.join(nodeModules, '@types')],
      types: ['node'],
    });
    // Only our files are checked (as skipLibCheck: false would check them): aws-cdk-lib's own
    // internal classes lack the simulated member, and checking all of aws-cdk-lib takes minutes.
    const ours = program.getSourceFiles()
      .filter((sf) => sf.fileName.startsWith(dir))
      .flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)])
      .map((d) => `${path.relative(dir, d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(ours).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

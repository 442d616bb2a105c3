/*
 * The README's TypeScript snippets, pasted into the consumer app as a user would paste them.
 *
 * Every ```ts block in README.md starts with a comment that says where it goes:
 * - `// stack`: statements for a stack's constructor (`this` is the stack). Its imports go to the
 *   top of the file; the rest into the constructor of a stack of its own, which bin/app.ts adds.
 *   The stack also has the functions snippets grant to: `fn` and `checkoutFn` (NodejsFunctions).
 * - `// handler`: a whole handler module, written as it is to lambda/. One that imports nothing but
 *   the runtime is also deployed as the README says: a NodejsFunction of its own stack, granted an
 *   AppSecret for every `getEnv('<name>')` it reads, so the test can run its bundle.
 * - `// app`: statements for bin/app.ts, after the app's stacks (`app` is the cdk.App).
 * A block without one of these markers fails the test: every snippet must be checked. A snippet
 * that imports a package the app did not install (cdk-nag needs a newer aws-cdk-lib than the peer
 * floor) is left out of that app; the test checks that the app on the newest versions takes all.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface ReadmeSnippet {
  readonly kind: 'stack' | 'handler' | 'app';
  /** 1-based line of the block's first code line in README.md. */
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks of a README, with their kind. */
export function readmeSnippets(readmePath: string): ReadmeSnippet[] {
  const lines = fs.readFileSync(readmePath, 'utf8').split('\n');
  const snippets: ReadmeSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    // A block inside a list item is indented like its fence.
    const indent = lines[i].length - lines[i].trimStart().length;
    const code = lines.slice(start, end).map((l) => l.slice(indent));
    const marker = /^\/\/ (stack|handler|app)\b/.exec(code[0] ?? '');
    if (!marker) {
      throw new Error(`README.md:${start + 1}: a \`\`\`ts block must start with "// stack", "// handler" or "// app" so the consumer test knows where it goes`);
    }
    snippets.push({ kind: marker[1] as ReadmeSnippet['kind'], line: start + 1, code: code.join('\n') });
    i = end;
  }
  return snippets;
}

/** The packages a snippet imports. */
export function importedPackages(snippet: ReadmeSnippet): string[] {
  return [...snippet.code.matchAll(/^import .* from '((?:@[^/']+\/)?[^/']+)[^']*';$/gm)].map((m) => m[1]);
}

/**
 * Writes the snippets into the app: stack files under lib/, handlers under lambda/, and adds the
 * stacks to bin/app.ts. Returns the README lines of the snippets it pasted.
 */
export function pasteSnippets(appDir: string, snippets: readonly ReadmeSnippet[]): number[] {
  const appLines: string[] = [];
  const pasted: number[] = [];
  snippets.forEach((snippet, index) => {
    const installed = importedPackages(snippet).every((pkg) => fs.existsSync(path.join(appDir, 'node_modules', pkg)));
    if (!installed) return;
    pasted.push(snippet.line);
    const name = `readme-snippet-${index + 1}`;
    if (snippet.kind === 'app') {
      // Import declarations may stand anywhere at the top level of a module.
      appLines.push(`// README.md:${snippet.line}`, ...snippet.code.split('\n').slice(1));
      return;
    }
    if (snippet.kind === 'handler') {
      fs.writeFileSync(path.join(appDir, 'lambda', `${name}.ts`), `// README.md:${snippet.line}\n${snippet.code}\n`);
      if (importedPackages(snippet).every((pkg) => pkg === 'cdk-app-secrets')) {
        const className = `ReadmeHandler${index + 1}Stack`;
        fs.writeFileSync(path.join(appDir, 'lib', `${name}.ts`), handlerStackFile(className, name, snippet));
        appLines.push(`import { ${className} } from '../lib/${name}';`, `new ${className}(app, '${className.replace(/Stack$/, '')}');`);
      }
      return;
    }
    const className = `ReadmeSnippet${index + 1}Stack`;
    fs.writeFileSync(path.join(appDir, 'lib', `${name}.ts`), stackFile(className, snippet));
    appLines.push(`import { ${className} } from '../lib/${name}';`, `new ${className}(app, '${className.replace(/Stack$/, '')}');`);
  });
  fs.appendFileSync(path.join(appDir, 'bin', 'app.ts'), `\n// The README's stack and app snippets\n${appLines.join('\n')}\n`);
  return pasted;
}

/** The logical names a handler reads with `getEnv('<name>')`. */
export function getEnvNames(code: string): string[] {
  return [...new Set([...code.matchAll(/getEnv\('([^']+)'\)/g)].map((m) => m[1]))];
}

function handlerStackFile(className: string, name: string, snippet: ReadmeSnippet): string {
  return [
    `// README.md:${snippet.line}, deployed: a NodejsFunction granted each secret it reads`,
    "import * as path from 'path';",
    "import * as cdk from 'aws-cdk-lib';",
    "import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';",
    "import { AppSecret } from 'cdk-app-secrets';",
    "import { Construct } from 'constructs';",
    '',
    `export class ${className} extends cdk.Stack {`,
    '  constructor(scope: Construct, id: string, props?: cdk.StackProps) {',
    '    super(scope, id, props);',
    `    const fn = new NodejsFunction(this, 'Handler', { entry: path.join(__dirname, '../lambda/${name}.ts') });`,
    `    for (const name of ${JSON.stringify(getEnvNames(snippet.code))}) new AppSecret(this, name, { name, environment: 'dev' }).grantRead(fn);`,
    '  }',
    '}',
    '',
  ].join('\n');
}

function stackFile(className: string, snippet: ReadmeSnippet): string {
  const lines = snippet.code.split('\n');
  const imports = lines.filter((l) => /^import\b/.test(l));
  const body = lines.filter((l) => !/^import\b/.test(l));
  return [
    `// README.md:${snippet.line}`,
    "import * as path from 'path';",
    "import * as cdk from 'aws-cdk-lib';",
    "import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';",
    "import { Construct } from 'constructs';",
    ...imports,
    '',
    `export class ${className} extends cdk.Stack {`,
    '  constructor(scope: Construct, id: string, props?: cdk.StackProps) {',
    '    super(scope, id, props);',
    "    const entry = path.join(__dirname, '../lambda/read.ts');",
    "    const fn = new NodejsFunction(this, 'Fn', { entry });",
    "    const checkoutFn = new NodejsFunction(this, 'CheckoutFn', { entry });",
    '    void fn; void checkoutFn;',
    ...body.map((l) => (l === '' ? '' : `    ${l}`)),
    '  }',
    '}',
    '',
  ].join('\n');
}

import { awscdk, javascript } from 'projen';

// The lowest aws-cdk-lib and constructs users may have (the peer range), proved by the consumer test
// (test/consumer), which installs the packed tarball into a `cdk init`-shaped app pinned to these,
// type-checks it without skipLibCheck, synthesizes it and runs its bundled handlers.
// What sets the floor: `Annotations.addWarningV2` (2.93.0), which every synth warning of the
// construct uses so that users can acknowledge it by id. Compiled against aws-cdk-lib 2.92.0 the
// construct sources fail on it alone; 2.80.0 also lacks `RotationScheduleOptions.rotateImmediatelyOnUpdate`,
// 2.50.0 `Grant.combine()`, 2.0.0 `PolicyStatement.copy()` and `conditions` in `Grant.addToPrincipal`.
// constructs: nothing beyond 10.0.0 (Construct, node.addValidation, node.addMetadata).
const CDK_PEER_FLOOR = '2.93.0';
const CONSTRUCTS_PEER_FLOOR = '10.0.0';
// The version the library is developed, compiled and tested on. aws-cdk-lib and
// @aws-cdk/integ-tests-alpha are released in lockstep; keep them on one version.
const CDK_DEV_VERSION = '2.245.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-app-secrets',
  description: 'One construct and one call for application secrets on AWS: stack-scoped Secrets Manager secrets wired into Lambda functions, read with a cached, batched getSecrets().',
  author: 'cdk-app-secrets developers',
  authorAddress: 'dev@cdk-app-secrets.invalid',
  repositoryUrl: 'https://github.com/cdk-app-secrets/cdk-app-secrets.git',
  keywords: ['cdk', 'aws-cdk', 'secrets-manager', 'lambda', 'secrets'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_PEER_FLOOR,
  constructsVersion: CONSTRUCTS_PEER_FLOOR,
  // Peers stay at the floor; development uses the newer versions below.
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',

  // The design card wants TypeScript sources in lib/; compiled output goes to build/ (ignored).
  srcdir: 'lib',
  libdir: 'build',

  // CI is .ci/run; no GitHub workflows or mergify in this repository.
  github: false,
  release: false,

  publishToPypi: { distName: 'cdk-app-secrets', module: 'cdk_app_secrets' },
  publishToMaven: {
    javaPackage: 'io.github.cdkappsecrets',
    mavenGroupId: 'io.github.cdk-app-secrets',
    mavenArtifactId: 'cdk-app-secrets',
  },
  publishToNuget: { dotNetNamespace: 'CdkAppSecrets', packageId: 'CdkAppSecrets' },
  publishToGo: { moduleName: 'github.com/cdk-app-secrets/cdk-app-secrets-go' },

  devDeps: [
    `aws-cdk-lib@${CDK_DEV_VERSION}`,
    // The runtime loads the SDK lazily; Lambda's Node runtime provides it, so it is never a dependency.
    '@aws-sdk/client-secrets-manager@^3.600.0',
    'aws-cdk@2.1148.1',
    'cdk-nag@^2.36.8',
    'esbuild@^0.25.0',
    `@aws-cdk/integ-tests-alpha@${CDK_DEV_VERSION}-alpha.0`,
    '@aws-cdk/integ-runner@^2.196.1',
    '@aws-lambda-powertools/parameters@^2.35.0',
    // Peers in the benchmarks only (bench/): middy's Secrets Manager middleware, at its Node 20 major.
    '@middy/core@^6.4.5',
    '@middy/secrets-manager@^6.4.5',
    '@types/aws-lambda',
  ],

  jestOptions: {
    // Snapshots are written on purpose (`npx projen test:update`), never silently in a test run.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
      coverageProvider: 'v8',
    },
  },

  // Compiled JavaScript ships without source maps: tsc's output reads as it is, and inline maps
  // (with inline sources) were 70% of the package's bytes.
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
  entrypoint: 'build/index.js',
  // What ships is an allowlist (package.json "files", below), not a .npmignore to keep in step.
  npmignoreEnabled: false,

  // jsii-pacmak writes a .npmignore when there is none; "files" decides what ships.
  gitignore: ['/.npmignore', '/cdk.out', '/example/cdk.out', '/bench/.work', '.DS_Store'],
});

// unrs-resolver (used by jest 30 and the eslint TypeScript resolver) 1.13 lists platform binaries
// that the package registry this project installs from does not serve, which makes every lock file
// fail `npm ci`; 1.12.2 is complete there.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Added here, not in devDeps: projen replaces a constructs devDependency with the peer.
project.addDevDeps('constructs@10.5.1');

// Only what users need ships: compiled JavaScript (the runtime's ES modules in build/esm/ included)
// and declarations, the jsii assembly and the docs. npm adds package.json, README.md and LICENSE by itself.
project.package.addField('files', ['build/**/*.js', 'build/**/*.d.ts', '.jsii', 'API.md']);

// `npm run build` packages the npm tarball only: Maven Central, NuGet and PyPI toolchains are not
// reachable from every machine (nor from CI). `npm run package-all` builds every jsii target.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);

// TypeScript's node10 resolution (cdk init's default: module commonjs, no moduleResolution)
// ignores "exports"; typesVersions gives it the runtime subpath's types.
project.package.addField('typesVersions', { '*': { runtime: ['build/runtime/index.d.ts'] } });

// The runtime again as ES modules, for bundlers: esbuild cannot tree-shake jsii's CommonJS output, so
// a user's NodejsFunction bundled every runtime module (38 KB minified for a one-secret handler,
// 22 KB from ES modules). tsc compiles the runtime and the contract it imports (lib/env-contract.ts)
// into build/esm/, keeping the layout so that `../env-contract` resolves. No declarations (the CJS
// build's serve both) and no source maps (as the CJS build). Relative imports stay extensionless,
// so Node's own ESM loader could not run these files: they are for bundlers only (see exports).
// jsii is unaffected: it compiles lib/index.ts into build/ with its own tsconfig.json.
const esmOutDir = 'build/esm';
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.esm.json',
  include: ['lib/runtime/**/*.ts', 'lib/env-contract.ts'],
  compilerOptions: {
    rootDir: 'lib',
    outDir: esmOutDir,
    module: 'ES2022',
    moduleResolution: javascript.TypeScriptModuleResolution.BUNDLER,
    target: 'ES2022',
    lib: ['es2022'],
    types: ['node'],
    declaration: false,
    inlineSourceMap: false,
    sourceMap: false,
    strict: true,
    noEmitOnError: true,
    skipLibCheck: true,
  },
}).file.addOverride('compilerOptions.removeComments', true); // bundlers drop them anyway; fewer bytes to ship
project.compileTask.exec('tsc --project tsconfig.esm.json');

// Subpath export for the Node-only runtime, which is compiled by the same build but kept out of the
// jsii assembly (lib/index.ts never re-exports it).
// `module` is a condition bundlers honour and Node ignores: esbuild (platform node, as NodejsFunction
// runs it, with or without --main-fields; webpack's defaults include it too) resolves both `import`
// and `require()` of the runtime to the ES modules; Node, unbundled, always gets the CommonJS `default`
// (test/runtime/esm-build.test.ts checks both, on the package laid out as installed). Order matters: the
// first matching condition wins, so `module` must come before `default` (and `types` first, for tsc).
// The dual-package hazard (two copies of the module state: cache, settings, client, in one process)
// does not bite: a bundle holds one copy, since `import` and `require()` inside it pick the same
// condition, and a process without a bundler loads only the CommonJS copy.
project.package.addField('exports', {
  '.': { types: './build/index.d.ts', default: './build/index.js' },
  './runtime': { types: './build/runtime/index.d.ts', module: `./${esmOutDir}/runtime/index.js`, default: './build/runtime/index.js' },
  './.jsii': './.jsii',
  './package.json': './package.json',
});

// The secrets CLI (lib/cli/), compiled by the same build and kept out of the jsii API like the runtime.
project.addBins({ 'cdk-app-secrets': 'build/cli/main.js' });

// The example app and the benchmarks are type-checked and linted with the tests (paths relative to test/).
project.tsconfigDev.addInclude('../example/**/*.ts');
project.tsconfigDev.addInclude('../bench/**/*.ts');
project.tsconfigDev.addInclude('../bench/**/*.mts'); // middy's handler: middy ships ES modules only
// ts-jest checks only the files a test loads, and the bench runs transpile-only: type-check them all first.
project.testTask.prependExec('tsc --noEmit --project test/tsconfig.json');
for (const dir of ['example', 'bench']) {
  project.eslint?.addLintPattern(dir);
  project.eslint?.allowDevDeps(`${dir}/**`);
}
// Handlers import `cdk-app-secrets/runtime` as users do; example/tsconfig.json maps it to the source.
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './example/tsconfig.json']);

// The consumer test (test/consumer) packs the built package and installs it into cdk-init-shaped
// apps from the registry: slow and networked, so it runs after the build (`npm run test:consumer`),
// not in the unit run. Its app template is a user's app, checked by its own tsconfig, not ours.
project.jest?.addIgnorePattern('/test/consumer/');
project.tsconfigDev.addExclude('consumer/app/**'); // relative to test/
project.eslint?.addIgnorePattern('test/consumer/app/');
project.addTask('test:consumer', {
  description: 'Pack the built package and install, type-check, synthesize and run it in cdk-init-shaped apps on the peer floor and the newest aws-cdk-lib 2.x',
  env: { JEST_JUNIT_OUTPUT_NAME: 'consumer-junit.xml' },
  // Each app is its own file: two workers run them side by side, on CI's two cores.
  exec: 'jest test/consumer/ --ci --coverage=false --maxWorkers=2 --testPathIgnorePatterns=/node_modules/',
});

project.addTask('start', {
  description: 'Synthesize the example app and run its bundled handlers locally against a local Secrets Manager endpoint',
  exec: 'ts-node --transpile-only --project test/tsconfig.json example/run-local.ts',
});

// CDK's integ convention (test/integ.*.ts): `integ` deploys against the current account and
// asserts; `integ:snapshot` refreshes the committed snapshot without deploying. The test suite
// checks the snapshot offline (test/integ-snapshot.test.ts).
const integRunner = 'integ-runner --directory test --language typescript';
project.addTask('integ', {
  description: 'Deploy the integration tests in test/integ.*.ts to the current AWS account and run their assertions',
  exec: `${integRunner} --update-on-failed`,
});
project.addTask('integ:snapshot', {
  description: 'Refresh the committed integ snapshots without deploying',
  exec: `${integRunner} --dry-run --force`,
});

project.addTask('bench', {
  description: 'Benchmark the runtime and the construct against the alternatives; writes BENCHMARKS.md and bench/chart.svg',
  exec: 'ts-node --transpile-only --project test/tsconfig.json bench/run.ts',
});

project.synth();

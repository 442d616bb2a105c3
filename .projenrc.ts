import { awscdk, javascript } from 'projen';

// aws-cdk-lib and @aws-cdk/integ-tests-alpha are released in lockstep; keep them on one version.
const CDK_VERSION = '2.245.0';

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

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
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
    // The runtime loads the SDK lazily; Lambda's Node runtime provides it, so it is never a dependency.
    '@aws-sdk/client-secrets-manager@^3.600.0',
    'aws-cdk@2.1148.1',
    'cdk-nag@^2.36.8',
    'esbuild@^0.25.0',
    `@aws-cdk/integ-tests-alpha@${CDK_VERSION}-alpha.0`,
    '@aws-cdk/integ-runner@^2.196.1',
    '@aws-lambda-powertools/parameters@^2.35.0',
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

  gitignore: ['/cdk.out', '/example/cdk.out', '/bench/.work', '.DS_Store'],
});

// unrs-resolver (used by jest 30 and the eslint TypeScript resolver) 1.13 lists platform binaries
// that the package registry this project installs from does not serve, which makes every lock file
// fail `npm ci`; 1.12.2 is complete there.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Subpath export for the Node-only runtime, which is compiled by the same build but kept out of the
// jsii assembly (lib/index.ts never re-exports it).
project.package.addField('exports', {
  '.': { types: './build/index.d.ts', default: './build/index.js' },
  './runtime': { types: './build/runtime/index.d.ts', default: './build/runtime/index.js' },
  './.jsii': './.jsii',
  './package.json': './package.json',
});

// The secrets CLI (lib/cli/), compiled by the same build and kept out of the jsii API like the runtime.
project.addBins({ 'cdk-app-secrets': 'build/cli/main.js' });

// The example app and the benchmarks are type-checked and linted with the tests (paths relative to test/).
project.tsconfigDev.addInclude('../example/**/*.ts');
project.tsconfigDev.addInclude('../bench/**/*.ts');
for (const dir of ['example', 'bench']) {
  project.eslint?.addLintPattern(dir);
  project.eslint?.allowDevDeps(`${dir}/**`);
}
// Handlers import `cdk-app-secrets/runtime` as users do; example/tsconfig.json maps it to the source.
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './example/tsconfig.json']);

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

/*
 * The packed tarball and the README's statements about it, as `npm pack` counts them.
 * Needs the built package (`npm run compile`); run with `npm run test:consumer`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { packedFiles, packSummary } from './consumer-app';

describe('the README', () => {
  test('states the peer ranges package.json declares', () => {
    const peers = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).peerDependencies;
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(`Peer dependencies: \`aws-cdk-lib\` ${peers['aws-cdk-lib']} and \`constructs\` ${peers.constructs}`);
  });
});

describe('the packed tarball', () => {
  const summary = packSummary();
  const files = packedFiles(summary);

  test('has the file count and sizes the README states (sizes within 5%)', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    const stated = /(\d+) files, (\d+) kB packed, (\d+) kB unpacked \(as `npm pack` counts\), of which the jsii assembly `\.jsii` is (\d+) kB, `API\.md` (\d+) kB and the runtime's ES module build (\d+) kB/.exec(readme);
    expect(stated).not.toBeNull();
    const kB = (test: (p: string) => boolean) => summary.files.filter((f) => test(f.path)).reduce((sum, f) => sum + f.size, 0) / 1000;
    const measured: Array<[string, number]> = [
      ['files', summary.files.length], ['kB packed', summary.size / 1000], ['kB unpacked', summary.unpackedSize / 1000],
      ['kB .jsii', kB((p) => p === '.jsii')], ['kB API.md', kB((p) => p === 'API.md')], ['kB ES module build', kB((p) => p.startsWith('build/esm/'))],
    ];
    // Every number to update at once, each with what npm pack counts.
    const wrong = measured.map(([what, value], i) => ({ what, value, said: Number(stated![i + 1]) }))
      .filter(({ what, value, said }) => what === 'files' ? said !== value : Math.abs(said - value) > 0.05 * value)
      .map(({ what, value, said }) => `${what}: README ${said}, npm pack ${Number(value.toFixed(1))}`);
    expect(wrong).toEqual([]);
  });

  test('ships compiled JavaScript, declarations, the jsii assembly and the docs', () => {
    expect(files).toEqual(expect.arrayContaining(['build/index.js', 'build/index.d.ts', 'build/runtime/index.js', 'build/runtime/index.d.ts',
      'build/esm/runtime/index.js', 'build/esm/env-contract.js', '.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json']));
  });

  test('ships no sources, tests, benchmarks, example, CI files or build products of npm start', () => {
    const unwanted = files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') || /^(lib|test|bench|example|\.ci|cdk\.out|dist|coverage)\//.test(f) || /^(cdk\.json|tsconfig.*\.json|\.projenrc\.ts)$/.test(f));
    expect(unwanted).toEqual([]);
  });

  test('ships no source maps, inline or separate', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const inline = files.filter((f) => f.endsWith('.js')).filter((f) => fs.readFileSync(path.join(__dirname, '../..', f), 'utf8').includes('sourceMappingURL'));
    expect(inline).toEqual([]);
  });

  test('main, types and exports point at files that ship', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports['.']), ...Object.values(pkg.exports['./runtime']),
      ...pkg.typesVersions['*'].runtime].map((p) => String(p).replace(/^\.\//, ''));
    expect(targets.filter((t: string) => !files.includes(t))).toEqual([]);
  });
});

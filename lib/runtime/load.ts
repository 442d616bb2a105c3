/*
 * Loading Node builtins and the AWS SDK at run time, invisibly to bundlers.
 *
 * A user's NodejsFunction bundles this file with esbuild, in CJS or ESM. A literal `require(...)` or a
 * top-level `import` of a builtin would be either resolved at bundle time (the SDK is not installed
 * next to the handler: "Could not resolve") or, in an ESM bundle, rewritten into esbuild's throwing
 * `__require` shim ("Dynamic require of "node:fs" is not supported"). `process.getBuiltinModule`
 * (Node >= 20.16, so every Lambda nodejs20.x and newer) is a plain function call that esbuild leaves
 * alone, and `createRequire` from it resolves the SDK the way Node would.
 */

/** @internal The SDK package the runtime reads secrets with. */
export const SDK_PACKAGE = '@aws-sdk/client-secrets-manager';

type GetBuiltin = (id: string) => unknown;

/** @internal A Node builtin module, e.g. `nodeBuiltin<typeof import('node:fs')>('node:fs')`. */
export function nodeBuiltin<T>(id: string): T {
  const getBuiltin = (process as { getBuiltinModule?: GetBuiltin }).getBuiltinModule;
  if (typeof getBuiltin === 'function') return getBuiltin(id) as T;
  // Node < 20.16 outside a bundle: this module's own `module.require` (never rewritten by esbuild).
  const own = ownRequire();
  if (own !== undefined) return own(id) as T;
  throw new Error(`cannot load ${id}: this Node.js version has no process.getBuiltinModule (Node 20.16 or newer is needed in a bundle)`);
}

/**
 * @internal Load an installed package the way `require` from this file would.
 *
 * The base path matters for which copy is found: unbundled, `__filename` finds the copy installed next
 * to this package (the user's own SDK). In a CJS bundle `__filename` is the bundle, so an SDK shipped
 * beside it wins. An ESM bundle has no `__filename`; the function's code directory (LAMBDA_TASK_ROOT,
 * else the working directory) stands in. In every case Node then searches NODE_PATH, which on Lambda
 * includes /var/runtime/node_modules, where the runtime's own SDK lives.
 */
export function loadPackage<T>(name: string): T {
  // Unbundled CommonJS, and a CJS bundle: this module's own require. Under a user's Jest it is Jest's,
  // so `jest.mock('@aws-sdk/client-secrets-manager')` and aws-sdk-client-mock reach the runtime
  // (Jest 29 does not intercept the createRequire of `process.getBuiltinModule`, which loaded the real
  // SDK and called AWS from the user's unit tests). In a CJS bundle it resolves from the bundle, as below.
  const own = ownRequire();
  if (own !== undefined) return own(name) as T;
  const { createRequire } = nodeBuiltin<typeof import('node:module')>('node:module');
  return createRequire(resolveBase())(name) as T;
}

function resolveBase(): string {
  const { isAbsolute, join } = nodeBuiltin<typeof import('node:path')>('node:path');
  // `__filename` can also be a global that is no path at all (`node -e` defines it as "[eval]").
  if (typeof __filename === 'string' && isAbsolute(__filename)) return __filename;
  // createRequire wants a file path; the file itself need not exist.
  return join(process.env.LAMBDA_TASK_ROOT || process.cwd(), 'noop.js');
}

/** This module's own `module.require`, where there is a `module` (CommonJS; an ESM bundle has none). */
function ownRequire(): ((id: string) => unknown) | undefined {
  const own = typeof module === 'object' && module !== null ? (module as { require?: (id: string) => unknown }).require : undefined;
  return typeof own === 'function' ? (id) => own.call(module, id) : undefined;
}

/*
 * What a tree-shaken bundle of a one-secret handler (`getSecrets(getEnv(...))`) must not hold: strings
 * from runtime modules only other functions use. Shared by the unit test of the ES module build and
 * the consumer test, which bundle such a handler from the installed package.
 */

/** A string only `withSecrets` (rotation) and `getSecretJson`'s error locator (json) contain, per compiled module. */
export const UNUSED_BY_ONE_SECRET = [
  { module: 'rotation.js', marker: 'options.isAuthError must be a function' },
  { module: 'json.js', marker: 'expected a double-quoted property name' },
];

/** 'shaken out', or which marker `code` holds: compared with toBe, so a failure never prints the whole bundle. */
export function shakenOut(code: string, marker: string): string {
  return code.includes(marker) ? `the bundle holds "${marker}"` : 'shaken out';
}

/*
 * The peers compared side by side in one run, each at its best configuration, and what the cost table
 * needs to know about each library's defaults (checked in the installed packages, see each entry).
 */
import type { AdapterName, HandlerName } from './bundle';

export type PeerId = 'appsecret-ext' | 'appsecret' | 'powertools' | 'middy' | 'sdk';

export interface Peer {
  readonly id: PeerId;
  readonly name: string;
  /** How it is configured here (its best configuration). */
  readonly setup: string;
  readonly handler: HandlerName;
  readonly adapter: AdapterName;
  /** The function has the Parameters and Secrets Lambda Extension (the local fake). */
  readonly extension: boolean;
  /** Cache TTL in seconds out of the box: 0 caches nothing, Infinity never refreshes. */
  readonly defaultTtlS: number;
  readonly defaultTtlNote: string;
}

/** The TTL every peer is benchmarked with: cdk-app-secrets' default and the extension's maximum. */
export const BEST_TTL_S = 300;

export const PEERS: readonly Peer[] = [
  {
    id: 'appsecret-ext',
    name: 'cdk-app-secrets (extension)',
    setup: 'defaults; the function has the Lambda extension, the runtime reads through it and never loads the SDK',
    handler: 'appsecret',
    adapter: 'appsecret',
    extension: true,
    // lib/runtime/options.ts: maxAgeSeconds 300. The extension's own cache (SECRETS_MANAGER_TTL, 300 s
    // by default, off as the README advises) does not change the rate: it expires when the runtime's does.
    defaultTtlS: 300,
    defaultTtlNote: '300 s (runtime)',
  },
  {
    id: 'appsecret',
    name: 'cdk-app-secrets (SDK)',
    setup: 'defaults (300 s cache, misses batched)',
    handler: 'appsecret',
    adapter: 'appsecret',
    extension: false,
    defaultTtlS: 300,
    defaultTtlNote: '300 s',
  },
  {
    id: 'powertools',
    name: 'Powertools',
    setup: '`getSecret(id, { maxAge: 300 })`',
    handler: 'powertools',
    adapter: 'powertools',
    extension: false,
    // @aws-lambda-powertools/parameters constants.js: DEFAULT_MAX_AGE_SECS = 5.
    defaultTtlS: 5,
    defaultTtlNote: '5 s',
  },
  {
    id: 'middy',
    name: 'middy',
    setup: '`secretsManager({ fetchData, cacheExpiry: 300_000 })`, default prefetch',
    handler: 'middy',
    adapter: 'middy',
    extension: false,
    // @middy/secrets-manager 6.x index.js defaults: cacheExpiry -1, i.e. cached for the environment's life.
    defaultTtlS: Infinity,
    defaultTtlNote: 'never expires (cacheExpiry -1)',
  },
  {
    id: 'sdk',
    name: 'plain SDK + Map',
    setup: 'one GetSecretValue per id, a module-scope Map of promises with a 300 s TTL',
    handler: 'sdk',
    adapter: 'sdk',
    extension: false,
    // The SDK caches nothing: without hand-written code every read is a call.
    defaultTtlS: 0,
    defaultTtlNote: 'none (no cache)',
  },
];

export const peer = (id: PeerId): Peer => PEERS.find((p) => p.id === id)!;

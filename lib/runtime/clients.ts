/*
 * The Secrets Manager clients: the SDK loaded on first use, one client for the default region (names,
 * and ARNs of that region) and one per other region an ARN names, each created lazily. A client only
 * reads its own region, so a cross-region ARN needs a client of the ARN's region.
 *
 * When settings that clients are built from change, the current clients are retired: reads in flight
 * finish on them, and the ones the runtime created are destroyed once idle.
 */
import { loadPackage, SDK_PACKAGE } from './load';
import { currentClientGeneration, currentSettings, SecretsClient } from './options';

/** @internal The few SDK exports the runtime uses (typed here so no SDK type reaches the .d.ts). */
export interface Sdk {
  readonly SecretsManagerClient: new (config: object) => SecretsClient & { destroy(): void };
  readonly GetSecretValueCommand: new (input: object) => object;
  readonly BatchGetSecretValueCommand: new (input: object) => object;
}

/** @internal A client and what the runtime knows about it. */
export interface ClientSlot {
  readonly client: SecretsClient;
  /** Created by the runtime (so destroyed by it); false for `configureSecrets({ client })`. */
  readonly owned: boolean;
  inFlight: number;
  retired: boolean;
}

/** @internal Why no client could be had: an error code and a sentence saying what to do. */
export class SetupFailure {
  constructor(readonly code: 'SdkUnavailable' | 'ClientSetupFailed', readonly problem: string) {}
}

/** @internal The default client, or why there is none. */
export type DefaultClient = { slot: ClientSlot; region: string | undefined; regionError: boolean } | SetupFailure;

let sdk: Sdk | undefined;
let generation = -1;
let defaultClient: Promise<DefaultClient> | undefined;
const regional = new Map<string, ClientSlot>();
const live = new Set<ClientSlot>();

/** @internal The loaded SDK, or why it cannot be loaded. */
export function loadSdk(): Sdk | SetupFailure {
  if (sdk !== undefined) return sdk;
  try {
    sdk = loadPackage<Sdk>(SDK_PACKAGE);
  } catch (e) {
    // Only the error code: a loader message can quote paths, never values, but stays out anyway.
    return new SetupFailure('SdkUnavailable',
      `${SDK_PACKAGE} could not be loaded (${String((e as { code?: unknown })?.code ?? 'error')}). ` +
      'The Lambda Node.js runtimes (nodejs20.x and newer) provide it; elsewhere install it (npm install ' + SDK_PACKAGE + '), ' +
      'or use local mode (CDK_APP_SECRETS_LOCAL_FILE) in tests.');
  }
  return sdk;
}

/**
 * @internal A client the SDK could not set up: at construction, or at its first send, since the SDK's
 * constructor takes any config (an endpoint that is no URL fails there with a TypeError).
 */
export function setupFailed(region: string | undefined, name: unknown): SetupFailure {
  return new SetupFailure('ClientSetupFailed',
    `the Secrets Manager client${region ? ` for ${region}` : ''} could not be set up (${String(name ?? 'error')}). ` +
    'Check the clientConfig given to configureSecrets(...) and AWS_ENDPOINT_URL_SECRETS_MANAGER.');
}

/** @internal The default client and its region, created on first use (per settings generation). */
export function getDefaultClient(): Promise<DefaultClient> {
  syncGeneration();
  if (defaultClient !== undefined) return defaultClient;
  const created = createDefault();
  defaultClient = created;
  // A failure is not kept: the next read tries again (tests install or configure in between).
  void created.then((d) => {
    if (d instanceof SetupFailure && defaultClient === created) defaultClient = undefined;
  });
  return created;
}

/** @internal The client for `region` (not the default region), created on first use. */
export function getRegionalClient(region: string): ClientSlot | SetupFailure {
  syncGeneration();
  const existing = regional.get(region);
  if (existing !== undefined) return existing;
  const slot = createOwned(region);
  if (!(slot instanceof SetupFailure)) regional.set(region, slot);
  return slot;
}

/** @internal Run `work` on `slot`, keeping a retired client alive until its last read finishes. */
export async function useClient<T>(slot: ClientSlot, work: (client: SecretsClient) => Promise<T>): Promise<T> {
  slot.inFlight++;
  try {
    return await work(slot.client);
  } finally {
    slot.inFlight--;
    if (slot.retired) destroyIfIdle(slot);
  }
}

/** @internal Retire every client (tests and settings changes); idle owned clients are destroyed now. */
export function resetClients(): void {
  for (const slot of live) {
    slot.retired = true;
    destroyIfIdle(slot);
  }
  live.clear();
  regional.clear();
  defaultClient = undefined;
}

/** @internal Forget the loaded SDK too (tests only). */
export function resetSdk(): void {
  sdk = undefined;
}

function syncGeneration(): void {
  const current = currentClientGeneration();
  if (current === generation) return;
  resetClients();
  generation = current;
}

async function createDefault(): Promise<DefaultClient> {
  const given = currentSettings().client;
  let slot: ClientSlot;
  if (given !== undefined) {
    slot = { client: given, owned: false, inFlight: 0, retired: false };
  } else {
    const owned = createOwned(undefined);
    if (owned instanceof SetupFailure) return owned;
    slot = owned;
  }
  live.add(slot);
  const region = slot.client.config?.region;
  try {
    return { slot, region: typeof region === 'function' ? await region() : region, regionError: false };
  } catch {
    // The SDK throws "Region is missing" only when a request is sent; finding out here lets names get
    // an error that says so, while ARNs (which carry their region) still work.
    return { slot, region: undefined, regionError: true };
  }
}

function createOwned(region: string | undefined): ClientSlot | SetupFailure {
  const s = currentSettings();
  const loaded = loadSdk();
  if (loaded instanceof SetupFailure) return loaded;
  let client: SecretsClient & { destroy(): void };
  try {
    const config: { requestHandler?: unknown; region?: unknown } =
      (typeof s.clientConfig === 'function' ? s.clientConfig(region) : s.clientConfig) ?? {};
    client = new loaded.SecretsManagerClient({
      ...config,
      ...(region !== undefined ? { region } : {}),
      requestHandler: config.requestHandler ?? {
        requestTimeout: s.requestTimeoutMs,
        connectionTimeout: s.connectTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  } catch (e) {
    return setupFailed(region, (e as { name?: unknown })?.name);
  }
  const slot: ClientSlot = { client, owned: true, inFlight: 0, retired: false };
  live.add(slot);
  return slot;
}

function destroyIfIdle(slot: ClientSlot): void {
  if (slot.owned && slot.inFlight === 0) (slot.client as { destroy?: () => void }).destroy?.();
}

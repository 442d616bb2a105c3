/*
 * Fetching ids that missed the cache: from local values in local mode, otherwise from Secrets Manager,
 * each id from its region, within one deadline. Resolves with one outcome per id and never rejects.
 *
 * The SDK is loaded on the first fetch only: it is not a dependency of this package (the Lambda
 * Node.js runtime provides it), and importing the runtime must not load it.
 */
import { secretIdRegion } from '../env-contract';
import { ClientSlot, getDefaultClient, getRegionalClient, loadSdk, resetClients, resetSdk, SetupFailure } from './clients';
import { SecretConfigError, SecretTimeoutError } from './errors';
import { ExtensionTarget, extensionReads, extensionTarget, FALLBACK, readThroughExtension, resetExtension } from './extension';
import { thawAwareTimeout } from './freeze';
import { nodeBuiltin } from './load';
import { localModeEnabled, readLocal } from './local';
import { currentSettings } from './options';
import {
  BATCH_LIMIT,
  checkValue,
  DEADLINE,
  Deadline,
  fetchBatch,
  fetchOne,
  Outcome,
  resetTransport,
  Route,
  VersionSelector,
} from './transport';

export { BATCH_LIMIT, isBatchDenied } from './transport';
export type { Outcome, VersionSelector } from './transport';

/**
 * @internal Fetch `ids` (distinct, none cached). With the Parameters and Secrets Lambda Extension
 * (extension.ts), ids of the function's region are read through it first. Otherwise ids are grouped by region (an ARN's own, else the
 * default region); per group, one id, a version selector or a denied batch use GetSecretValue per id
 * in parallel, otherwise BatchGetSecretValue in parallel chunks of 20. A `forced` fetch skips an
 * extension that caches (it would answer with the value it already had).
 */
export async function fetchSecrets(ids: readonly string[], version: VersionSelector | undefined, forced = false): Promise<Outcome[]> {
  if (localModeEnabled()) return ids.map((id) => checkLocal(id));
  const s = currentSettings();
  const deadline = startDeadline(s.timeoutMs, ids.length); // at most one request per id
  try {
    const extension = extensionTarget(s, forced);
    if (extension === undefined) return await fetchRouted(ids, version, deadline);
    // An extension that does not answer gives up at half the deadline at most, leaving the SDK the
    // other half: with timeoutMs <= requestTimeoutMs it would otherwise never fall back.
    return await fetchThroughExtension(extension, ids, version, deadline, Math.min(s.requestTimeoutMs, s.timeoutMs / 2));
  } finally {
    deadline.stop();
  }
}

/**
 * Through the Lambda extension (no batch API there: one GET per id, in parallel), without loading the
 * SDK; ids it cannot serve (ARNs of other regions, reads it refuses or fails) go to the SDK together.
 */
async function fetchThroughExtension(extension: ExtensionTarget, ids: readonly string[], version: VersionSelector | undefined,
  deadline: Deadline, requestTimeoutMs: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(ids.length);
  const viaExtension: number[] = [];
  const viaSdk: number[] = [];
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  ids.forEach((id, i) => (extensionReads(id, region) ? viaExtension : viaSdk).push(i));
  const viaSdkAlone = (indexes: number[]): Promise<void> => indexes.length === 0 ? Promise.resolve()
    : fetchRouted(indexes.map((i) => ids[i]), version, deadline).then((rest) => rest.forEach((outcome, k) => outcomes[indexes[k]] = outcome));
  const direct = viaSdkAlone(viaSdk); // ARNs of other regions, in parallel with the extension.
  const fallback: number[] = [];
  if (viaExtension.length > 0) {
    const results = await readThroughExtension(extension, viaExtension.map((i) => ids[i]), version, deadline, requestTimeoutMs);
    results.forEach((outcome, k) => {
      if (outcome === FALLBACK) fallback.push(viaExtension[k]);
      else outcomes[viaExtension[k]] = outcome;
    });
  }
  await Promise.all([direct, viaSdkAlone(fallback)]);
  return outcomes;
}

/** @internal Drop every client (destroying idle ones the runtime created), the loaded SDK and the batch-denied flag. */
export function resetFetch(): void {
  resetExtension();
  resetClients();
  resetSdk();
  resetTransport();
}

async function fetchRouted(ids: readonly string[], version: VersionSelector | undefined, deadline: Deadline): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(ids.length);
  const sdk = loadSdk();
  if (sdk instanceof SetupFailure) return ids.map((id) => new SecretConfigError(id, sdk.code, sdk.problem));
  // The default client is needed even for ARNs: its region decides which ARNs it can read.
  const def = await deadline.race(getDefaultClient()).catch(() => undefined);
  if (def === undefined) return ids.map((id) => new SecretTimeoutError(id, deadline.timeoutMs));
  const defaultRegion = def instanceof SetupFailure ? undefined : def.region;
  const groups = new Map<string | undefined, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const region = secretIdRegion(ids[i]);
    const key = region === defaultRegion ? undefined : region;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  }
  const work: Array<Promise<void>> = [];
  for (const [region, indexes] of groups) {
    const groupIds = indexes.map((i) => ids[i]);
    let slot: ClientSlot | SetupFailure | 'RegionMissing';
    if (region !== undefined) slot = getRegionalClient(region);
    else if (def instanceof SetupFailure) slot = def;
    else slot = def.regionError ? 'RegionMissing' : def.slot;
    if (slot === 'RegionMissing') {
      groupIds.forEach((id, k) => outcomes[indexes[k]] = regionMissing(id));
      continue;
    }
    if (slot instanceof SetupFailure) {
      const failure = slot;
      groupIds.forEach((id, k) => outcomes[indexes[k]] = new SecretConfigError(id, failure.code, failure.problem));
      continue;
    }
    const route: Route = { slot, sdk, region: region ?? defaultRegion };
    work.push(fetchGroup(route, groupIds, version, deadline).then((results) => {
      results.forEach((outcome, k) => outcomes[indexes[k]] = outcome);
    }));
  }
  await Promise.all(work);
  return outcomes;
}

function fetchGroup(route: Route, ids: readonly string[], version: VersionSelector | undefined, deadline: Deadline): Promise<Outcome[]> {
  if (ids.length === 1 || version !== undefined) return Promise.all(ids.map((id) => fetchOne(route, id, version, deadline)));
  const chunks: Array<Promise<Outcome[]>> = [];
  for (let i = 0; i < ids.length; i += BATCH_LIMIT) chunks.push(fetchBatch(route, ids.slice(i, i + BATCH_LIMIT), deadline));
  return Promise.all(chunks).then((results) => results.flat());
}

/**
 * One timer per fetch, not per request: the deadline covers every attempt the SDK makes, connecting,
 * waiting for headers and reading the body, which per-attempt socket timeouts alone do not (a body
 * that stalls after the headers is never timed out by the SDK). On expiry the requests are aborted and
 * every pending call settles at once, whether or not the SDK honours the abort. A process frozen past
 * the deadline (a Lambda sandbox between invocations) gets one fresh deadline from the thaw.
 */
function startDeadline(timeoutMs: number, requests: number): Deadline & { stop(): void } {
  const controller = new AbortController();
  // Every request of the fetch listens on this one signal (the SDK adds a listener per request and one
  // per retry wait, and removes them when they settle): many ids are not a leak, so no
  // "MaxListenersExceeded" warning in the function's log. 0 lifts Node's default of 10 for this signal
  // only. Up to 4 requests stay under 10 listeners; skipping it then spares a cold start ~0.3 ms.
  if (requests > 4) nodeBuiltin<typeof import('node:events')>('node:events').setMaxListeners(0, controller.signal);
  let expire!: (reason: unknown) => void;
  const expired = new Promise<never>((_, reject) => {
    expire = reject;
  });
  expired.catch(() => {});
  const stop = thawAwareTimeout(() => {
    expire(DEADLINE);
    controller.abort();
  }, timeoutMs);
  return {
    signal: controller.signal,
    timeoutMs,
    race: <T>(work: Promise<T>) => Promise.race([work, expired]),
    stop,
  };
}

function regionMissing(id: string): SecretConfigError {
  return new SecretConfigError(id, 'RegionMissing',
    'no valid AWS region is configured, and a secret name (unlike an ARN) does not say which region to read. ' +
    'Lambda sets AWS_REGION; elsewhere set AWS_REGION, or configureSecrets({ clientConfig: { region } }), or pass the secret\'s ARN.');
}

function checkLocal(id: string): Outcome {
  const local = readLocal(id);
  return typeof local === 'string' ? checkValue(id, local, false) : local;
}

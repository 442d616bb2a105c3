/*
 * The Secrets Manager calls: GetSecretValue for one id, BatchGetSecretValue for up to 20, and the
 * mapping of every failure to a typed error. Functions here resolve with one outcome per id and
 * never reject.
 *
 * Nothing the service or the SDK says is copied into an error: messages (and V8's JSON errors on a
 * malformed body) can quote response bytes, so only a vetted error name and the HTTP status pass.
 */
import { PLACEHOLDER_MARKER_KEY } from '../env-contract';
import { ClientSlot, Sdk, setupFailed, useClient } from './clients';
import {
  SecretAccessDeniedError,
  SecretBinaryError,
  SecretConfigError,
  SecretDecryptionError,
  SecretError,
  SecretFetchError,
  SecretNotFoundError,
  SecretPlaceholderError,
  SecretTimeoutError,
} from './errors';

/** @internal A version selector; at most one field is set. */
export interface VersionSelector {
  readonly versionStage?: string;
  readonly versionId?: string;
}

/** @internal One secret's outcome. */
export type Outcome = string | SecretError;

/** @internal Bounds one fetch: aborts the requests and settles every call when the time is up. */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Settles like `work`, or rejects with DEADLINE once the deadline passed. */
  race<T>(work: Promise<T>): Promise<T>;
}

/** @internal What a request rejects with when its deadline passed. */
export const DEADLINE: unique symbol = Symbol('cdk-app-secrets.deadline');

/** @internal Where a group of ids is read: the client, the SDK's command classes, the region (for messages). */
export interface Route {
  readonly slot: ClientSlot;
  readonly sdk: Sdk;
  readonly region: string | undefined;
}

/** @internal BatchGetSecretValue takes at most this many ids per request. */
export const BATCH_LIMIT = 20;

interface ValueFields {
  readonly SecretString?: string;
  readonly SecretBinary?: unknown;
}
interface BatchOutput {
  readonly SecretValues?: ReadonlyArray<ValueFields & { readonly ARN?: string; readonly Name?: string }>;
  readonly Errors?: ReadonlyArray<{ readonly SecretId?: string; readonly ErrorCode?: string }>;
  readonly NextToken?: string;
}

const KMS_ERRORS = new Set([
  'DecryptionFailure',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
]);

// AWS error names, SDK error names and Node network codes; anything else may be response text.
const SAFE_NAME = /^(?:[A-Z][A-Za-z0-9]{0,62}(?:Exception|Error|Failure|Fault)|E[A-Z0-9_]{1,30}|Throttling|RequestLimitExceeded)$/;

let batchDenied = false;

/** @internal Whether BatchGetSecretValue was denied in this process (then it is never tried again). */
export function isBatchDenied(): boolean {
  return batchDenied;
}

/** @internal Forget that batching was denied (tests only). */
export function resetTransport(): void {
  batchDenied = false;
}

/** @internal Read one id with GetSecretValue. */
export async function fetchOne(route: Route, id: string, version: VersionSelector | undefined, deadline: Deadline): Promise<Outcome> {
  try {
    const command = new route.sdk.GetSecretValueCommand({ SecretId: id, VersionStage: version?.versionStage, VersionId: version?.versionId });
    // `?? {}`: the SDK always answers with an object, a mocked send not set up for the command (aws-sdk-client-mock) with undefined.
    const output = (await send(route, command, deadline) ?? {}) as ValueFields;
    return checkValue(id, output.SecretString, output.SecretBinary !== undefined);
  } catch (e) {
    return toSecretError(id, e, route.region, deadline, version);
  }
}

/** @internal Read up to 20 ids with BatchGetSecretValue (falling back to GetSecretValue when it is denied). */
export async function fetchBatch(route: Route, ids: readonly string[], deadline: Deadline): Promise<Outcome[]> {
  if (batchDenied) return Promise.all(ids.map((id) => fetchOne(route, id, undefined, deadline)));
  const values: Array<NonNullable<BatchOutput['SecretValues']>[number]> = [];
  const errors: Array<NonNullable<BatchOutput['Errors']>[number]> = [];
  try {
    let nextToken: string | undefined;
    do {
      const command = new route.sdk.BatchGetSecretValueCommand({ SecretIdList: ids, NextToken: nextToken });
      const output = (await send(route, command, deadline) ?? {}) as BatchOutput;
      values.push(...(output.SecretValues ?? []));
      errors.push(...(output.Errors ?? []));
      nextToken = output.NextToken;
    } while (nextToken);
  } catch (e) {
    if (errorName(e) === 'AccessDeniedException') {
      // The role may read the secrets but not call BatchGetSecretValue: never batch again.
      batchDenied = true;
      return Promise.all(ids.map((id) => fetchOne(route, id, undefined, deadline)));
    }
    return ids.map((id) => toSecretError(id, e, route.region, deadline));
  }
  type Value = (typeof values)[number];
  const byArn = new Map<string, Value>();
  const byName = new Map<string, Value[]>();
  for (const v of values) {
    if (v.ARN !== undefined) byArn.set(v.ARN, v);
    if (v.Name !== undefined) byName.set(v.Name, [...byName.get(v.Name) ?? [], v]);
  }
  const arnValue = (id: string): Value | undefined => byArn.get(id) ?? values.find((x) => isPartialArnOf(id, x.ARN));
  const claimedByArn = new Set(ids.filter((id) => id.startsWith('arn:')).map(arnValue));
  return Promise.all(ids.map((id): Outcome | Promise<Outcome> => {
    let v: Value | undefined;
    if (id.startsWith('arn:')) {
      v = arnValue(id);
    } else {
      const named = byName.get(id) ?? [];
      // Names are unique per account, not across accounts: when an ARN in the same batch answers to
      // this name too (another account's secret of the same name, or this one read both ways), the
      // response cannot say which value is the name's. GetSecretValue by name reads this account's.
      if (named.length > 1 || (named.length === 1 && claimedByArn.has(named[0]))) return fetchOne(route, id, undefined, deadline);
      v = named[0];
    }
    if (v !== undefined) return checkValue(id, v.SecretString, v.SecretBinary !== undefined);
    const err = errors.find((x) => x.SecretId === id || (x.SecretId !== undefined && isPartialArnOf(id, x.SecretId)));
    // Cross-account permission applies to GetSecretValue, not BatchGetSecretValue (AWS's list of such
    // operations): an ARN, maybe another account's, that the batch refused or did not find is read alone.
    if (err !== undefined && id.startsWith('arn:') && /^(?:AccessDenied|ResourceNotFound)Exception$/.test(err.ErrorCode!)) {
      return fetchOne(route, id, undefined, deadline);
    }
    if (err !== undefined) return toSecretError(id, { name: err.ErrorCode }, route.region, deadline);
    return new SecretFetchError(id, 'MissingFromBatchResponse', 'the BatchGetSecretValue response had no entry for it');
  }));
}

/** @internal A fetched value, or the error for a binary, empty or placeholder value. */
export function checkValue(id: string, value: string | undefined, binary: boolean): Outcome {
  if (value === undefined) {
    return binary ? new SecretBinaryError(id) : new SecretFetchError(id, 'EmptyValue', 'the secret has no SecretString');
  }
  if (value.charCodeAt(0) === 123 /* { */ && value.includes(PLACEHOLDER_MARKER_KEY)) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && Object.prototype.hasOwnProperty.call(parsed, PLACEHOLDER_MARKER_KEY)) {
        return new SecretPlaceholderError(id);
      }
    } catch {
      // Not JSON: a real value that happens to contain the marker text.
    }
  }
  return value;
}

function send(route: Route, command: object, deadline: Deadline): Promise<unknown> {
  return useClient(route.slot, (client) => deadline.race(client.send(command, { abortSignal: deadline.signal })));
}

/** An ARN without the 6-character random suffix ("-AbCdEf") names the secret whose full ARN is `arn`. */
function isPartialArnOf(partial: string, arn: string | undefined): boolean {
  return arn !== undefined && arn.length === partial.length + 7 && arn.startsWith(partial) && arn[partial.length] === '-';
}

function toSecretError(id: string, e: unknown, region: string | undefined, deadline: Deadline, version?: VersionSelector): SecretError {
  if (e === DEADLINE || (deadline.signal.aborted && errorName(e) === 'AbortError')) return new SecretTimeoutError(id, deadline.timeoutMs);
  const name = errorName(e);
  if (name === 'ResourceNotFoundException') return new SecretNotFoundError(id, region, version);
  if (name === 'AccessDeniedException') return new SecretAccessDeniedError(id);
  if (KMS_ERRORS.has(name)) return new SecretDecryptionError(id, name);
  const status = (e as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode;
  const http = typeof status === 'number' ? `HTTP ${status}` : '';
  // The SDK parses the body with JSON.parse; V8's SyntaxError quotes the body, so only its kind is kept.
  if (name === 'SyntaxError') return new SecretFetchError(id, 'MalformedResponse', `the response body was not valid JSON${http ? `, ${http}` : ''}`);
  if (name === 'TypeError') {
    // No answer's fault: the client could not send (the SDK checks its config only then, e.g. an endpoint that is no URL).
    const failure = setupFailed(region, name);
    return new SecretConfigError(id, failure.code, failure.problem);
  }
  return new SecretFetchError(id, SAFE_NAME.test(name) ? name : 'UnknownError', http);
}

/** The AWS error name, or for a plain network error its code (ECONNRESET, ...). */
function errorName(e: unknown): string {
  const { name, code } = (e ?? {}) as { name?: unknown; code?: unknown };
  // The SDK names a reset or broken connection TimeoutError; the code says what happened (a timeout
  // sends users to the timeout settings, where a reset is a proxy, a firewall or the endpoint).
  if (name === 'TimeoutError' && (code === 'ECONNRESET' || code === 'EPIPE')) return code;
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  return typeof code === 'string' && code !== '' ? code : 'Error';
}

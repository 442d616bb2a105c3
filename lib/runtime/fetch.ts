/*
 * Fetching from Secrets Manager (or from local values in local mode). Every function here resolves
 * with one outcome per id, a string value or a SecretError, and never rejects.
 *
 * The SDK is loaded with require() on the first fetch only: it is not a dependency of this package
 * (the Lambda Node.js runtime provides it), and importing the runtime must not load it.
 */
import type {
  BatchGetSecretValueCommandOutput,
  GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PLACEHOLDER_MARKER_KEY } from '../env-contract';
import {
  SecretAccessDeniedError,
  SecretBinaryError,
  SecretDecryptionError,
  SecretError,
  SecretFetchError,
  SecretNotFoundError,
  SecretPlaceholderError,
} from './errors';
import { localModeEnabled, readLocal } from './local';
import { currentSettings, ResolvedSettings } from './options';

type Sdk = typeof import('@aws-sdk/client-secrets-manager');

/** @internal BatchGetSecretValue takes at most this many ids per request. */
export const BATCH_LIMIT = 20;

/** @internal A version selector; at most one field is set. */
export interface VersionSelector {
  readonly versionStage?: string;
  readonly versionId?: string;
}

/** @internal One secret's outcome. */
export type Outcome = string | SecretError;

const KMS_ERRORS = new Set([
  'DecryptionFailure',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
]);

let sdk: Sdk | undefined;
let client: SecretsManagerClient | undefined;
let clientOwned = false;
let clientSettings: ResolvedSettings | undefined;
let batchDenied = false;

/**
 * @internal Fetch `ids` (distinct, none cached). One id, a version selector, or a denied batch use
 * GetSecretValue per id in parallel; otherwise BatchGetSecretValue in parallel chunks of 20.
 */
export async function fetchSecrets(ids: readonly string[], version: VersionSelector | undefined): Promise<Outcome[]> {
  if (localModeEnabled()) return ids.map((id) => checkLocal(id));
  let smClient: SecretsManagerClient;
  try {
    smClient = getClient();
  } catch (e) {
    return ids.map((id) => new SecretFetchError(id, 'SdkUnavailable',
      `could not load or create the Secrets Manager client (${errorName(e)}); outside Lambda install @aws-sdk/client-secrets-manager, or use local mode (CDK_APP_SECRETS_LOCAL_FILE)`));
  }
  if (ids.length === 1 || version !== undefined || batchDenied) {
    return Promise.all(ids.map((id) => fetchOne(smClient, id, version)));
  }
  const chunks: Array<Promise<Outcome[]>> = [];
  for (let i = 0; i < ids.length; i += BATCH_LIMIT) {
    chunks.push(fetchBatch(smClient, ids.slice(i, i + BATCH_LIMIT)));
  }
  return (await Promise.all(chunks)).flat();
}

/** @internal Drop the client (destroying it if the runtime created it) and forget the batch-denied flag. */
export function resetFetch(): void {
  if (client !== undefined && clientOwned) client.destroy();
  client = undefined;
  clientSettings = undefined;
  batchDenied = false;
}

/** @internal Whether BatchGetSecretValue was denied in this process (then it is never tried again). */
export function isBatchDenied(): boolean {
  return batchDenied;
}

function getClient(): SecretsManagerClient {
  const s = currentSettings();
  if (client !== undefined && clientSettings === s) return client;
  if (client !== undefined && clientOwned) client.destroy();
  clientSettings = s;
  if (s.client !== undefined) {
    client = s.client;
    clientOwned = false;
    return client;
  }
  // Lazy on purpose, and not a dependency: the Lambda Node.js runtime provides the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
  sdk ??= require('@aws-sdk/client-secrets-manager') as Sdk;
  client = new sdk.SecretsManagerClient({
    ...s.clientConfig,
    requestHandler: s.clientConfig?.requestHandler ?? {
      requestTimeout: s.requestTimeoutMs,
      connectionTimeout: s.connectTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  clientOwned = true;
  return client;
}

async function fetchOne(smClient: SecretsManagerClient, id: string, version: VersionSelector | undefined): Promise<Outcome> {
  try {
    const output: GetSecretValueCommandOutput = await smClient.send(new sdk!.GetSecretValueCommand({
      SecretId: id,
      VersionStage: version?.versionStage,
      VersionId: version?.versionId,
    }));
    return checkValue(id, output.SecretString, output.SecretBinary !== undefined);
  } catch (e) {
    return toSecretError(smClient, id, errorName(e), e);
  }
}

async function fetchBatch(smClient: SecretsManagerClient, ids: string[]): Promise<Outcome[]> {
  const values: NonNullable<BatchGetSecretValueCommandOutput['SecretValues']> = [];
  const errors: NonNullable<BatchGetSecretValueCommandOutput['Errors']> = [];
  try {
    let nextToken: string | undefined;
    do {
      const output: BatchGetSecretValueCommandOutput = await smClient.send(new sdk!.BatchGetSecretValueCommand({
        SecretIdList: ids,
        NextToken: nextToken,
      }));
      values.push(...(output.SecretValues ?? []));
      errors.push(...(output.Errors ?? []));
      nextToken = output.NextToken;
    } while (nextToken);
  } catch (e) {
    if (errorName(e) === 'AccessDeniedException') {
      // The role may read the secrets but not call BatchGetSecretValue: never batch again.
      batchDenied = true;
      return Promise.all(ids.map((id) => fetchOne(smClient, id, undefined)));
    }
    return Promise.all(ids.map((id) => toSecretError(smClient, id, errorName(e), e)));
  }
  const byNameOrArn = new Map<string, (typeof values)[number]>();
  for (const v of values) {
    if (v.Name !== undefined) byNameOrArn.set(v.Name, v);
    if (v.ARN !== undefined) byNameOrArn.set(v.ARN, v);
  }
  return Promise.all(ids.map(async (id): Promise<Outcome> => {
    const v = byNameOrArn.get(id) ?? (id.startsWith('arn:') ? values.find((x) => isPartialArnOf(id, x.ARN)) : undefined);
    if (v !== undefined) return checkValue(id, v.SecretString, v.SecretBinary !== undefined);
    const err = errors.find((x) => x.SecretId === id || (x.SecretId !== undefined && isPartialArnOf(id, x.SecretId)));
    if (err !== undefined) return toSecretError(smClient, id, err.ErrorCode ?? 'UnknownError', { message: err.Message });
    return new SecretFetchError(id, 'MissingFromBatchResponse', 'the BatchGetSecretValue response had no entry for it');
  }));
}

/** An ARN without the 6-character random suffix ("-AbCdEf") names the secret whose full ARN is `arn`. */
function isPartialArnOf(partial: string, arn: string | undefined): boolean {
  return arn !== undefined && arn.length === partial.length + 7 && arn.startsWith(partial) && arn[partial.length] === '-';
}

function checkLocal(id: string): Outcome {
  const local = readLocal(id);
  return typeof local === 'string' ? checkValue(id, local, false) : local;
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

async function toSecretError(smClient: SecretsManagerClient, id: string, name: string, e: unknown): Promise<SecretError> {
  if (name === 'ResourceNotFoundException') return new SecretNotFoundError(id, await regionOf(smClient));
  if (name === 'AccessDeniedException') return new SecretAccessDeniedError(id);
  if (KMS_ERRORS.has(name)) return new SecretDecryptionError(id, name);
  // Service and network error messages describe the request, not the value; cap their length anyway.
  const message = typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message.slice(0, 300) : '';
  return new SecretFetchError(id, name, message);
}

async function regionOf(smClient: SecretsManagerClient): Promise<string | undefined> {
  try {
    return await smClient.config.region();
  } catch {
    return undefined;
  }
}

/** The AWS error name, or for a plain network error its code (ECONNRESET, ...). */
function errorName(e: unknown): string {
  const { name, code } = (e ?? {}) as { name?: unknown; code?: unknown };
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  return typeof code === 'string' && code !== '' ? code : 'Error';
}

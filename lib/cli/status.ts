/*
 * A secret's status. Telling a placeholder from a real value needs the value itself, so the
 * current version is read with GetSecretValue; only the placeholder marker and a SHA-256
 * fingerprint are taken from it, and the value goes no further.
 */
import { createHash } from 'node:crypto';
import type { DescribeSecretCommandOutput } from '@aws-sdk/client-secrets-manager';
import { PLACEHOLDER_MARKER_KEY } from '../env-contract';
import { attemptsOf, clientFor, errorCode, fatalAwsError, isScheduledForDeletion, isThrottlingCode, isTimeoutCode, KMS_ERRORS, loadSdk, LOCATION_MISMATCH, locationMismatch, MALFORMED_RESPONSE, malformedDetail, noAnswer, secretIdOf, throttlingDetail, whereOf } from './aws';
import { SecretEntry } from './inventory';
import { jsonShapeProblems } from './shape';

/** `unset`: the secret exists but has no current value (created without one, e.g. `create-secret --name`). */
export type Status = 'set' | 'placeholder' | 'unset' | 'missing' | 'denied' | 'error';

export interface SecretStatus {
  readonly status: Status;
  /** One line for people: when it changed, why it is missing, which permission is lacking. */
  readonly detail: string;
  /** When the current value was set (its version's creation date). */
  readonly lastChanged?: Date;
  /** The AWS error code behind `denied`, `error` and some `missing`. */
  readonly errorCode?: string;
  /** SHA-256 of the current value; never shown, only compared. */
  readonly fingerprint?: string;
}

/** SHA-256 of a value, as hex. */
export function fingerprint(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Checks one secret. Rejects only with errors that end the command (credentials, region, SDK). */
export async function checkSecret(entry: SecretEntry): Promise<SecretStatus> {
  if (entry.deployTimeRefs || entry.failedLookup) return { status: 'error', detail: nameProblem(entry), errorCode: NAME_UNRESOLVED };
  const sdk = loadSdk();
  const client = clientFor(entry.region);
  const secretId = secretIdOf(entry);
  try {
    const output = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    // Another account's secret of the same name says nothing about this one.
    const mismatch = locationMismatch(entry, output.ARN);
    if (mismatch) return { status: 'error', detail: mismatch, errorCode: LOCATION_MISMATCH };
    // Secrets Manager always sends one of them; an answer with neither is another service's (`{}`), not a value.
    if (output.SecretString === undefined && output.SecretBinary === undefined) {
      return { status: 'error', detail: malformedDetail(entry, output, 'no secret value in it'), errorCode: MALFORMED_RESPONSE };
    }
    const lastChanged = output.CreatedDate;
    const when = lastChanged ? `last changed ${formatDate(lastChanged)}` : 'value present';
    if (output.SecretString !== undefined && isPlaceholder(output.SecretString)) {
      return { status: 'placeholder', detail: 'still the generated placeholder', lastChanged, fingerprint: fingerprint(output.SecretString) };
    }
    const value = output.SecretString ?? output.SecretBinary!;
    // A value without a declared key passes for set here and fails in the handler (getSecretJson).
    const shape = entry.jsonKeys && output.SecretString !== undefined ? jsonShapeProblems(entry.jsonKeys, output.SecretString) : [];
    if (shape.length > 0) {
      return { status: 'error', detail: `its value does not fit the declared JSON shape: ${shape.join('; ')}`, lastChanged, errorCode: SHAPE_MISMATCH, fingerprint: fingerprint(value) };
    }
    return { status: 'set', detail: when, lastChanged, fingerprint: fingerprint(value) };
  } catch (e) {
    const fatal = fatalAwsError(e, entry);
    if (fatal) throw fatal;
    return statusFromError(entry, secretId, e);
  }
}

async function statusFromError(entry: SecretEntry, secretId: string, e: unknown): Promise<SecretStatus> {
  const code = errorCode(e);
  if (code === 'ResourceNotFoundException') {
    const missing: SecretStatus = { status: 'missing', detail: `not found in ${whereOf(entry)}${entry.imported ? ' (created outside this app)' : ': not deployed, or deleted'}`, errorCode: code };
    return describeWhenNotFound(entry, secretId, missing);
  }
  if (isScheduledForDeletion(e)) return { ...scheduledForDeletion(entry), errorCode: code };
  if (KMS_ERRORS.has(code)) {
    return { status: 'denied', detail: `cannot decrypt it (${code}): needs kms:Decrypt on the secret's KMS key, via secretsmanager`, errorCode: code };
  }
  if (code === 'AccessDeniedException') return describeWhenDenied(entry, secretId);
  const unanswered = noAnswer(entry, e);
  if (unanswered) return { status: 'error', ...unanswered };
  if (isThrottlingCode(code)) return { status: 'error', detail: throttlingDetail(e), errorCode: code };
  const attempts = attemptsOf(e);
  return { status: 'error', detail: `${code}${attempts && attempts > 1 ? ` after ${attempts} attempts` : ''}`, errorCode: code };
}

/**
 * GetSecretValue found no value: AWS says so in the same words (ResourceNotFoundException) for a
 * secret that exists without a current value (created without one) as for no secret at all, and
 * only DescribeSecret tells them apart. The first can be written; when it cannot be told, missing.
 */
async function describeWhenNotFound(entry: SecretEntry, secretId: string, missing: SecretStatus): Promise<SecretStatus> {
  try {
    const { settled } = await describe(entry, secretId);
    return settled ?? { status: 'unset', detail: 'exists, but has no value yet' };
  } catch (e) {
    const fatal = fatalAwsError(e, entry);
    if (fatal) throw fatal;
    return missing;
  }
}

/** GetSecretValue was denied: DescribeSecret still tells a missing or deleted secret from one that exists. */
async function describeWhenDenied(entry: SecretEntry, secretId: string): Promise<SecretStatus> {
  try {
    const { settled, described } = await describe(entry, secretId);
    if (settled) return settled;
    const changed = described.LastChangedDate ? `, last changed ${formatDate(described.LastChangedDate)}` : '';
    return {
      status: 'denied',
      detail: `exists${changed}, but its value cannot be read to tell a placeholder from a real value: needs secretsmanager:GetSecretValue on ${secretId}`,
      lastChanged: described.LastChangedDate,
      errorCode: 'AccessDeniedException',
    };
  } catch (e) {
    const fatal = fatalAwsError(e, entry);
    if (fatal) throw fatal;
    if (errorCode(e) === 'ResourceNotFoundException') return { status: 'missing', detail: `not found in ${whereOf(entry)}`, errorCode: 'ResourceNotFoundException' };
    return { status: 'denied', detail: `needs secretsmanager:GetSecretValue (or at least DescribeSecret) on ${secretId}`, errorCode: 'AccessDeniedException' };
  }
}

/**
 * DescribeSecret, after GetSecretValue could not tell: with the status its answer settles on its own
 * whichever way that failed (another account's secret, or one scheduled for deletion).
 */
async function describe(entry: SecretEntry, secretId: string): Promise<{ settled?: SecretStatus; described: DescribeSecretCommandOutput }> {
  const described = await clientFor(entry.region).send(new (loadSdk().DescribeSecretCommand)({ SecretId: secretId }));
  const mismatch = locationMismatch(entry, described.ARN);
  if (mismatch) return { settled: { status: 'error', detail: mismatch, errorCode: LOCATION_MISMATCH }, described };
  if (described.DeletedDate) return { settled: scheduledForDeletion(entry), described };
  return { described };
}

function scheduledForDeletion(entry: SecretEntry): SecretStatus {
  return { status: 'missing', detail: `scheduled for deletion; restore it with aws secretsmanager restore-secret --secret-id ${entry.secretName}` };
}

/** The errorCode of a JSON-shaped secret whose current value lacks a declared key (or is no JSON object). */
export const SHAPE_MISMATCH = 'ShapeMismatch';

/** The errorCode of a secret whose physical name the assembly does not know: it is known only at deploy, or a lookup failed. */
export const NAME_UNRESOLVED = 'NameUnresolved';

/**
 * Why the CLI cannot act on a secret whose physical name the assembly does not know (a deploy-time
 * value in it, or the dummy value of a failed context lookup), and what to do instead.
 */
export function nameProblem(entry: SecretEntry): string {
  if (entry.failedLookup) {
    return `its physical name ${entry.secretName} holds the dummy value CDK puts in place of a context lookup that cdk synth could not make ` +
      `(${entry.failedLookup}), so it is not the deployed secret's name: run npx cdk synth again with credentials that can make the lookup ` +
      '(for the stack\'s account), then run this command again';
  }
  const refs = entry.deployTimeRefs ?? [];
  return `its physical name ${entry.secretName} depends on a value known only at deploy (parameter${refs.length > 1 ? 's' : ''} ${refs.join(', ')}), ` +
    'so the CLI cannot tell which secret it is: use the deployed name with aws secretsmanager put-secret-value --secret-id NAME (describe-secret to check it), ' +
    'or give the secret a name known at synth (environment from context)';
}

/** Whether a value is AppSecret's generated placeholder: a JSON object with the marker key. */
export function isPlaceholder(value: string): boolean {
  if (!value.includes(PLACEHOLDER_MARKER_KEY)) return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && PLACEHOLDER_MARKER_KEY in parsed;
  } catch {
    return false;
  }
}

/** `2026-11-23 14:05 UTC`. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Checks many secrets, a few at a time, calling `progress` after each. Results are in the order of
 * `entries`. Once a check gets no answer in time, the region's secrets not yet asked about are not
 * checked: behind a dead VPN or endpoint each would wait out every attempt again (minutes for a long
 * list); they get the same error code, so `load` refuses them as it does the first.
 */
export async function checkSecrets(entries: readonly SecretEntry[], progress?: (done: number, total: number) => void): Promise<SecretStatus[]> {
  const results: SecretStatus[] = new Array(entries.length);
  const silentRegions = new Map<string, { entry: SecretEntry; status: SecretStatus }>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < entries.length) {
      const index = next++;
      const entry = entries[index];
      const silent = silentRegions.get(entry.region ?? '');
      results[index] = silent ? notChecked(silent.entry, silent.status) : await checkSecret(entry);
      if (!silent && results[index].status === 'error' && isTimeoutCode(results[index].errorCode)) silentRegions.set(entry.region ?? '', { entry, status: results[index] });
      progress?.(++done, entries.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, entries.length) }, worker));
  return results;
}

/** The status of a secret left unchecked because the check of `silent` in its region got no answer. */
function notChecked(silent: SecretEntry, status: SecretStatus): SecretStatus {
  return { status: 'error', detail: `not checked, as the check of ${silent.secretName} got ${status.detail}`, errorCode: status.errorCode };
}

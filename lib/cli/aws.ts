/*
 * Talking to Secrets Manager. The SDK is not a dependency of this package (the Lambda runtime
 * provides it to handlers), so it is loaded with require() on first use, from the package's own
 * location or the current project, and a missing SDK is an error that says what to install.
 * Credentials, retries and endpoints are the SDK's standard chain (AWS_PROFILE, AWS_REGION,
 * AWS_MAX_ATTEMPTS, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CliError } from './errors';
import { SecretEntry } from './inventory';
import { partitionOf } from './template-values';

export type Sdk = typeof import('@aws-sdk/client-secrets-manager');

const SDK_MODULE = '@aws-sdk/client-secrets-manager';

let sdk: Sdk | undefined;
const clients = new Map<string, SecretsManagerClient>();

export function loadSdk(): Sdk {
  if (sdk) return sdk;
  // Lazy on purpose, and not a dependency: from this package's location, else from the current project.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const load of [() => require(SDK_MODULE), () => require(require.resolve(SDK_MODULE, { paths: [process.cwd()] }))]) {
    try {
      sdk = load() as Sdk;
      return sdk;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new CliError('this command needs the AWS SDK for JavaScript v3 Secrets Manager client, which is not installed. ' +
    `Install it in your CDK app: npm install --save-dev ${SDK_MODULE}`);
}

/**
 * How long one attempt may wait for Secrets Manager, unless CDK_APP_SECRETS_REQUEST_TIMEOUT_MS (the
 * runtime's variable) says otherwise. The SDK sets no limit of its own: without one, an endpoint
 * that accepts the connection and never answers (a firewall, a VPN, a proxy) hangs the command.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_VARIABLE = 'CDK_APP_SECRETS_REQUEST_TIMEOUT_MS';

/** The per-attempt timeout in ms; a usable value of the variable, else the default. */
export function requestTimeoutMs(): number {
  const raw = process.env[REQUEST_TIMEOUT_VARIABLE];
  if (raw === undefined || raw.trim() === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new CliError(`${REQUEST_TIMEOUT_VARIABLE} must be a whole number of milliseconds between 1 and ${2 ** 31 - 1} (it is '${raw}')`);
  }
  return value;
}

/** One client per region; `undefined` is the SDK's default region. */
export function clientFor(region: string | undefined): SecretsManagerClient {
  const key = region ?? '';
  let client = clients.get(key);
  if (!client) {
    const timeout = requestTimeoutMs();
    client = new (loadSdk().SecretsManagerClient)({
      ...(region ? { region } : {}),
      requestHandler: { requestTimeout: timeout, connectionTimeout: timeout, throwOnRequestTimeout: true },
    });
    clients.set(key, client);
  }
  return client;
}

export function destroyClients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}

/**
 * The SecretId to call with: the complete ARN a function names the secret by, when it does (the
 * name alone would not reach it: in AWS a name means the caller's account). In a stack with a known
 * account and region, the ARN without its random suffix, so the call reaches that account (or fails
 * there) instead of whatever account the credentials are in; otherwise the name. A name that itself
 * ends like a suffix keeps the name.
 */
export function secretIdOf(entry: SecretEntry): string {
  if (entry.arn) return entry.arn;
  if (entry.account && entry.region && !/-[A-Za-z0-9]{6}$/.test(entry.secretName)) {
    return `arn:${partitionOf(entry.region)}:secretsmanager:${entry.region}:${entry.account}:secret:${entry.secretName}`;
  }
  return entry.secretName;
}

/** The errorCode of a status whose secret answered from another account or region than the stack's. */
export const LOCATION_MISMATCH = 'AccountMismatch';

/**
 * Why the secret that answered (its ARN, from the response) is not the entry's, or undefined when
 * it is. A name means a secret of the credentials' account (secretIdOf uses one when an ARN would
 * be misread), so credentials for another account than the stack's reach a same-named secret there.
 */
export function locationMismatch(entry: SecretEntry, arn: string | undefined): string | undefined {
  const match = /^arn:[^:]+:secretsmanager:([^:]+):([^:]+):secret:/.exec(arn ?? '');
  if (!match) return undefined;
  const [, region, account] = match;
  if (entry.account && account !== entry.account) {
    return `your credentials reach it in account ${account}, not the stack's account ${entry.account}: ` +
      `use credentials for account ${entry.account} (e.g. AWS_PROFILE)`;
  }
  if (entry.region && region !== entry.region) {
    return `it answered from region ${region}, not the stack's region ${entry.region}: check AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_REGION`;
  }
  return undefined;
}

/** Where a secret is looked up, for messages: `us-east-1` or `the default region`. */
export function whereOf(entry: SecretEntry): string {
  const region = entry.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
  const where = region ? `region ${region}` : 'the default region';
  return entry.account ? `account ${entry.account}, ${where}` : where;
}

/** The AWS error code (the exception name), e.g. `ResourceNotFoundException`. */
export function errorCode(e: unknown): string {
  const { name, code } = (e ?? {}) as { name?: unknown; code?: unknown };
  // The SDK names a connection cut before the answer TimeoutError; its code says what happened (as
  // the runtime reads it): a reset is a proxy, a firewall or the endpoint, which more time does not help.
  if (name === 'TimeoutError' && (code === 'ECONNRESET' || code === 'EPIPE')) return code;
  if (typeof name === 'string' && name !== 'Error') return name;
  // Network failures are plain Errors with a Node code, e.g. ECONNREFUSED.
  return typeof code === 'string' ? code : 'UnknownError';
}

/** How many attempts the SDK made, when it says. */
export function attemptsOf(e: unknown): number | undefined {
  return (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
}

/** An error no secret can get past (credentials, region): it ends the command, where others end one secret. */
export class FatalAwsError extends CliError {
  /**
   * @param beforeWriting the message when the request was a check that `set` or `load` makes before
   *   writing: what it was doing, and that nothing was written
   */
  constructor(message: string, readonly beforeWriting: string = message) {
    super(message);
    this.name = 'FatalAwsError';
  }
}

/**
 * Errors that no secret can get past (no credentials, no region, rejected credentials): they end
 * the command with one message instead of one error per secret. `action` is what the request did,
 * so that a write is not reported as a read.
 */
export function fatalAwsError(e: unknown, entry: SecretEntry, action: 'reading' | 'writing' = 'reading'): FatalAwsError | undefined {
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    const profile = process.env.AWS_PROFILE;
    if (profile) {
      // The profile is missing, misspelled or expired: telling them to set AWS_PROFILE would not help.
      return new FatalAwsError(`AWS_PROFILE=${profile} gives no credentials: check that the profile exists (aws configure list-profiles), ` +
        'and sign in again if it uses SSO (aws sso login).');
    }
    return new FatalAwsError('no AWS credentials found. Configure them as for the AWS CLI: AWS_PROFILE (after `aws configure` or ' +
      '`aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.');
  }
  if (/Region is missing/i.test(message)) {
    return new FatalAwsError(`no AWS region for stack ${entry.stack.displayName}: it is environment-agnostic, so the SDK's default region is used, and none is configured. ` +
      'Set AWS_REGION (or a region in your AWS profile), or give the stack an env in the app.');
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(code)) {
    const rejected = (doing: string) => `AWS rejected the credentials (${code}) while ${doing}. Refresh them (e.g. \`aws sso login\`) or check AWS_PROFILE.`;
    return action === 'writing'
      ? new FatalAwsError(rejected(`writing secret ${entry.secretName}, so it was not written`))
      : new FatalAwsError(rejected(`reading secret ${entry.secretName}`), rejected(`checking secret ${entry.secretName} before writing, so nothing was written`));
  }
  return undefined;
}

/**
 * Resolves the region and credentials requests for `entry` will use (the SDK keeps them), so that a
 * command fails on them before it asks for a value it could not write.
 */
export async function resolveCredentials(entry: SecretEntry): Promise<void> {
  const { config } = clientFor(entry.region);
  try {
    await config.region();
    await config.credentials();
  } catch (e) {
    throw fatalAwsError(e, entry) ?? e;
  }
}

/** The error codes of an attempt that got no answer in time (request or connection timeout). */
const TIMEOUT_CODES: readonly string[] = ['TimeoutError', 'ETIMEDOUT'];

/** Whether the SDK gave up waiting for an answer (connection or request timeout). */
export function isTimeout(e: unknown): boolean {
  return isTimeoutCode(errorCode(e));
}

/** Whether an error code (a status's errorCode, say) is one of a timeout. */
export function isTimeoutCode(code: string | undefined): boolean {
  return code !== undefined && TIMEOUT_CODES.includes(code);
}

/** What a timeout means and what to do, naming where the secret was looked up. */
export function timeoutDetail(entry: SecretEntry, e: unknown): string {
  const attempts = attemptsOf(e);
  return `no answer from Secrets Manager in ${whereOf(entry)} within ${requestTimeoutMs() / 1000} s` +
    `${attempts && attempts > 1 ? ` (${attempts} attempts)` : ''}: check your network, VPN or proxy and AWS_ENDPOINT_URL_SECRETS_MANAGER, ` +
    `or allow longer with ${REQUEST_TIMEOUT_VARIABLE}`;
}

/** Node's codes for a connection that could not be made or was cut (refused, no such host, no route). */
const UNREACHABLE_CODES: readonly string[] = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE'];

/** Whether an error code (a status's errorCode, say) is one of a connection that failed. */
export function isUnreachableCode(code: string | undefined): boolean {
  return code !== undefined && UNREACHABLE_CODES.includes(code);
}

/** What a failed connection means and what to do, naming where the secret was looked up. */
export function unreachableDetail(entry: SecretEntry, e: unknown): string {
  const attempts = attemptsOf(e);
  return `could not reach Secrets Manager in ${whereOf(entry)} (${errorCode(e)}${attempts && attempts > 1 ? `, ${attempts} attempts` : ''}): ` +
    'check your network, VPN or proxy and AWS_ENDPOINT_URL_SECRETS_MANAGER';
}

/** Error codes of throttling (Secrets Manager's is ThrottlingException), which the SDK retries up to its attempts. */
const THROTTLING_CODES: readonly string[] = ['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded'];

/** Whether an error code (a status's errorCode, say) is one of throttling. */
export function isThrottlingCode(code: string | undefined): boolean {
  return code !== undefined && THROTTLING_CODES.includes(code);
}

/**
 * What to do once throttling outlasted the SDK's attempts. The client sets no maxAttempts or
 * retryMode, so the SDK's own AWS_MAX_ATTEMPTS (and a profile's max_attempts) apply.
 */
export const THROTTLING_HINT = 'wait a minute and run it again, or let the SDK try more often with AWS_MAX_ATTEMPTS (e.g. AWS_MAX_ATTEMPTS=10), ' +
  'or max_attempts in your AWS profile';

/** What throttling that outlasted the SDK's attempts means and what to do. */
export function throttlingDetail(e: unknown): string {
  const attempts = attemptsOf(e);
  return `Secrets Manager throttled the requests (${errorCode(e)}${attempts ? `, ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''}): ${THROTTLING_HINT}`;
}

/** The errorCode of an answer that is not Secrets Manager's (the runtime's name for it too). */
export const MALFORMED_RESPONSE = 'MalformedResponse';

/** Whether the SDK could not read the answer at all: its body was not JSON (a proxy's page, another service). */
export function isMalformedResponse(e: unknown): boolean {
  return errorCode(e) === 'SyntaxError';
}

/**
 * What an answer that is not Secrets Manager's means and what to do; `what` says what was wrong with
 * it. Never the body: V8's SyntaxError quotes it, and it may hold the value.
 */
export function malformedDetail(entry: SecretEntry, response: unknown, what: string): string {
  const { httpStatusCode, attempts } = (response as { $metadata?: { httpStatusCode?: number; attempts?: number } })?.$metadata ?? {};
  const facts = [httpStatusCode ? `HTTP ${httpStatusCode}` : '', what, attempts && attempts > 1 ? `${attempts} attempts` : ''].filter(Boolean).join(', ');
  return `the endpoint for Secrets Manager in ${whereOf(entry)} answered with something that is not a Secrets Manager response (${facts}): ` +
    'a proxy, a captive portal or another service answered instead. Check AWS_ENDPOINT_URL_SECRETS_MANAGER (and AWS_ENDPOINT_URL), your network, VPN or proxy';
}

/**
 * What a request that got no usable answer means and what to do (none in time, no connection, or an
 * answer that is not Secrets Manager's), with the status code for it; undefined for any other error.
 * Any other request to that endpoint would end the same way.
 */
export function noAnswer(entry: SecretEntry, e: unknown): { readonly detail: string; readonly errorCode: string } | undefined {
  const code = errorCode(e);
  if (isTimeoutCode(code)) return { detail: timeoutDetail(entry, e), errorCode: code };
  if (isUnreachableCode(code)) return { detail: unreachableDetail(entry, e), errorCode: code };
  if (isMalformedResponse(e)) return { detail: malformedDetail(entry, e, 'not JSON'), errorCode: MALFORMED_RESPONSE };
  return undefined;
}

/** Whether a status's errorCode is one `noAnswer` gives. */
export function isNoAnswerCode(code: string | undefined): boolean {
  return isTimeoutCode(code) || isUnreachableCode(code) || code === MALFORMED_RESPONSE;
}

/** Whether an InvalidRequestException means the secret is scheduled for deletion. */
export function isScheduledForDeletion(e: unknown): boolean {
  return errorCode(e) === 'InvalidRequestException' && /deleted|deletion/i.test(e instanceof Error ? e.message : '');
}

export const KMS_ERRORS = new Set(['DecryptionFailure', 'EncryptionFailure', 'KMSAccessDeniedException', 'KMSDisabledException', 'KMSInvalidStateException', 'KMSNotFoundException']);

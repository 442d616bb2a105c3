/*
 * The AWS Parameters and Secrets Lambda Extension as a transport. When the function has the extension
 * (CDK's `paramsAndSecrets` sets PARAMETERS_SECRETS_EXTENSION_HTTP_PORT; the layer installs
 * /opt/extensions/AWSParametersAndSecretsLambdaExtension), misses are read from
 * `GET http://localhost:<port>/secretsmanager/get?secretId=<id>` over node:http, in parallel on
 * keep-alive sockets, and the AWS SDK is never loaded.
 *
 * The extension answers 200 with GetSecretValue's JSON, or passes a Secrets Manager error on with its
 * status and `{"__type": "<ErrorName>", ...}`; its own failures are other statuses and plain text
 * (403 "Bad Token", 400/503 while it is not ready during INIT, 404, 429, 500 InternalFailure, 502, 504).
 * A Secrets Manager error becomes the same typed error as over the SDK; anything else is a read the
 * extension cannot serve, and falls back to the SDK. After a connection failure or a "not ready" answer
 * the extension is skipped for a while (1 s, doubling to 60 s) instead of being retried on every read.
 * No body is ever copied into an error: only a vetted error name and the HTTP status pass.
 */
import type { Agent, IncomingMessage } from 'node:http';
import { SecretAccessDeniedError, SecretDecryptionError, SecretFetchError, SecretNotFoundError, SecretTimeoutError } from './errors';
import { thawAwareTimeout } from './freeze';
import { nodeBuiltin } from './load';
import { ResolvedSettings } from './options';
import { checkValue, Deadline, Outcome, VersionSelector } from './transport';

/** The extension's port variable, set by CDK's `paramsAndSecrets` (default port 2773). */
export const EXTENSION_PORT_ENV = 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT';
/** @internal Where the extension's layer installs its executable. */
export const EXTENSION_FILE = '/opt/extensions/AWSParametersAndSecretsLambdaExtension';
const DEFAULT_PORT = 2773;
const TOKEN_HEADER = 'X-Aws-Parameters-Secrets-Token';
/** A secret is at most 64 KB; a larger answer is not GetSecretValue's. */
const MAX_BODY_BYTES = 512 * 1024;
const FIRST_COOLDOWN_MS = 1000;
const MAX_COOLDOWN_MS = 60_000;

/** Secrets Manager error names the extension passes on (anything else is the extension's own trouble). */
const SM_ERRORS = new Set([
  'ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException',
  'InvalidParameterException', 'ThrottlingException', 'InternalServiceError', 'ValidationException',
  'KMSAccessDeniedException', 'KMSDisabledException', 'KMSInvalidStateException', 'KMSNotFoundException',
]);
const KMS = /^(?:DecryptionFailure|KMS[A-Za-z]+Exception)$/;

/** @internal What a read the extension could not serve resolves with: read it with the SDK. */
export const FALLBACK: unique symbol = Symbol('cdk-app-secrets.extension-fallback');

/** @internal Where the extension listens and the token it wants. */
export interface ExtensionTarget {
  readonly port: number;
  readonly token: string;
}

let layerPresent: boolean | undefined;
let agent: Agent | undefined;
let downUntil = 0;
let cooldownMs = 0;
let served = 0;
let fellBack = 0;

/**
 * @internal The extension to read through, or undefined: off by setting, no session token (nothing
 * to authenticate with), or (unless forced on) neither its port variable nor its layer is present, or
 * the caller gave its own client or client config (a region, endpoint or credentials the extension,
 * which reads with the function's own, would silently ignore). Also undefined for a `fresh` read
 * (forceRefresh, withSecrets after a rotation) while the extension caches, as it does unless its
 * cache is turned off: it would answer with the value it cached, up to its TTL old.
 */
export function extensionTarget(s: ResolvedSettings, fresh: boolean): ExtensionTarget | undefined {
  const env = process.env;
  // The extension caches unless told not to (CDK's paramsAndSecrets writes the variable, true by default).
  if (s.useExtension === false || (fresh && env.PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED !== 'false')) return undefined;
  const token = env.AWS_SESSION_TOKEN;
  if (!token) return undefined;
  const portText = env[EXTENSION_PORT_ENV]?.trim();
  if (s.useExtension !== true && (s.client !== undefined || s.clientConfig !== undefined || (!portText && !hasLayer()))) return undefined;
  const port = portText ? Number(portText) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { port, token };
}

/** @internal Whether `id` can be read through the extension: a name, or an ARN of the function's own region. */
export function extensionReads(id: string, region: string | undefined): boolean {
  if (!id.startsWith('arn:')) return true;
  return region !== undefined && id.split(':', 4)[3] === region;
}

/** @internal Read `ids` through the extension in parallel: an outcome per id, or FALLBACK. Never rejects. */
export function readThroughExtension(target: ExtensionTarget, ids: readonly string[], version: VersionSelector | undefined,
  deadline: Deadline, requestTimeoutMs: number): Promise<Array<Outcome | typeof FALLBACK>> {
  if (Date.now() < downUntil) {
    fellBack += ids.length;
    return Promise.resolve(ids.map(() => FALLBACK));
  }
  return Promise.all(ids.map((id) => readOne(target, id, version, deadline, requestTimeoutMs)));
}

/** @internal How many reads the extension served and how many fell back to the SDK (for the example and benchmarks). */
export function extensionStats(): { readonly served: number; readonly fellBack: number } {
  return { served, fellBack };
}

/** @internal Forget the extension's state and close its sockets (tests only). */
export function resetExtension(): void {
  agent?.destroy();
  agent = undefined;
  layerPresent = undefined;
  downUntil = 0;
  cooldownMs = 0;
  served = 0;
  fellBack = 0;
}

async function readOne(target: ExtensionTarget, id: string, version: VersionSelector | undefined,
  deadline: Deadline, requestTimeoutMs: number): Promise<Outcome | typeof FALLBACK> {
  let answer: { status: number; body: string } | typeof FALLBACK;
  try {
    answer = await deadline.race(request(target, id, version, deadline.signal, requestTimeoutMs));
  } catch {
    answer = FALLBACK;
  }
  if (answer === FALLBACK) {
    // Refused, reset, or no whole answer in time (its request timer, or the deadline):
    // the extension is not (yet) there, for this read or the next ones.
    markDown();
    if (deadline.signal.aborted) return new SecretTimeoutError(id, deadline.timeoutMs);
    fellBack++;
    return FALLBACK;
  }
  const outcome = interpret(id, answer.status, answer.body, version);
  if (outcome === FALLBACK) fellBack++;
  else served++;
  return outcome;
}

/** What an answer means; FALLBACK for anything that is neither a value nor a Secrets Manager error. */
function interpret(id: string, status: number, body: string, version: VersionSelector | undefined): Outcome | typeof FALLBACK {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const fields = typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : undefined;
  if (status === 200) {
    recovered();
    if (typeof fields?.SecretString === 'string') return checkValue(id, fields.SecretString, false);
    if (fields?.SecretBinary !== undefined) return checkValue(id, undefined, true);
    return FALLBACK;
  }
  const type = typeof fields?.__type === 'string' ? fields.__type.split('#').pop()! : undefined;
  if (type === undefined) {
    // Plain text: the extension's own refusal (not ready during INIT, bad token, busy). Not now.
    markDown();
    return FALLBACK;
  }
  recovered();
  if (!SM_ERRORS.has(type)) return FALLBACK; // Its upstream call failed (timeout, connection): the SDK may do better.
  if (type === 'ResourceNotFoundException') return new SecretNotFoundError(id, process.env.AWS_REGION, version);
  if (type === 'AccessDeniedException') return new SecretAccessDeniedError(id);
  if (KMS.test(type)) return new SecretDecryptionError(id, type);
  return new SecretFetchError(id, type, `HTTP ${status} from the Parameters and Secrets Lambda Extension`);
}

function request(target: ExtensionTarget, id: string, version: VersionSelector | undefined, signal: AbortSignal,
  timeoutMs: number): Promise<{ status: number; body: string } | typeof FALLBACK> {
  const http = nodeBuiltin<typeof import('node:http')>('node:http');
  agent ??= new http.Agent({ keepAlive: true });
  let path = `/secretsmanager/get?secretId=${encodeURIComponent(id)}`;
  if (version?.versionStage !== undefined) path += `&versionStage=${encodeURIComponent(version.versionStage)}`;
  if (version?.versionId !== undefined) path += `&versionId=${encodeURIComponent(version.versionId)}`;
  return new Promise((resolve) => {
    // Set once an answer started or the request's time ran out: no second try then.
    let started = false;
    // 127.0.0.1, not "localhost": no name lookup, and no ::1 first on hosts that prefer IPv6.
    const req = http.get({ host: '127.0.0.1', port: target.port, path, agent, signal, headers: { [TOKEN_HEADER]: target.token } },
      (res: IncomingMessage) => {
        started = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            resolve(FALLBACK);
          } else {
            chunks.push(chunk);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve(FALLBACK));
        res.on('aborted', () => resolve(FALLBACK));
      });
    // A timer for the whole request, not the socket's idle timeout: an answer that trickles in a byte
    // at a time restarts an idle timeout forever, and the SDK would never get its half of the deadline.
    // After a freeze (the extension was frozen too) the answer may be waiting: it gets its time.
    req.on('close', thawAwareTimeout(() => {
      started = true;
      req.destroy();
    }, timeoutMs));
    // A kept-alive connection the extension closed while idle, before this process saw the close (as
    // across a freeze longer than its keep-alive timeout), fails at once: try again on another
    // connection (each such failure drops one dead connection from the pool, so this ends).
    req.on('error', () => resolve(req.reusedSocket && !started && !signal.aborted ? request(target, id, version, signal, timeoutMs) : FALLBACK));
  });
}

function markDown(): void {
  const now = Date.now();
  if (now < downUntil) return; // Many reads failing together count once.
  cooldownMs = cooldownMs === 0 ? FIRST_COOLDOWN_MS : Math.min(MAX_COOLDOWN_MS, cooldownMs * 2);
  downUntil = now + cooldownMs;
}

function recovered(): void {
  cooldownMs = 0;
}

function hasLayer(): boolean {
  if (layerPresent === undefined) {
    try {
      layerPresent = nodeBuiltin<typeof import('node:fs')>('node:fs').existsSync(EXTENSION_FILE);
    } catch {
      layerPresent = false;
    }
  }
  return layerPresent;
}

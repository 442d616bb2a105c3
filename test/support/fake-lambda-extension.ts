/*
 * A local HTTP endpoint speaking the AWS Parameters and Secrets Lambda Extension's protocol, for tests,
 * the example's local runner and benchmarks. It reads from a fake Secrets Manager the way the extension
 * reads from AWS, and answers as the extension does:
 *
 *   GET /secretsmanager/get?secretId=<id>[&versionStage=<stage>|&versionId=<id>]
 *   header X-Aws-Parameters-Secrets-Token: <the function's AWS_SESSION_TOKEN>
 *
 * - 200 with GetSecretValue's JSON (ARN, Name, VersionId, SecretString or SecretBinary, VersionStages, CreatedDate);
 * - a Secrets Manager error passed on with its status and body (`{"__type": "...", "message": "..."}`);
 * - its own refusals as plain text: 403 "Bad Token" (token missing or wrong), 404 "Not found" (another path),
 *   405 (not GET), and, until `setReady(true)` when started with `ready: false`, 400 "not ready to serve
 *   traffic, please wait", as during a function's INIT phase.
 *
 * Its upstream requests are unsigned, so on the fake Secrets Manager they show with `region: undefined`,
 * which tells them from the SDK's (signed) requests. It does not cache unless started with `cacheTtlMs`
 * (the real one caches by default: CDK's `paramsAndSecrets` sets PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED
 * true and SECRETS_MANAGER_TTL 300 unless told otherwise); then it answers from its cache within the TTL.
 *
 * Faults (injectFault): `hang`, `drop-connection`, `stall-body`, `trickle-body` (headers, then a space every
 * 50 ms until the client gives up: no idle timeout ever fires), `malformed-body` (200, invalid JSON quoting the
 * value), `internal-failure` (500 InternalFailure JSON), `upstream-timeout` (504 TimeoutError JSON), `busy`
 * (429 plain text), `not-ready`, `error-json` (an error answer with the given `status`, `errorType` and `message`),
 * `plain-error` (the given `status` with `message` as plain text).
 */
import { createServer, IncomingMessage, request, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from './local-server';

export type ExtensionFaultKind = 'hang' | 'drop-connection' | 'stall-body' | 'trickle-body' | 'malformed-body' | 'internal-failure'
| 'upstream-timeout' | 'busy' | 'not-ready' | 'error-json' | 'plain-error';

export interface ExtensionFault {
  readonly kind: ExtensionFaultKind;
  /** Only requests for this secret id; default any. */
  readonly secretId?: string;
  /** How many matching requests it applies to; default unlimited. */
  readonly times?: number;
  /** For `error-json` and `plain-error`: the HTTP status (default 400). */
  readonly status?: number;
  /** For `error-json`: the `__type` (default ResourceNotFoundException). */
  readonly errorType?: string;
  /** For `error-json` and `plain-error`: the message or body text. */
  readonly message?: string;
}

export interface ExtensionRequest {
  readonly secretId: string | null;
  readonly versionStage: string | null;
  readonly versionId: string | null;
  readonly token: string | undefined;
  readonly at: number;
}

export interface FakeLambdaExtensionOptions {
  /** The fake Secrets Manager's base URL to read from. */
  readonly secretsManagerEndpoint: string;
  /** The session token it accepts (default `fake-session-token`). */
  readonly token?: string;
  /** Start not ready (as during INIT) until `setReady(true)`; default true. */
  readonly ready?: boolean;
  /** Cache successful answers this long, as the real extension does with its cache on (default: no cache). */
  readonly cacheTtlMs?: number;
}

export interface FakeLambdaExtension {
  readonly port: number;
  readonly token: string;
  /** What a function's environment has when the extension is attached. */
  readonly env: { readonly PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: string; readonly AWS_SESSION_TOKEN: string };
  /** Every request since start or `resetRequests()`. */
  readonly requests: readonly ExtensionRequest[];
  resetRequests(): void;
  setReady(ready: boolean): void;
  injectFault(fault: ExtensionFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startFakeLambdaExtension(options: FakeLambdaExtensionOptions): Promise<FakeLambdaExtension> {
  const token = options.token ?? 'fake-session-token';
  let ready = options.ready ?? true;
  let requests: ExtensionRequest[] = [];
  let faults: Array<ExtensionFault & { remaining: number }> = [];
  const upstream = new URL(options.secretsManagerEndpoint);
  const cached = new Map<string, { body: string; until: number }>();

  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain') => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const getSecretValue = (input: Record<string, string>): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const body = JSON.stringify(input);
    const req = request({
      host: upstream.hostname,
      port: upstream.port,
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = req.headers['x-aws-parameters-secrets-token'];
    const secretId = url.searchParams.get('secretId');
    requests.push({
      secretId,
      versionStage: url.searchParams.get('versionStage'),
      versionId: url.searchParams.get('versionId'),
      token: typeof given === 'string' ? given : undefined,
      at: Date.now(),
    });
    if (given !== token) return text(res, 403, 'Bad Token');
    if (req.method !== 'GET') return text(res, 405, 'Not allowed');
    if (url.pathname !== '/secretsmanager/get') return text(res, 404, 'Not found');
    if (!ready) return text(res, 400, 'not ready to serve traffic, please wait');
    const fault = faults.find((f) => f.remaining > 0 && (f.secretId === undefined || f.secretId === secretId));
    if (fault) fault.remaining--;
    switch (fault?.kind) {
      case 'hang': return;
      case 'trickle-body': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'drop-connection': return req.socket.destroy();
      case 'not-ready': return text(res, 400, 'not ready to serve traffic, please wait');
      case 'busy': return text(res, 429, 'Connection limit exceeded');
      case 'internal-failure': return text(res, 500, JSON.stringify({ __type: 'InternalFailure', message: '' }), 'application/json');
      case 'upstream-timeout': return text(res, 504, JSON.stringify({ __type: 'TimeoutError', message: 'Timeout' }), 'application/json');
      case 'error-json': return text(res, fault.status ?? 400,
        JSON.stringify({ __type: fault.errorType ?? 'ResourceNotFoundException', message: fault.message ?? '' }), 'application/json');
      case 'plain-error': return text(res, fault.status ?? 400, fault.message ?? 'error');
      default: break;
    }
    const input: Record<string, string> = { SecretId: secretId ?? '' };
    if (url.searchParams.has('versionStage')) input.VersionStage = url.searchParams.get('versionStage')!;
    if (url.searchParams.has('versionId')) input.VersionId = url.searchParams.get('versionId')!;
    const cacheKey = JSON.stringify(input);
    const hit = cached.get(cacheKey);
    if (hit !== undefined && hit.until > Date.now()) return text(res, 200, hit.body, 'application/json');
    const answer = await getSecretValue(input);
    if (options.cacheTtlMs !== undefined && answer.status === 200) {
      cached.set(cacheKey, { body: answer.body, until: Date.now() + options.cacheTtlMs });
    }
    if (fault?.kind === 'malformed-body' && answer.status === 200) {
      return text(res, 200, answer.body.replace(/"SecretString":"/g, '"SecretString":'), 'application/json');
    }
    if (fault?.kind === 'stall-body') {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) });
      res.flushHeaders();
      res.write(answer.body.slice(0, Math.floor(answer.body.length / 2)));
      return;
    }
    text(res, answer.status, answer.body, 'application/json');
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => text(res, 500, JSON.stringify({ __type: 'InternalFailure', message: '' }), 'application/json'));
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    token,
    env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port), AWS_SESSION_TOKEN: token },
    get requests() {
      return requests;
    },
    resetRequests: () => {
      requests = [];
    },
    setReady: (value) => {
      ready = value;
    },
    injectFault: (fault) => {
      faults.push({ ...fault, remaining: fault.times ?? Infinity });
    },
    clearFaults: () => {
      faults = [];
    },
    close: () => closeServer(server),
  };
}

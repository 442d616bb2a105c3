/*
 * A local HTTP endpoint speaking the Secrets Manager JSON 1.1 protocol, for tests, the example
 * app's local runner and benchmarks. Point the real SDK at it:
 *
 *   const fake = await startFakeSecretsManager();
 *   process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = fake.endpoint;   // or new SecretsManagerClient({ endpoint: fake.endpoint })
 *   process.env.AWS_REGION = fake.region; process.env.AWS_ACCESS_KEY_ID = 'test'; process.env.AWS_SECRET_ACCESS_KEY = 'test';
 *   const { arn } = fake.putSecret('db-password', 'hunter2');
 *   ...
 *   await fake.close();
 *
 * Protocol: POST / with header `x-amz-target: secretsmanager.<Operation>` and a JSON body; errors are
 * HTTP 400 (client) or 500 (server) with `{"__type": "<ErrorName>", "message": "..."}`, which the SDK's
 * AwsJson1_1Protocol reads by `__type`. Signatures are not checked.
 *
 * Operations: GetSecretValue, BatchGetSecretValue (SecretIdList only), DescribeSecret, CreateSecret,
 * PutSecretValue. Secret ids may be the name, the full ARN, or the ARN without its random suffix.
 * A secret can be scheduled for deletion (`scheduleDeletion`): reads and writes then fail with
 * InvalidRequestException and DescribeSecret shows its DeletedDate, as in AWS.
 * Each request records the region its SigV4 credential scope was signed for.
 *
 * Faults (injectFault) cover the slow ways networks fail as well as the fast ones: an endpoint that
 * accepts and never answers (`hang`), a body that stalls after the headers (`stall-body`), throttling,
 * malformed bodies; `startBlackHole()` gives an endpoint whose connections never complete.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { closeServer, listenOnLoopback } from './local-server';

/** Operations the fake implements. */
export type FakeOperation = 'GetSecretValue' | 'BatchGetSecretValue' | 'DescribeSecret' | 'CreateSecret' | 'PutSecretValue';

/**
 * Kinds of injected faults.
 * - `throttle`: 400 ThrottlingException; `server-error`: 500 InternalServiceError (both retried by the SDK);
 * - `slow`: answer normally after `delayMs` (default 10 s); `drop-connection`: destroy the socket without answering;
 * - `late-answer`: answer with the secret as it was when the request arrived, after `delayMs` (default 10 s): a reply
 *   still on its way while the secret is rotated;
 * - `access-denied`: AccessDeniedException; `kms-decrypt`: DecryptionFailure; `not-found`: ResourceNotFoundException.
 *   With `secretId` on BatchGetSecretValue these three become per-secret `Errors` entries; otherwise the whole request fails.
 * - `hang`: read the request and never answer (the connection stays open);
 * - `stall-body`: send the headers and the first half of the real answer, then nothing more;
 * - `malformed-body`: answer 200 with the real answer made invalid JSON (the quote before SecretString's value
 *   removed, so a parser error message would quote the value);
 * - `proxy-page`: answer 413 with a proxy's HTML page, as a proxy that limits request bodies does for a large write.
 */
export type FaultKind = 'throttle' | 'server-error' | 'slow' | 'drop-connection' | 'access-denied' | 'kms-decrypt' | 'not-found'
| 'hang' | 'stall-body' | 'malformed-body' | 'proxy-page' | 'late-answer';

/** A fault to inject. Omitted `operation`/`secretId` match any. */
export interface FaultSpec {
  readonly kind: FaultKind;
  readonly operation?: FakeOperation;
  /** Match requests that ask for this secret (name or ARN as the request gives it). */
  readonly secretId?: string;
  /** How many matching requests (or batch items) it applies to; default unlimited. */
  readonly times?: number;
  /** Delay for `slow` and `late-answer`, in ms (default 10000); other kinds wait this long before failing (default 0). */
  readonly delayMs?: number;
  /** The `message` of an error answer, instead of the usual text (e.g. one that quotes a secret value). */
  readonly message?: string;
  /** The `__type` (error name) of an error answer, instead of the usual one. */
  readonly errorType?: string;
}

/** Options of `startFakeSecretsManager`. */
export interface FakeSecretsManagerOptions {
  /** Delay before every answer, in ms (default 0). */
  readonly latencyMs?: number;
  /** Region used in ARNs (default us-east-1). */
  readonly region?: string;
  /** Account used in ARNs (default 123456789012). */
  readonly accountId?: string;
}

/** Options of `FakeSecretsManager.putSecret`. */
export interface PutSecretOptions {
  /** Stage for the new version (default AWSCURRENT; the previous AWSCURRENT becomes AWSPREVIOUS). */
  readonly versionStage?: string;
  /** Reads of this secret fail with DecryptionFailure, as when the KMS key denies the caller. */
  readonly kmsUndecryptable?: boolean;
  /**
   * The account that owns the secret (default the fake's own). Another account's secret is found by
   * its ARN only, as in AWS, where a name always means a secret of the caller's account.
   */
  readonly accountId?: string;
}

/** A request the fake received. */
export interface RecordedRequest {
  readonly operation: string;
  /** The secret ids asked for (SecretId, or SecretIdList for batches). */
  readonly secretIds: readonly string[];
  /** The region in the request's SigV4 credential scope (the region the client was for), if signed. */
  readonly region: string | undefined;
  /** When the request arrived (ms since epoch). */
  readonly at: number;
}

/** A running fake endpoint. */
export interface FakeSecretsManager {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Requests per operation since start or the last `resetCalls()` (every operation present, 0 if none). */
  readonly calls: Readonly<Record<FakeOperation, number>>;
  /** Every request since start or the last `resetCalls()`, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** TCP connections accepted since start or the last `resetCalls()` (a new client opens a new one). */
  readonly connections: number;
  /** Create the secret, or add a new version to it. Returns its ARN and the new version id. */
  putSecret(name: string, value: string | Uint8Array, options?: PutSecretOptions): { arn: string; versionId: string };
  /** Delete a secret immediately. */
  deleteSecret(name: string): void;
  /** Schedule a secret for deletion (DeleteSecret with a recovery window); see the CLI block below. */
  scheduleDeletion(name: string): void;
  /**
   * Rotate as Secrets Manager's rotation does, in two steps: `createPending` stores the new value as
   * AWSPENDING (readers of AWSCURRENT still get the old one); `finish` moves AWSCURRENT to it and the old
   * version becomes AWSPREVIOUS.
   */
  rotateSecret(name: string, newValue: string): { finish(): void };
  /** Zero the counters and forget recorded requests. */
  resetCalls(): void;
  /** Add a fault; faults are checked in the order added. */
  injectFault(fault: FaultSpec): void;
  /** Remove every fault. */
  clearFaults(): void;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}

interface Version {
  readonly id: string;
  readonly string?: string;
  readonly binary?: Uint8Array;
  readonly stages: Set<string>;
  readonly created: number;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly versions: Version[];
  kmsUndecryptable: boolean;
  /** When DeleteSecret scheduled it for deletion (epoch seconds). */
  deletedDate?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

class ApiError {
  constructor(readonly type: string, readonly message: string, readonly status = 400) {}
}

const OPERATIONS: FakeOperation[] = ['GetSecretValue', 'BatchGetSecretValue', 'DescribeSecret', 'CreateSecret', 'PutSecretValue'];
const PER_ITEM_KINDS: FaultKind[] = ['access-denied', 'kms-decrypt', 'not-found'];
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Start a fake Secrets Manager on 127.0.0.1 (random port). */
export async function startFakeSecretsManager(options: FakeSecretsManagerOptions = {}): Promise<FakeSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const latencyMs = options.latencyMs ?? 0;
  const secrets = new Map<string, StoredSecret>();
  let faults: ActiveFault[] = [];
  let calls = zeroCalls();
  let requests: RecordedRequest[] = [];
  let connections = 0;

  const find = (id: string): StoredSecret | undefined => {
    const byName = secrets.get(id);
    if (byName || !id.startsWith('arn:')) return byName;
    for (const s of secrets.values()) {
      if (s.arn === id || (s.arn.length === id.length + 7 && s.arn.startsWith(id + '-'))) return s;
    }
    return undefined;
  };

  const takeFault = (matches: (f: ActiveFault) => boolean): ActiveFault | undefined => {
    const fault = faults.find((f) => f.remaining > 0 && matches(f));
    if (fault) fault.remaining--;
    return fault;
  };

  const putSecret = (name: string, value: string | Uint8Array, opts: PutSecretOptions = {}) => {
    const owner = opts.accountId ?? accountId;
    // Another account's secrets are kept under a key no name can match.
    const key = owner === accountId ? name : `arn:${owner}:${name}`;
    let secret = secrets.get(key) ?? (owner === accountId ? find(name) : undefined);
    if (!secret) {
      const suffix = Array.from(randomBytes(6), (b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
      secret = { name, arn: `arn:aws:secretsmanager:${region}:${owner}:secret:${name}-${suffix}`, versions: [], kmsUndecryptable: false };
      secrets.set(key, secret);
    }
    if (opts.kmsUndecryptable !== undefined) secret.kmsUndecryptable = opts.kmsUndecryptable;
    const stage = opts.versionStage ?? 'AWSCURRENT';
    for (const v of secret.versions) {
      if (stage === 'AWSCURRENT' && v.stages.has('AWSCURRENT')) {
        v.stages.delete('AWSCURRENT');
        for (const other of secret.versions) other.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      } else {
        v.stages.delete(stage);
      }
    }
    const version: Version = {
      id: randomUUID(),
      ...(typeof value === 'string' ? { string: value } : { binary: Uint8Array.from(value) }),
      stages: new Set([stage]),
      created: Date.now() / 1000,
    };
    secret.versions.push(version);
    return { arn: secret.arn, versionId: version.id };
  };

  const rotateSecret = (name: string, newValue: string) => {
    const { versionId } = putSecret(name, newValue, { versionStage: 'AWSPENDING' });
    return {
      finish: () => {
        const secret = find(name)!;
        const pending = secret.versions.find((v) => v.id === versionId)!;
        for (const v of secret.versions) {
          v.stages.delete('AWSPREVIOUS');
          if (v.stages.delete('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
        }
        pending.stages.delete('AWSPENDING');
        pending.stages.add('AWSCURRENT');
      },
    };
  };

  const readValue = (id: string, versionId?: string, versionStage?: string): Record<string, unknown> => {
    const secret = find(id);
    if (!secret) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    refuseIfScheduledForDeletion(secret, 'GetSecretValue');
    if (secret.kmsUndecryptable) {
      throw new ApiError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
    }
    const stage = versionId === undefined ? versionStage ?? 'AWSCURRENT' : versionStage;
    const version = secret.versions.find((v) => (versionId === undefined || v.id === versionId) && (stage === undefined || v.stages.has(stage)));
    if (!version) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version id.");
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      VersionStages: [...version.stages],
      CreatedDate: version.created,
      ...(version.string !== undefined ? { SecretString: version.string } : { SecretBinary: Buffer.from(version.binary!).toString('base64') }),
    };
  };

  const faultError = (kind: FaultKind): ApiError | undefined => {
    switch (kind) {
      case 'throttle': return new ApiError('ThrottlingException', 'Rate exceeded');
      case 'server-error': return new ApiError('InternalServiceError', 'An error occurred on the server side.', 500);
      case 'access-denied': return new ApiError('AccessDeniedException', 'User is not authorized to perform this operation (injected fault).');
      case 'kms-decrypt': return new ApiError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key.");
      case 'not-found': return new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      default: return undefined;
    }
  };

  const handle = (operation: string, body: Record<string, any>): Record<string, unknown> => {
    switch (operation) {
      case 'GetSecretValue':
        // The API's length constraint, checked by the service before any lookup.
        if (body.VersionId !== undefined && !(String(body.VersionId).length >= 32 && String(body.VersionId).length <= 64)) {
          throw new ApiError('ValidationException', "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32");
        }
        return readValue(String(body.SecretId), body.VersionId, body.VersionStage);
      case 'BatchGetSecretValue': {
        const ids: string[] = body.SecretIdList ?? [];
        if (ids.length === 0 || ids.length > 20) throw new ApiError('InvalidParameterException', 'SecretIdList must have 1 to 20 entries.');
        const SecretValues: Array<Record<string, unknown>> = [];
        const Errors: Array<Record<string, unknown>> = [];
        for (const id of ids) {
          const fault = takeFault((f) => opMatches(f, operation) && f.secretId === id && PER_ITEM_KINDS.includes(f.kind));
          try {
            const injected = fault ? faultError(fault.kind) : undefined;
            if (injected) throw injected;
            SecretValues.push(readValue(id));
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            Errors.push({ SecretId: id, ErrorCode: e.type, Message: e.message });
          }
        }
        return { SecretValues, Errors };
      }
      case 'DescribeSecret': {
        const secret = find(String(body.SecretId));
        if (!secret) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return describeSecret(secret);
      }
      case 'CreateSecret': {
        if (find(String(body.Name))) throw new ApiError('ResourceExistsException', 'The operation failed because the secret already exists.');
        const r = putSecret(String(body.Name), body.SecretString ?? Buffer.from(body.SecretBinary ?? '', 'base64'));
        return { ARN: r.arn, Name: body.Name, VersionId: r.versionId };
      }
      case 'PutSecretValue': {
        const secret = find(String(body.SecretId));
        if (!secret) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        refuseIfScheduledForDeletion(secret, 'PutSecretValue');
        if (typeof body.SecretString === 'string' && Buffer.byteLength(body.SecretString) > 65_536) {
          throw new ApiError('ValidationException', "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536");
        }
        const stage: string | undefined = body.VersionStages?.[0];
        const r = putSecret(secret.name, body.SecretString ?? Buffer.from(body.SecretBinary ?? '', 'base64'), { versionStage: stage });
        return { ARN: r.arn, Name: secret.name, VersionId: r.versionId, VersionStages: [stage ?? 'AWSCURRENT'] };
      }
      default:
        throw new ApiError('UnknownOperationException', `The fake does not implement ${operation}.`);
    }
  };

  const send = (res: ServerResponse, status: number, payload: unknown, shape: 'whole' | 'stall-body' | 'malformed-body' = 'whole') => {
    if (res.destroyed) return;
    let text = JSON.stringify(payload);
    if (shape === 'malformed-body') text = text.replace(/"SecretString":"/g, '"SecretString":');
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
    if (shape === 'stall-body') {
      res.flushHeaders();
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    res.end(text);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : target;
    let body: Record<string, any>;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      return send(res, 400, { __type: 'SerializationException', message: 'Invalid JSON body' });
    }
    const secretIds: string[] = body.SecretIdList ?? (body.SecretId !== undefined ? [String(body.SecretId)] : []);
    if ((OPERATIONS as string[]).includes(operation)) calls[operation as FakeOperation]++;
    requests.push({ operation, secretIds, region: signingRegion(req), at: Date.now() });
    if (latencyMs > 0) await sleep(latencyMs);

    // On BatchGetSecretValue, a fault naming one secret fails the whole request unless it is a per-item kind.
    const requestFault = takeFault((f) => opMatches(f, operation) && (f.secretId === undefined
      || (operation === 'BatchGetSecretValue' ? secretIds.includes(f.secretId) && !PER_ITEM_KINDS.includes(f.kind) : f.secretId === secretIds[0])));
    if (requestFault) {
      if (requestFault.kind === 'drop-connection') {
        req.socket.destroy();
        return;
      }
      if (requestFault.kind === 'hang') return;
      if (requestFault.kind === 'proxy-page') {
        res.writeHead(413, { 'content-type': 'text/html' }).end('<html><body>413 Request Entity Too Large: blocked by the proxy</body></html>');
        return;
      }
      if (requestFault.kind === 'late-answer') {
        let answer: [number, unknown];
        try {
          answer = [200, handle(operation, body)];
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          answer = [e.status, { __type: e.type, message: e.message }];
        }
        await sleep(requestFault.delayMs ?? 10_000);
        return send(res, answer[0], answer[1]);
      }
      if (requestFault.kind !== 'slow' && requestFault.delayMs) await sleep(requestFault.delayMs);
      if (requestFault.kind === 'stall-body' || requestFault.kind === 'malformed-body') {
        try {
          return send(res, 200, handle(operation, body), requestFault.kind);
        } catch (e) {
          if (e instanceof ApiError) return send(res, e.status, { __type: e.type, message: e.message });
          throw e;
        }
      }
      if (requestFault.kind === 'slow') {
        await sleep(requestFault.delayMs ?? 10_000);
      } else {
        const e = faultError(requestFault.kind)!;
        return send(res, e.status, { __type: requestFault.errorType ?? e.type, message: requestFault.message ?? e.message });
      }
    }
    try {
      send(res, 200, handle(operation, body));
    } catch (e) {
      if (e instanceof ApiError) return send(res, e.status, { __type: e.type, message: e.message });
      send(res, 500, { __type: 'InternalServiceError', message: 'fake failure' });
    }
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => res.destroy());
  });
  server.on('connection', () => connections++);
  const port = await listenOnLoopback(server);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    accountId,
    get calls() {
      return calls;
    },
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    putSecret,
    rotateSecret,
    deleteSecret: (name) => {
      const secret = find(name);
      if (secret) secrets.delete(secret.name);
    },
    scheduleDeletion: (name) => {
      const secret = find(name);
      if (!secret) throw new Error(`fake: no secret ${name} to schedule for deletion`);
      secret.deletedDate = Date.now() / 1000;
    },
    resetCalls: () => {
      calls = zeroCalls();
      requests = [];
      connections = 0;
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

/** A port that accepts no connection: connects to it never complete (SYNs are dropped), as with a black-holed route. */
export interface BlackHole {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Start a black hole. A listener whose thread never runs never accepts; once its accept queue is full
 * (backlog 1, filled here), the kernel drops further SYNs, so a client's connect hangs until its own
 * timeout, exactly like a route to a dead address, but deterministic and local.
 */
export async function startBlackHole(): Promise<BlackHole> {
  const worker = new Worker(`
    const net = require('node:net');
    const { parentPort } = require('node:worker_threads');
    const server = net.createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // block this thread for good
    });`, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // Fill the accept queue; these complete at the kernel level and are never accepted.
  const fillers: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
  }
  await sleep(100);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      await worker.terminate();
    },
  };
}

/** The region of a SigV4 `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...` header. */
function signingRegion(req: IncomingMessage): string | undefined {
  const match = /Credential=[^/]+\/[0-9]{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  return match?.[1];
}

function zeroCalls(): Record<FakeOperation, number> {
  return Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<FakeOperation, number>;
}

function opMatches(fault: FaultSpec, operation: string): boolean {
  return fault.operation === undefined || fault.operation === operation;
}

/** Timers are unref'd so a pending `slow` fault never keeps the process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// ---------------------------------------------------------------------------------------------
// Used by the CLI (issue 11): what DescribeSecret answers, and secrets scheduled for deletion.
// ---------------------------------------------------------------------------------------------

/** DescribeSecret's answer: dates as epoch seconds, as the JSON protocol sends them. */
function describeSecret(secret: StoredSecret): Record<string, unknown> {
  const created = secret.versions.length > 0 ? Math.min(...secret.versions.map((v) => v.created)) : undefined;
  const changed = secret.versions.length > 0 ? Math.max(...secret.versions.map((v) => v.created)) : undefined;
  return {
    ARN: secret.arn,
    Name: secret.name,
    CreatedDate: created,
    LastChangedDate: changed,
    ...(secret.deletedDate !== undefined ? { DeletedDate: secret.deletedDate } : {}),
    VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])),
  };
}

/** AWS refuses reads and writes of a secret scheduled for deletion with InvalidRequestException. */
function refuseIfScheduledForDeletion(secret: StoredSecret, operation: string): void {
  if (secret.deletedDate === undefined) return;
  throw new ApiError('InvalidRequestException',
    `You can't perform this operation on the secret because it was marked for deletion. (${operation})`);
}

/*
 * Typed errors of the runtime. Users branch on them with `instanceof`, so each kind is a class.
 *
 * Rule for every message here: it names the secret, says what went wrong and what to do, and never
 * contains any part of a secret value. No error carries the SDK response or a raw value as `cause`.
 */

/**
 * Base class of every error the runtime throws or rejects with.
 *
 * `secretId` is the id the caller asked for (secret name, ARN, or for `getEnv` the logical name or
 * key). `code` is a stable string to branch on when `instanceof` is not convenient.
 */
export class SecretError extends Error {
  /** The secret id (name or ARN) the caller asked for, or the name given to `getEnv`. */
  public readonly secretId: string;
  /** Stable machine-readable kind, e.g. `ResourceNotFoundException` or `PlaceholderNotSet`. */
  public readonly code: string;

  /** @internal */
  constructor(secretId: string, code: string, message: string) {
    super(message);
    // A literal per class (set in each subclass), not new.target.name, which minifiers rename.
    this.name = 'SecretError';
    this.secretId = secretId;
    this.code = code;
  }
}

/** The secret does not exist in this account and region (or was deleted). Code `ResourceNotFoundException`. */
export class SecretNotFoundError extends SecretError {
  /** Region the lookup went to, when known. */
  public readonly region: string | undefined;

  /** @internal */
  constructor(secretId: string, region: string | undefined, version?: { readonly versionStage?: string; readonly versionId?: string }) {
    // With a version asked for, the service's answer does not say whether the version or the secret is missing.
    const what = version?.versionStage !== undefined ? `labelled ${version.versionStage}` : version?.versionId !== undefined ? `with id ${version.versionId}` : undefined;
    super(secretId, 'ResourceNotFoundException', what !== undefined
      ? `secret ${secretId} has no version ${what} in region ${region ?? '(unknown)'}, or the secret itself was not found there. ` +
        'Stages follow rotation (AWSPREVIOUS exists after a first rotation, AWSPENDING only during one); ' +
        'read it without a version option to check that the secret exists.'
      : `secret ${secretId} was not found in region ${region ?? '(unknown)'}. ` +
        'Check that the name or ARN is the physical name the stack created (read it with getEnv(...)), ' +
        'that the function runs in the same account and region as the secret, and that the secret is not scheduled for deletion.');
    this.name = 'SecretNotFoundError';
    this.region = region;
  }
}

/** The function's role may not read the secret (or may not call BatchGetSecretValue). Code `AccessDeniedException`. */
export class SecretAccessDeniedError extends SecretError {
  /** @internal */
  constructor(secretId: string) {
    super(secretId, 'AccessDeniedException',
      `access to secret ${secretId} was denied: the function's role lacks secretsmanager:GetSecretValue on it. ` +
      'Grant it in the stack with secret.grantRead(fn) for this function and deploy again.' +
      // The function's own account is not known here (Lambda sets no variable for it); an ARN names the secret's.
      (secretId.startsWith('arn:') ? ` If account ${secretId.split(':')[4]} is not the function's, the secret's resource policy and its KMS key policy must allow the role too.` : ''));
    this.name = 'SecretAccessDeniedError';
  }
}

/** Secrets Manager could not decrypt the secret with its KMS key. Code `DecryptionFailure` (or the KMS error name). */
export class SecretDecryptionError extends SecretError {
  /** @internal */
  constructor(secretId: string, code: string) {
    super(secretId, code,
      `secret ${secretId} could not be decrypted with its KMS key (${code}). ` +
      "The function's role needs kms:Decrypt on the key via secretsmanager (condition kms:ViaService = secretsmanager.<region>.amazonaws.com; " +
      'secret.grantRead(fn) adds it), and the key policy must allow that role (or delegate to IAM).');
    this.name = 'SecretDecryptionError';
  }
}

/** The secret still holds the placeholder AppSecret generated: nobody has set its value yet. Code `PlaceholderNotSet`. */
export class SecretPlaceholderError extends SecretError {
  /** @internal */
  constructor(secretId: string) {
    super(secretId, 'PlaceholderNotSet',
      `secret ${secretId} has not been given a value yet; set it with ` +
      `\`npx cdk-app-secrets set ${secretId}\` or \`aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string ...\``);
    this.name = 'SecretPlaceholderError';
  }
}

/**
 * The secret holds a binary value (`SecretBinary`). The runtime reads string secrets only and rejects
 * binary ones rather than guessing an encoding. Code `BinarySecret`.
 */
export class SecretBinaryError extends SecretError {
  /** @internal */
  constructor(secretId: string) {
    super(secretId, 'BinarySecret',
      `secret ${secretId} holds a binary value (SecretBinary), but getSecrets reads string values only. ` +
      'Store it as a string instead, e.g. base64-encoded with `aws secretsmanager put-secret-value --secret-string`, and decode it in the handler.');
    this.name = 'SecretBinaryError';
  }
}

/** `getEnv` found no environment variable for the secret. Code `EnvVarMissing`. */
export class SecretEnvMissingError extends SecretError {
  /** The environment variable key that was looked up. */
  public readonly envKey: string;

  /** @internal */
  constructor(nameOrKey: string, envKey: string, existingKeys: readonly string[]) {
    super(nameOrKey, 'EnvVarMissing',
      `environment variable ${envKey} (secret "${nameOrKey}") is not set. ` +
      `Secret variables that are set: ${existingKeys.length > 0 ? existingKeys.join(', ') : '(none)'}. ` +
      'The function probably was not granted this secret: call secret.grantRead(fn) for this function in the stack and deploy again.');
    this.name = 'SecretEnvMissingError';
    this.envKey = envKey;
  }
}

/** The secret's value is not valid JSON (`getSecretJson`). Code `InvalidJson`. The value itself is never echoed. */
export class SecretJsonError extends SecretError {
  /** Zero-based character offset of the first invalid character (or the end of the value). */
  public readonly position: number;
  /** One-based line of `position`. */
  public readonly line: number;
  /** One-based column of `position`. */
  public readonly column: number;

  /** @internal */
  constructor(secretId: string, position: number, line: number, column: number, reason: string) {
    super(secretId, 'InvalidJson',
      `secret ${secretId} is not valid JSON: ${reason} at position ${position} (line ${line}, column ${column}). ` +
      'Fix the stored value (aws secretsmanager put-secret-value), or read it with getSecrets(...) if it is not meant to be JSON.');
    this.name = 'SecretJsonError';
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

/**
 * Local mode is misconfigured, refused (inside Lambda), or the secret is not in the local values.
 * Codes: `LocalModeInLambda`, `LocalFileUnreadable`, `LocalFileInvalid`, `LocalSecretMissing`, `LocalValueInvalid`.
 */
export class SecretLocalModeError extends SecretError {
  /** @internal */
  constructor(secretId: string, code: string, message: string) {
    super(secretId, code, message);
    this.name = 'SecretLocalModeError';
  }
}

/**
 * The SDK's "no credentials" errors and the service's answers to expired, unknown or badly signed ones:
 * advice about the network would send the user the wrong way.
 */
const CREDENTIAL_ERROR = /Credential|TokenProvider|Expired|Signature|UnrecognizedClient/;

/**
 * Any other failure: throttling or server errors left after the SDK's retries, per-attempt timeouts,
 * network errors, missing or rejected credentials, malformed responses, invalid requests. `code` is the AWS error name (e.g.
 * `ThrottlingException`, `TimeoutError`), a network error code (`ECONNRESET`), or `MalformedResponse`.
 * `InvalidRequestException` (the secret cannot be read in its current state, most likely scheduled for
 * deletion) gets a message that says so.
 * The message never quotes the service's or the SDK's text, which can contain response bytes.
 */
export class SecretFetchError extends SecretError {
  /** @internal */
  constructor(secretId: string, code: string, detail: string, message?: string) {
    super(secretId, code, message ?? (code === 'InvalidRequestException'
      // What GetSecretValue answers for a secret scheduled for deletion (deleted with a recovery window).
      ? `secret ${secretId} cannot be read in its current state (InvalidRequestException${detail ? `, ${detail}` : ''}): ` +
        'most likely it is scheduled for deletion. Restore it with ' +
        `\`aws secretsmanager restore-secret --secret-id ${secretId}\`, or point the function at the secret that replaced it (deploy the stack again).`
      : `reading secret ${secretId} failed with ${code}${detail ? ` (${detail})` : ''}` + (CREDENTIAL_ERROR.test(code)
        ? ': the AWS credentials are missing, expired or invalid (or the clock is off). Check AWS_PROFILE (sign in again) or the AWS_ACCESS_KEY_ID variables.'
        : code === 'ValidationException' || code === 'InvalidParameterException'
          ? ': Secrets Manager refused it as invalid; check the id and the versionId or versionStage option.'
          // What Secrets Manager never answers, and a mocked SDK does.
          : code === 'EmptyValue' || code === 'MissingFromBatchResponse'
            ? '; Secrets Manager always sends it: if a test mocks the SDK, mock BatchGetSecretValueCommand too (values with their Name).'
            : '. The SDK already retried transient errors; check the function\'s network path to Secrets Manager (VPC endpoint or NAT), ' +
              'the service health, and the timeouts (CDK_APP_SECRETS_TIMEOUT_MS, CDK_APP_SECRETS_REQUEST_TIMEOUT_MS).')));
    this.name = 'SecretFetchError';
  }
}

/**
 * The read did not finish within its deadline (`timeoutMs`, `CDK_APP_SECRETS_TIMEOUT_MS`), which covers
 * every attempt, connecting, the headers and the body. Code `DeadlineExceeded`.
 */
export class SecretTimeoutError extends SecretFetchError {
  /** The deadline that passed, in ms. */
  public readonly timeoutMs: number;

  /** @internal */
  constructor(secretId: string, timeoutMs: number) {
    super(secretId, 'DeadlineExceeded', '',
      `reading secret ${secretId} did not complete within ${timeoutMs} ms (every attempt, connect, headers and body). ` +
      'Secrets Manager was unreachable or too slow: check the function\'s network path to it (VPC endpoint or NAT) and the service health. ' +
      'The deadline is CDK_APP_SECRETS_TIMEOUT_MS / configureSecrets({ timeoutMs }); raise it only together with the function timeout.');
    this.name = 'SecretTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The runtime cannot read from AWS in this process: codes `SdkUnavailable` (the AWS SDK is not
 * installed), `RegionMissing` (no region for a secret name), `ClientSetupFailed` (the SDK could not use
 * the client config: `clientConfig`, or `AWS_ENDPOINT_URL_SECRETS_MANAGER`, with an endpoint that is no
 * URL, or a `clientConfig` function that throws).
 */
export class SecretConfigError extends SecretError {
  /** @internal */
  constructor(secretId: string, code: string, problem: string) {
    super(secretId, code, `reading secret ${secretId} failed: ${problem}`);
    this.name = 'SecretConfigError';
  }
}

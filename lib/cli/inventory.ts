/*
 * Which secrets an app has: every AppSecret (from the metadata entry each one adds to the manifest)
 * and every secret a function reads that no AppSecret of the app creates (imported with
 * AppSecret.fromSecretName), found in the functions' environment variables in the templates.
 */
import { APP_SECRET_METADATA_TYPE, AppSecretMetadata, SECRET_ENV_KEY_SUFFIX } from '../env-contract';
import { AssemblyStack, CfnResource } from './assembly';
import { knownPseudoParameter, parseSecretArn, resolveValue, UNKNOWN_ENV_MARKER_VALUES } from './template-values';
import { constructPathOf, stackTemplates } from './templates';

/** A secret of the app, as the CLI shows and checks it. */
export interface SecretEntry {
  /** The stack that creates it, or (imported) the stack of the first function that reads it. */
  readonly stack: AssemblyStack;
  /** Logical name; for an imported secret, derived from the environment variable key. */
  readonly name: string;
  /** Physical name. */
  readonly secretName: string;
  /**
   * The complete ARN (random suffix included) a function names it by, if one does: the one id
   * that reaches it, since its name without the suffix is not what the function reads.
   */
  readonly arn?: string;
  readonly envKey: string;
  /** Keys a JSON value must have; undefined for a plain string. */
  readonly jsonKeys?: readonly string[];
  /** Created outside the app (AppSecret.fromSecretName). */
  readonly imported: boolean;
  /** Account and region the secret lives in; undefined means the SDK's default. */
  readonly account?: string;
  readonly region?: string;
  /** Display paths of the functions that read it, e.g. `Shop-dev/Checkout`. */
  readonly functions: string[];
  /**
   * The stack parameters its physical name depends on, when that name is known only at deploy (a
   * CfnParameter in the name): `secretName` then shows them as `${Env}`, and no AWS call can use it.
   */
  readonly deployTimeRefs?: readonly string[];
  /**
   * The context lookup whose dummy value the physical name holds: the synth could not make it (no
   * credentials for the account), so the name is not the deployed secret's.
   */
  readonly failedLookup?: string;
}

/** A Lambda function's secret-like environment variables, resolved to names where possible. */
interface FunctionRead {
  readonly path: string;
  readonly stack: AssemblyStack;
  readonly envKey: string;
  readonly secretName: string;
  /** The variable's value when it is an ARN. */
  readonly arn?: string;
  readonly account?: string;
  readonly region?: string;
  /** Whether it names a secret outside the app when no AppSecret matches: a `*_SECRET_NAME` key or an ARN. */
  readonly importable: boolean;
  /** Whether the value was a full ARN, which may end with the random suffix. */
  readonly fromArn: boolean;
}

/** Every secret of the given stacks; `allStacks` is searched for functions that read them. */
export function buildInventory(stacks: readonly AssemblyStack[], allStacks: readonly AssemblyStack[]): SecretEntry[] {
  const reads = allStacks.flatMap(functionReads);
  const created = allStacks.flatMap((stack) => appSecretsOf(stack).map((meta) => {
    const resolved = resolveName(meta, stack);
    return { stack, ...resolved, replicaRegions: replicaRegionsOf(stack, resolved.meta.secretName) };
  }));
  // A reader in a region the secret is replicated to names the replica's ARN: still this secret.
  const readsCreated = (read: FunctionRead, { stack, meta, replicaRegions }: typeof created[number]) => names(read, meta.secretName)
    && (sameLocation(read, stack) || (read.region !== undefined && replicaRegions.includes(read.region) && sameAccount(read, stack)));
  const entries: SecretEntry[] = [];

  for (const secret of created) {
    const { stack, meta, deployTimeRefs } = secret;
    if (!stacks.includes(stack)) continue;
    // A name known only at deploy matches no function's variable, which is as unresolved.
    const readers = deployTimeRefs ? [] : reads.filter((read) => readsCreated(read, secret));
    entries.push({
      stack,
      name: meta.name,
      secretName: meta.secretName,
      envKey: meta.envKey,
      jsonKeys: meta.jsonKeys,
      imported: false,
      account: stack.account,
      region: stack.region,
      functions: unique(readers.map((read) => read.path)).sort(),
      ...(deployTimeRefs ? { deployTimeRefs } : {}),
      ...failedLookupIn(stack, meta.secretName),
    });
  }

  const isCreated = (read: FunctionRead) => created.some((secret) => readsCreated(read, secret));
  const importedReads = reads.filter((read) => read.importable && !isCreated(read) && stacks.includes(read.stack));
  for (const read of importedReads) {
    const complete = completeArn(read);
    const secretName = complete ? read.secretName.slice(0, -SUFFIX_LENGTH) : read.secretName;
    const existing = entries.find((entry) => entry.imported && entry.stack === read.stack && entry.secretName === secretName);
    if (existing) {
      if (!existing.functions.includes(read.path)) existing.functions.splice(sortedIndex(existing.functions, read.path), 0, read.path);
      continue;
    }
    entries.push({
      stack: read.stack,
      name: logicalNameFromEnvKey(read.envKey),
      secretName,
      ...(complete ? { arn: read.arn } : {}),
      envKey: read.envKey,
      imported: true,
      account: read.account ?? read.stack.account,
      region: read.region ?? read.stack.region,
      functions: [read.path],
      ...failedLookupIn(read.stack, secretName),
    });
  }
  // Stacks in assembly order; within one, created secrets first, then imported ones.
  const order = (entry: SecretEntry) => allStacks.indexOf(entry.stack);
  return entries.map((entry, i) => ({ entry, i })).sort((a, b) => order(a.entry) - order(b.entry) || a.i - b.i).map(({ entry }) => entry);
}

/**
 * The metadata with its physical name as text. A name with a token in it (a CfnParameter) is written
 * as a CloudFormation expression; pseudo parameters of a stack with a known environment resolve,
 * anything else is known only at deploy: shown as `${Name}`, with the names it depends on.
 */
function resolveName(meta: AppSecretMetadata, stack: AssemblyStack): { meta: AppSecretMetadata; deployTimeRefs?: string[] } {
  const raw: unknown = meta.secretName;
  if (typeof raw === 'string') return { meta };
  const resolved = resolveValue(raw, stack.template, stack);
  if (resolved !== undefined) return { meta: { ...meta, secretName: resolved } };
  const refs: string[] = [];
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = (value ?? {}) as Record<string, any>;
    if (typeof v.Ref === 'string') {
      const known = knownPseudoParameter(v.Ref, stack);
      if (known !== undefined) return known;
      refs.push(v.Ref);
      return `\${${v.Ref}}`;
    }
    if (Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) return v['Fn::Join'][1].map(text).join(String(v['Fn::Join'][0]));
    refs.push('an expression');
    return '${?}';
  };
  const secretName = text(raw);
  return { meta: { ...meta, secretName }, deployTimeRefs: unique(refs) };
}

/** `{ failedLookup }` when a name holds the dummy value of a lookup the stack's synth could not make; else `{}`. */
function failedLookupIn(stack: AssemblyStack, secretName: string): { failedLookup?: string } {
  const lookup = stack.failedLookups.find(({ dummyValues }) => dummyValues.some((dummy) => secretName.includes(dummy)));
  return lookup ? { failedLookup: lookup.key } : {};
}

/** The regions a secret named `secretName` in the stack's templates is replicated to (literal regions only). */
function replicaRegionsOf(stack: AssemblyStack, secretName: string): string[] {
  const regions: string[] = [];
  for (const { template } of stackTemplates(stack)) {
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::SecretsManager::Secret' || resolveValue(resource.Properties?.Name, template, stack) !== secretName) continue;
      for (const replica of resource.Properties?.ReplicaRegions ?? []) if (typeof replica?.Region === 'string') regions.push(replica.Region);
    }
  }
  return regions;
}

/** `PARTNER_TOKEN_SECRET_NAME` -> `partner-token`: what `getEnv` maps back to the same key. */
export function logicalNameFromEnvKey(envKey: string): string {
  const base = envKey.endsWith(SECRET_ENV_KEY_SUFFIX) ? envKey.slice(0, -SECRET_ENV_KEY_SUFFIX.length) : envKey;
  return base.toLowerCase().replace(/_/g, '-');
}

function appSecretsOf(stack: AssemblyStack): AppSecretMetadata[] {
  const found: AppSecretMetadata[] = [];
  for (const entries of Object.values(stack.metadata)) {
    for (const entry of entries) {
      const data = entry.data as Partial<AppSecretMetadata> | undefined;
      // A secretName that is not a string is a CloudFormation expression (a token in the name): see resolveName.
      if (entry.type === APP_SECRET_METADATA_TYPE && typeof data?.name === 'string' && data.secretName !== undefined && data.secretName !== null) {
        found.push(data as AppSecretMetadata);
      }
    }
  }
  return found;
}

function functionReads(stack: AssemblyStack): FunctionRead[] {
  const reads: FunctionRead[] = [];
  for (const { template, nestedPath } of stackTemplates(stack)) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables: Record<string, unknown> = resource.Properties?.Environment?.Variables ?? {};
      for (const [envKey, raw] of Object.entries(variables)) {
        // An environment-agnostic stack's ARNs hold its region and account as pseudo parameters: kept as markers, read as the defaults.
        const value = resolveValue(raw, template, stack, true);
        if (value === undefined) continue;
        const arn = parseSecretArn(value);
        // Only an ARN's region and account may be the defaults; a name built from them names no secret.
        if (UNKNOWN_ENV_MARKER_VALUES.some((marker) => (arn?.name ?? value).includes(marker))) continue;
        reads.push({
          path: functionPath(stack, logicalId, resource, nestedPath),
          stack,
          envKey,
          secretName: arn?.name ?? value,
          // An ARN with a part known only at deploy is no id to call with; its name is.
          arn: arn && arn.region !== undefined && arn.account !== undefined ? value : undefined,
          account: arn?.account,
          region: arn?.region,
          // Any variable may carry an AppSecret's name (a custom envKey); unmatched ones count only if they look like secrets.
          importable: arn !== undefined || envKey.endsWith(SECRET_ENV_KEY_SUFFIX),
          fromArn: arn !== undefined,
        });
      }
    }
  }
  return reads;
}

/**
 * `Shop/Payments/Checkout`: the template's path metadata, else (cdk synth --no-path-metadata) the
 * manifest's, else the stack and the logical id.
 */
function functionPath(stack: AssemblyStack, logicalId: string, resource: CfnResource, nestedPath: string | undefined): string {
  const cdkPath = resource.Metadata?.['aws:cdk:path'];
  if (typeof cdkPath === 'string') return cdkPath.replace(/\/Resource$/, '');
  const constructPath = constructPathOf(stack, logicalId, nestedPath);
  return constructPath !== undefined ? constructPath.replace(/^\//, '').replace(/\/Resource$/, '') : `${stack.displayName}/${logicalId}`;
}

/** `-` and the six random characters Secrets Manager appends to a name in a complete ARN. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;
const SUFFIX_LENGTH = 7;

/** Whether a read names the secret `secretName` (a full ARN ends with `-` and six random characters). */
function names(read: FunctionRead, secretName: string): boolean {
  return read.secretName === secretName || (read.fromArn && read.secretName.replace(RANDOM_SUFFIX, '') === secretName);
}

/**
 * Whether a read is by complete ARN: one whose name ends like the random suffix. Secrets Manager
 * itself takes such an ARN as complete (its docs warn against names ending so), so the CLI does too.
 */
function completeArn(read: FunctionRead): boolean {
  return read.arn !== undefined && RANDOM_SUFFIX.test(read.secretName);
}

/** Whether a function's read names a secret in `stack`'s account and region (unknown parts match). */
function sameLocation(read: FunctionRead, stack: AssemblyStack): boolean {
  const region = read.region ?? read.stack.region;
  return (region === undefined || stack.region === undefined || region === stack.region) && sameAccount(read, stack);
}

/** Whether a function's read names a secret in `stack`'s account (an unknown account matches). */
function sameAccount(read: FunctionRead, stack: AssemblyStack): boolean {
  const account = read.account ?? read.stack.account;
  return account === undefined || stack.account === undefined || account === stack.account;
}

function sortedIndex(sorted: readonly string[], value: string): number {
  const index = sorted.findIndex((existing) => existing > value);
  return index === -1 ? sorted.length : index;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

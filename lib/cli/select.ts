/*
 * Selecting stacks (by name, display path or glob, as the CDK CLI does) and secrets (by logical,
 * environment-variable-derived or physical name).
 */
import { secretEnvKey } from '../env-contract';
import { AssemblyStack } from './assembly';
import { CliError } from './errors';
import { SecretEntry } from './inventory';
import { ENV_LOCAL_VALUE_PREFIX } from '../runtime/local';

/**
 * Stacks matching any pattern (all stacks for none). A name matches the display path
 * (`Prod/Shop`), the CloudFormation name (`Prod-Shop`) or the artifact id; a glob matches the
 * display path, as in the CDK CLI: `*` and `?` do not cross a `/`, `**` does.
 */
export function selectStacks(stacks: readonly AssemblyStack[], patterns: readonly string[]): AssemblyStack[] {
  if (stacks.length === 0) throw new CliError('the cloud assembly has no stacks; check that your app adds stacks and run `npx cdk synth` again');
  if (patterns.length === 0) return [...stacks];
  const selected = stacks.filter((stack) => patterns.some((pattern) => stackMatches(stack, pattern)));
  if (selected.length === 0) {
    throw new CliError(`no stack matches ${patterns.map((p) => `'${p}'`).join(', ')}. Stacks in the assembly: ${describeStacks(stacks)}`);
  }
  return selected;
}

/** The one stack `pattern` names; without a pattern, the only stack of the assembly. */
export function selectOneStack(stacks: readonly AssemblyStack[], pattern: string | undefined, command: string): AssemblyStack {
  if (pattern === undefined) {
    if (stacks.length === 1) return stacks[0];
    throw new CliError(`${command} needs --stack: the assembly has ${stacks.length} stacks (${describeStacks(stacks)})`);
  }
  const selected = selectStacks(stacks, [pattern]);
  if (selected.length > 1) {
    throw new CliError(`--stack '${pattern}' matches ${selected.length} stacks (${describeStacks(selected)}); ${command} works on one stack at a time`);
  }
  return selected[0];
}

export function describeStacks(stacks: readonly AssemblyStack[]): string {
  return stacks.map((stack) => (stack.displayName === stack.stackName ? stack.displayName : `${stack.displayName} (${stack.stackName})`)).join(', ');
}

function stackMatches(stack: AssemblyStack, pattern: string): boolean {
  if (!/[*?]/.test(pattern)) return [stack.displayName, stack.stackName, stack.artifactId].includes(pattern);
  return globToRegExp(pattern).test(stack.displayName);
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * The secret `key` names among `entries`: its logical name, its physical name, its environment
 * variable key, or any spelling that maps to that key (`stripeApiKey`, `STRIPE_API_KEY`, the runtime's
 * local-mode `CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY`).
 * Undefined when none does; an error when the spellings are ambiguous.
 */
export function findSecret(entries: readonly SecretEntry[], name: string): SecretEntry | undefined {
  // An ARN (as the runtime's errors name cross-account secrets) stands for its secret's name.
  const arnName = /^arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:(.+)$/.exec(name)?.[1];
  const key = arnName !== undefined && entries.some((entry) => entry.secretName === arnName) ? arnName : arnName?.replace(/-[A-Za-z0-9]{6}$/, '') ?? name;
  const exact = entries.filter((entry) => entry.name === key || entry.secretName === key || entry.envKey === key);
  // The runtime's local-mode variable (CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY) is a .env line a team already has.
  const spelling = key.startsWith(ENV_LOCAL_VALUE_PREFIX) ? key.slice(ENV_LOCAL_VALUE_PREFIX.length) : key;
  const candidates = exact.length > 0 ? exact : entries.filter((entry) => safeEnvKey(spelling) === entry.envKey);
  if (candidates.length > 1) {
    throw new CliError(`'${key}' names ${candidates.length} secrets (${candidates.map((entry) => entry.secretName).join(', ')}); use the physical name`);
  }
  return candidates[0];
}

/**
 * Where else the assembly has a secret `name`, for "no such secret" messages: with the secrets in a
 * stack of their own and the functions in others, people name the functions' stack. Undefined if nowhere.
 */
export function secretElsewhere(inventory: readonly SecretEntry[], name: string, stack: AssemblyStack): string | undefined {
  const has = (other: AssemblyStack) => {
    try {
      return findSecret(inventory.filter((entry) => entry.stack === other), name) !== undefined;
    } catch {
      return true; // Several spellings match there: it still has the name.
    }
  };
  const stacks = [...new Set(inventory.map((entry) => entry.stack))].filter((other) => other !== stack && has(other))
    .map((other) => other.displayName);
  if (stacks.length === 0) return undefined;
  const quoted = (path: string) => (/^[A-Za-z0-9/_.-]+$/.test(path) ? path : `'${path}'`);
  return `it is a secret of stack${stacks.length > 1 ? 's' : ''} ${stacks.join(', ')}; use --stack ${stacks.length > 1 ? 'with one of them' : quoted(stacks[0])}`;
}

/** Whether two entries are one secret in AWS: one name (or complete ARN), account and region (unknown ones: the default). */
export function sameSecret(a: SecretEntry, b: SecretEntry): boolean {
  return a.secretName === b.secretName && a.arn === b.arn && a.account === b.account && a.region === b.region;
}

function safeEnvKey(key: string): string | undefined {
  const derived = secretEnvKey(key);
  return derived.length > '_SECRET_NAME'.length ? derived : undefined;
}

/** How many names "unknown name" messages list; a stack with hundreds of secrets would fill the screen. */
const LISTED_NAMES = 20;

/** The names a stack knows, for "unknown name" messages: the first few, and the command that lists them all. */
export function knownNames(entries: readonly SecretEntry[]): string {
  if (entries.length === 0) return '(none)';
  const names = entries.slice(0, LISTED_NAMES).map((entry) => entry.name).join(', ');
  if (entries.length <= LISTED_NAMES) return names;
  const stack = entries[0].stack.displayName;
  return `${names}, and ${entries.length - LISTED_NAMES} more (npx cdk-app-secrets list --stack ${/^[A-Za-z0-9/_.-]+$/.test(stack) ? stack : `'${stack}'`})`;
}

import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ownerOf } from './environment-guard';
import { InitialValue, lacksKey } from './guards';
import { topLevelStack } from './naming';
import { readersOf, renderedOnce } from './synth-index';
import { invalidProp } from './validation';

/*
 * CodeBuild reads a SECRETS_MANAGER environment variable itself when a build starts, and grants its
 * role on its own: grantRead never sees such a reader, so the projects that name a secret are found
 * at synth, in the secret's stage (a name is a literal any stack of it may use).
 */

/** The id of the warning about the placeholder read when a build starts. */
export const PLACEHOLDER_IN_BUILD_WARNING = 'cdk-app-secrets:placeholder-in-build';

/** What the check needs to know about a secret. */
export interface BuildReadSecret extends IConstruct {
  readonly secretName: string;
  readonly secretArn: string;
  /** The logical name, for the command that sets the value. */
  readonly name: string;
}

/**
 * Checks at synth each CodeBuild project of the secret's stage whose SECRETS_MANAGER variable reads the
 * secret. While it holds AppSecret's placeholder, a warning: a build started before a value is set gets
 * the placeholder (or fails, for a JSON key), and a pipeline deployed together with the secret starts one
 * at once. A JSON key the value lacks (a generated plain string, or a key its template or object value
 * does not have) fails synth: every build would fail. An attachment to a database adds keys synth cannot list.
 */
export function checkBuildReads(secret: BuildReadSecret, value: InitialValue, attached: () => boolean): void {
  if (!value.placeholder && !value.plainString && value.keys === undefined) return;
  const readers = readersOf(secret);
  secret.node.addValidation({
    validate: () => {
      const reads = buildReadsOf(secret, readers);
      if (value.placeholder) {
        reads.forEach((read) => warnPlaceholderInBuild(secret, read));
        return [];
      }
      const missing = reads.filter((read) => read.key !== '' && !value.keys?.includes(read.key));
      if (missing.length === 0 || (!value.plainString && attached())) return [];
      return missing.map((read) => missingKeyError(secret, value, read));
    },
  });
}

function warnPlaceholderInBuild(secret: BuildReadSecret, read: BuildRead): void {
  // On the secret's resource: CDK applies an acknowledgement on the secret to warnings of its children
  // added later, but not to its own.
  Annotations.of(secret.node.defaultChild ?? secret).addWarningV2(PLACEHOLDER_IN_BUILD_WARNING,
    `secret '${secret.node.path}' is read by CodeBuild project '${read.project}' (its SECRETS_MANAGER environment variable ${read.variable}) when a build starts, ` +
    "and it holds AppSecret's placeholder until a value is set: a build started before then gets the placeholder as its variable, or, for a JSON key, " +
    'which the placeholder lacks, fails; a pipeline deployed together with the secret starts its first build at once. ' +
    `Fix: deploy the secret first and set its value (npx cdk-app-secrets set ${secret.name} --stack ${topLevelStack(secret).node.path}) before the first build, ` +
    'or, for a value CloudFormation may generate (a password), set generateSecretString; ' +
    `then acknowledge this warning: Annotations.of(secret).acknowledgeWarning('${PLACEHOLDER_IN_BUILD_WARNING}').`);
}

function missingKeyError(secret: BuildReadSecret, value: InitialValue, read: BuildRead): string {
  const problem = lacksKey(value, read.key);
  const fix = value.plainString ? `read the whole secret (leave ':${read.key}' out of the variable's value), or give the secret its keys from the start in generateSecretString`
    : `read one of the keys it has, or add '${read.key}' to ${value.property}`;
  return invalidProp(secret, value.property, `${problem}, but CodeBuild project '${read.project}' reads that key (its SECRETS_MANAGER environment variable ${read.variable}), ` +
    'and a build whose secret lacks it fails', fix).message;
}

interface BuildRead {
  /** The project's path (its L2's, for a project's default child). */
  readonly project: string;
  readonly variable: string;
  /** The JSON key read, or '' for the whole value. */
  readonly key: string;
}

interface BuildVariable {
  readonly Name?: string;
  readonly Type?: string;
  readonly Value?: unknown;
}

/** The SECRETS_MANAGER variables of these CodeBuild projects that name this secret. */
function buildReadsOf(secret: BuildReadSecret, readers: Set<CfnResource>): BuildRead[] {
  const reads: BuildRead[] = [];
  // The secret's ARN as each stack renders it, resolved once per stack.
  const arns = new Map<Stack, string>();
  const arnIn = (stack: Stack) => arns.get(stack) ?? arns.set(stack, JSON.stringify(stack.resolve(secret.secretArn))).get(stack)!;
  for (const project of readers) {
    if (project.cfnResourceType !== 'AWS::CodeBuild::Project') continue;
    const environment = renderedOnce(project).Environment as { EnvironmentVariables?: BuildVariable[] } | undefined;
    for (const variable of environment?.EnvironmentVariables ?? []) {
      if (variable.Type !== 'SECRETS_MANAGER') continue;
      const key = keyRead(variable.Value, secret, Stack.of(project), arnIn);
      const owner = ownerOf(project);
      if (key !== undefined) reads.push({ project: owner.node.path, variable: variable.Name ?? '', key });
    }
  }
  return reads;
}

/**
 * The JSON key a variable's value reads from this secret ('' for the whole value), or undefined when
 * it names another secret. CodeBuild takes `<secret id>[:<json key>[:<stage>[:<version>]]]`, the id
 * being a name or an ARN (complete, or partial).
 */
function keyRead(value: unknown, secret: BuildReadSecret, stack: Stack, arnIn: (stack: Stack) => string): string | undefined {
  if (typeof value === 'string') {
    if (Token.isUnresolved(secret.secretName)) return undefined;
    const parts = value.split(':');
    if (!value.startsWith('arn:')) {
      return parts[0] === secret.secretName && holdsSecret(secret, stack.account, stack.region) ? parts[1] ?? '' : undefined;
    }
    const name = parts[6] ?? '';
    const named = name === secret.secretName || (name.length === secret.secretName.length + 7 && name.startsWith(`${secret.secretName}-`));
    return named && holdsSecret(secret, parts[4], parts[3]) ? parts[7] ?? '' : undefined;
  }
  // A reference to the secret's ARN, alone or joined with ':<key>...'.
  const arn = arnIn(stack);
  const json = JSON.stringify(value);
  if (json === arn) return '';
  const prefix = `{"Fn::Join":["",[${arn},":`;
  return json.startsWith(prefix) ? json.slice(prefix.length).split(/[:"]/)[0] : undefined;
}

/**
 * Whether a name read in this account and region is this secret (or its replica): a secret of the same
 * name elsewhere is another one. An environment-agnostic account or region may be any.
 */
function holdsSecret(secret: BuildReadSecret, account: string, region: string): boolean {
  const home = Stack.of(secret);
  const known = (a: string, b: string) => Token.isUnresolved(a) || Token.isUnresolved(b) || a === '' || a === b;
  if (!known(account, home.account)) return false;
  if (known(region, home.region)) return true;
  const cfn = secret.node.defaultChild as CfnResource & { replicaRegions?: unknown };
  const replicas = home.resolve(cfn.replicaRegions) as Array<{ region?: unknown }> | undefined;
  return (replicas ?? []).some((replica) => replica.region === region);
}

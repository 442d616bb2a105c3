/*
 * Checks a synthesized template against the service limits that CloudFormation, IAM and Lambda
 * enforce only at deploy time. Sizes are measured on the values as they would be after deployment:
 * intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Split, Fn::Select) are evaluated with
 * realistic physical names and ARNs, because IAM and Lambda see the resolved strings, not the
 * template's JSON.
 */

/** Published limits; the numbers are AWS's, not ours. */
export const LIMITS = {
  /** CloudFormation resources per stack. */
  cfnResources: 500,
  /** CloudFormation outputs per stack. */
  cfnOutputs: 200,
  /** CloudFormation template body uploaded to S3 (CDK always uploads), bytes. */
  cfnTemplateBytes: 1_048_576,
  /** IAM: all inline policies of one role together, characters without whitespace. */
  iamRoleInlineChars: 10_240,
  /** IAM: one managed policy document, characters without whitespace. */
  iamManagedPolicyChars: 6_144,
  /** IAM: managed policies attached to one role (default quota). */
  iamManagedPoliciesPerRole: 10,
  /** Lambda: all environment variables of one function, bytes (as JSON). */
  lambdaEnvBytes: 4_096,
} as const;

export interface TemplateAnalysis {
  readonly templateBytes: number;
  readonly resources: number;
  readonly outputs: number;
  /** Largest total of a role's inline policies, chars of minified JSON after deployment. */
  readonly maxRoleInlineChars: number;
  /** Overflow managed policies CDK created (CDK spills a role's policy into these when it grows). */
  readonly managedPolicies: number;
  readonly maxManagedPolicyChars: number;
  /** Most managed policies attached to one role (AWSLambdaBasicExecutionRole included). */
  readonly maxManagedPoliciesPerRole: number;
  /** Largest function environment, bytes of JSON after deployment. */
  readonly maxEnvBytes: number;
  /** Limits exceeded, empty when the stack would deploy. */
  readonly overLimits: string[];
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Resources = Record<string, { Type: string; Properties?: Json }>;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Bench',
};

/** What `Ref` of a resource returns once deployed (suffixes as long as the real random ones). */
function refValue(resources: Resources, id: string): string {
  if (PSEUDO[id]) return PSEUDO[id];
  const resource = resources[id];
  if (resource?.Type === 'AWS::SecretsManager::Secret') {
    return `arn:aws:secretsmanager:us-east-1:123456789012:secret:${resource.Properties?.Name ?? `Bench-${id}`}-AbCdEf`;
  }
  // Generated physical names: <stack>-<logical id>-<12-character suffix>, capped at 64 chars.
  return `Bench-${id}-ABCDEFGHIJKL`.slice(-64);
}

/** Evaluates CloudFormation intrinsics into plain values. */
export function evaluate(value: Json, resources: Resources): Json {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = value[key];
    switch (key) {
      case 'Ref': return refValue(resources, arg);
      case 'Fn::GetAtt': {
        const name = refValue(resources, arg[0]);
        return resources[arg[0]]?.Type === 'AWS::IAM::Role' ? `arn:aws:iam::123456789012:role/${name}` : `arn:aws:${arg[1]}:${name}`;
      }
      case 'Fn::Join': return (evaluate(arg[1], resources) as string[]).join(arg[0]);
      case 'Fn::Split': return String(evaluate(arg[1], resources)).split(arg[0]);
      case 'Fn::Select': return (evaluate(arg[1], resources) as string[])[Number(arg[0])];
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return (text as string).replace(/\$\{([^}]+)\}/g, (_, name: string) =>
          name in vars ? evaluate(vars[name], resources) : refValue(resources, name.split('.')[0]));
      }
    }
  }
  return Object.fromEntries(keys.map((k) => [k, evaluate(value[k], resources)]));
}

/** Size as IAM counts it: JSON without whitespace. */
const chars = (doc: Json): number => JSON.stringify(doc).length;

export function analyzeTemplate(template: Json, templateBytes: number): TemplateAnalysis {
  const resources: Resources = template.Resources ?? {};
  const entries = Object.entries(resources);
  const inlineByRole = new Map<string, number>();
  const managedByRole = new Map<string, number>();
  let managedPolicies = 0;
  let maxManagedPolicyChars = 0;
  let maxEnvBytes = 0;
  const roleIds = (refs: Json[] | undefined): string[] => (refs ?? []).map((r) => r?.Ref).filter(Boolean);
  const add = (map: Map<string, number>, id: string, n: number) => map.set(id, (map.get(id) ?? 0) + n);

  for (const [id, resource] of entries) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        for (const p of props.Policies ?? []) add(inlineByRole, id, chars(evaluate(p.PolicyDocument, resources)));
        add(managedByRole, id, (props.ManagedPolicyArns ?? []).length);
        break;
      case 'AWS::IAM::Policy': {
        const size = chars(evaluate(props.PolicyDocument, resources));
        for (const role of roleIds(props.Roles)) add(inlineByRole, role, size);
        break;
      }
      case 'AWS::IAM::ManagedPolicy':
        managedPolicies++;
        maxManagedPolicyChars = Math.max(maxManagedPolicyChars, chars(evaluate(props.PolicyDocument, resources)));
        for (const role of roleIds(props.Roles)) add(managedByRole, role, 1);
        break;
      case 'AWS::Lambda::Function': {
        const variables = evaluate(props.Environment?.Variables ?? {}, resources);
        maxEnvBytes = Math.max(maxEnvBytes, Buffer.byteLength(JSON.stringify(variables), 'utf8'));
        break;
      }
    }
  }
  const maxRoleInlineChars = Math.max(0, ...inlineByRole.values());
  const maxManagedPoliciesPerRole = Math.max(0, ...managedByRole.values());
  const outputs = Object.keys(template.Outputs ?? {}).length;

  const overLimits: string[] = [];
  const check = (value: number, limit: number, what: string) => {
    if (value > limit) overLimits.push(`${what} ${value.toLocaleString('en-US')} > ${limit.toLocaleString('en-US')}`);
  };
  check(entries.length, LIMITS.cfnResources, 'CFN resources');
  check(outputs, LIMITS.cfnOutputs, 'CFN outputs');
  check(templateBytes, LIMITS.cfnTemplateBytes, 'template bytes');
  check(maxRoleInlineChars, LIMITS.iamRoleInlineChars, 'IAM role inline policy chars');
  check(maxManagedPolicyChars, LIMITS.iamManagedPolicyChars, 'IAM managed policy chars');
  check(maxManagedPoliciesPerRole, LIMITS.iamManagedPoliciesPerRole, 'IAM managed policies per role');
  check(maxEnvBytes, LIMITS.lambdaEnvBytes, 'Lambda env bytes');

  return {
    templateBytes,
    resources: entries.length,
    outputs,
    maxRoleInlineChars,
    managedPolicies,
    maxManagedPolicyChars,
    maxManagedPoliciesPerRole,
    maxEnvBytes,
    overLimits,
  };
}

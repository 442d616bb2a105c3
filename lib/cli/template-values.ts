/*
 * CloudFormation expressions in a synthesized template read as text, as far as the template and the
 * stack's environment tell: literals, Refs to a secret's name, Fn::Join and Fn::Sub of pseudo
 * parameters, and secrets' ARNs taken apart.
 */
import { AssemblyStack, CfnTemplate } from './assembly';

/**
 * A literal, a Ref to a secret of the same template (its Name), or an Fn::Join/Fn::Sub of literals
 * and pseudo parameters known from the stack's environment. Anything else is not followed.
 */
export function resolveValue(value: unknown, template: CfnTemplate, stack: AssemblyStack, markUnknownEnv = false): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, any>;
  const pseudoParameter = (name: string) => knownPseudoParameter(name, stack) ?? (markUnknownEnv ? UNKNOWN_ENV_MARKERS[name] : undefined);
  if (typeof v.Ref === 'string') {
    const pseudo = pseudoParameter(v.Ref);
    if (pseudo !== undefined) return pseudo;
    const target = template.Resources?.[v.Ref];
    return target?.Type === 'AWS::SecretsManager::Secret' && typeof target.Properties?.Name === 'string' ? target.Properties.Name : undefined;
  }
  if (Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) {
    const parts = v['Fn::Join'][1].map((part: unknown) => resolveValue(part, template, stack, markUnknownEnv));
    return parts.every((part: string | undefined) => part !== undefined) ? parts.join(v['Fn::Join'][0]) : undefined;
  }
  if (typeof v['Fn::Sub'] === 'string') {
    let unresolved = false;
    const text = v['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) => pseudoParameter(name) ?? (unresolved = true, ''));
    return unresolved ? undefined : text;
  }
  return undefined;
}

/** What an environment-agnostic stack's unknown region and account read as in an ARN: parseSecretArn takes them for the defaults. */
const UNKNOWN_ENV_MARKERS: Record<string, string> = { 'AWS::Region': '(default-region)', 'AWS::AccountId': '(default-account)' };
/** The marker texts, to tell a value that holds one. */
export const UNKNOWN_ENV_MARKER_VALUES = Object.values(UNKNOWN_ENV_MARKERS);

/** A pseudo parameter's value where the stack's environment fixes it; undefined for the rest (and an unknown region or account). */
export function knownPseudoParameter(name: string, stack: AssemblyStack): string | undefined {
  switch (name) {
    case 'AWS::Partition': return partitionOf(stack.region);
    case 'AWS::Region': return stack.region;
    case 'AWS::AccountId': return stack.account;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    default: return undefined;
  }
}

/** The partition of a region; `aws` when the region is unknown. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:aws:secretsmanager:eu-west-1:111122223333:secret:name[-AbCdEf]` -> its parts; a marker part is undefined (the default). */
export function parseSecretArn(value: string): { region?: string; account?: string; name: string } | undefined {
  const match = /^arn:[^:]+:secretsmanager:([^:]+):([^:]+):secret:(.+)$/.exec(value);
  const known = (part: string) => (UNKNOWN_ENV_MARKER_VALUES.includes(part) ? undefined : part);
  return match ? { region: known(match[1]), account: known(match[2]), name: match[3] } : undefined;
}

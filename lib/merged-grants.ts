import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/*
 * CDK adds one statement per grant and spills a role's policy into overflow managed policies after
 * a few dozen of them. A function that reads many secrets would hit IAM's size limits, so every
 * grant of one kind to one principal goes into a single statement, which collects the resources.
 */

interface MergedStatement {
  readonly statement: iam.PolicyStatement;
  readonly added: iam.AddToPrincipalPolicyResult;
}

const statementsByPrincipal = new WeakMap<iam.IPrincipal, Map<string, MergedStatement>>();

/**
 * CDK sizes each tokenized ARN at 150 characters and moves whole statements into overflow managed
 * policies of at most 6,000 of them. A statement of more tokenized ARNs would be moved whole and
 * break IAM's 6,144-character limit for managed policies at deploy time.
 */
const MAX_TOKENIZED_RESOURCES_PER_STATEMENT = 35;

export interface MergedGrantOptions {
  /** Grants with the same key to the same principal share one statement. */
  readonly mergeKey: string;
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/**
 * Grants like `iam.Grant.addToPrincipal`, but folds the statement into the principal's existing
 * statement with the same merge key. The returned Grant holds what this call granted and depends on
 * the principal's policy, so `applyBefore` works as with any CDK grant.
 */
export function grantMerged(grantee: iam.IGrantable, options: MergedGrantOptions): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee: { grantPrincipal: new MergingPrincipal(grantee.grantPrincipal, options.mergeKey) },
    actions: options.actions,
    resourceArns: options.resourceArns,
    conditions: options.conditions,
  });
}

class MergingPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  constructor(private readonly target: iam.IPrincipal, private readonly mergeKey: string) {
    this.assumeRoleAction = target.assumeRoleAction;
    this.policyFragment = target.policyFragment;
    this.principalAccount = target.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    let statements = statementsByPrincipal.get(this.target);
    if (!statements) {
      statements = new Map();
      statementsByPrincipal.set(this.target, statements);
    }
    const tokenized = statement.resources.some((arn) => Token.isUnresolved(arn));
    const mergeKey = tokenized ? `${this.mergeKey}|tokenized` : this.mergeKey;
    const merged = statements.get(mergeKey);
    if (!merged || (tokenized && merged.statement.resources.length >= MAX_TOKENIZED_RESOURCES_PER_STATEMENT)) {
      // A copy, so that the first Grant keeps describing only what its own call granted.
      const shared = statement.copy();
      const added = this.target.addToPrincipalPolicy(shared);
      if (added.statementAdded) statements.set(mergeKey, { statement: shared, added });
      return added;
    }
    const newResources = statement.resources.filter((arn) => !merged.statement.resources.includes(arn));
    if (newResources.length > 0) merged.statement.addResources(...newResources);
    return merged.added;
  }
}

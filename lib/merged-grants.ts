import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { checkRolePolicySizesAtSynth } from './service-limits';

/*
 * CDK adds one statement per grant, and each repeats the actions. Grants of one kind to one
 * principal are folded into shared statements that collect the resources instead.
 *
 * A shared statement must not grow without bound: when a role's policy passes 10,000 characters
 * (CDK's count), CDK moves whole statements into overflow managed policies of up to 6,000, and a
 * statement bigger than that breaks IAM's 6,144 per managed policy at deploy time. So each shared
 * statement is closed at STATEMENT_BUDGET characters, measured both as CDK counts (150 per
 * tokenized ARN) and as deployed (the caller's bound on each ARN's real length), and three of them
 * fit into one managed policy. service-limits.ts checks the result as deployed at synth.
 */

interface MergedStatement {
  readonly statement: iam.PolicyStatement;
  readonly added: iam.AddToPrincipalPolicyResult;
  size: number;
}

const statementsByPrincipal = new WeakMap<iam.IPrincipal, Map<string, MergedStatement>>();

/** Characters per shared statement; below CDK's 2,000 for merging statements, a third of its 6,000 per managed policy. */
const STATEMENT_BUDGET = 1_950;
/** What CDK assumes for a tokenized ARN unless the context below says otherwise. */
const DEFAULT_ARN_SIZE_ESTIMATE = 150;
const ARN_SIZE_ESTIMATE_CONTEXT_KEY = '@aws-cdk/aws-iam.arnSizeEstimate';

export interface MergedGrantOptions {
  /** Grants with the same key to the same principal share one statement. */
  readonly mergeKey: string;
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
  /** Upper bound on each resource's length as deployed (same order as resourceArns); needed for tokenized ARNs. */
  readonly resourceSizes?: number[];
}

/**
 * Grants like `iam.Grant.addToPrincipal`, but folds the statement into the principal's existing
 * statement with the same merge key. The returned Grant holds what this call granted and depends on
 * the principal's policy, so `applyBefore` works as with any CDK grant.
 */
export function grantMerged(grantee: iam.IGrantable, options: MergedGrantOptions): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee: { grantPrincipal: new MergingPrincipal(grantee.grantPrincipal, options.mergeKey, options.resourceSizes ?? []) },
    actions: options.actions,
    resourceArns: options.resourceArns,
    conditions: options.conditions,
  });
}

class MergingPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  constructor(private readonly target: iam.IPrincipal, private readonly mergeKey: string, private readonly resourceSizes: number[]) {}

  // Read through, not copied: an imported function without a role (Function.fromFunctionArn) has a
  // principal whose policyFragment throws, though adding to its policy only warns.
  public get assumeRoleAction(): string {
    return this.target.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.target.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.target.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    let statements = statementsByPrincipal.get(this.target);
    if (!statements) {
      statements = new Map();
      statementsByPrincipal.set(this.target, statements);
      checkRolePolicySizesAtSynth(this.target);
    }
    const merged = statements.get(this.mergeKey);
    const newResources = statement.resources.filter((arn) => !merged?.statement.resources.includes(arn));
    const added = this.resourcesSize(newResources, statement.resources);
    if (!merged || merged.size + added > STATEMENT_BUDGET) {
      // A copy, so that the first Grant keeps describing only what its own call granted.
      const shared = statement.copy();
      const result = this.target.addToPrincipalPolicy(shared);
      if (result.statementAdded) statements.set(this.mergeKey, { statement: shared, added: result, size: statementOverhead(shared) + added });
      return result;
    }
    if (newResources.length > 0) merged.statement.addResources(...newResources);
    merged.size += added;
    return merged.added;
  }

  /** The larger of CDK's count and the deployed bound, for these resources of the statement. */
  private resourcesSize(resources: string[], all: string[]): number {
    const estimate = this.arnSizeEstimate();
    return resources.reduce((sum, arn) => {
      const bound = this.resourceSizes[all.indexOf(arn)] ?? (Token.isUnresolved(arn) ? estimate : arn.length);
      return sum + Math.max(Token.isUnresolved(arn) ? estimate : arn.length, bound) + 3;
    }, 0);
  }

  private arnSizeEstimate(): number {
    const fromContext = Construct.isConstruct(this.target) ? this.target.node.tryGetContext(ARN_SIZE_ESTIMATE_CONTEXT_KEY) : undefined;
    return typeof fromContext === 'number' ? fromContext : DEFAULT_ARN_SIZE_ESTIMATE;
  }
}

/** A statement's characters besides its resources: braces, Effect, Action, Condition, the Resource key. */
function statementOverhead(statement: iam.PolicyStatement): number {
  const json = statement.toStatementJson();
  delete json.Resource;
  return JSON.stringify(json).length + '"Resource":[],'.length;
}

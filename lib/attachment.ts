import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The id CDK's `attach` gives the attachment, which it checks for a second one. */
const ATTACHMENT_ID = 'Attachment';

/**
 * Whether the secret is attached to a database, whose engine, host and port the attachment adds to its value:
 * by `attach`, or by a `new secretsmanager.SecretTargetAttachment` anywhere in the app (a walk of the tree,
 * so callers ask only when a key is missing).
 */
export function isAttached(secret: secretsmanager.ISecret & Construct): boolean {
  if (secret.node.tryFindChild(ATTACHMENT_ID) !== undefined) return true;
  return secret.node.root.node.findAll().some((node) =>
    node instanceof secretsmanager.CfnSecretTargetAttachment && node.secretId === secret.secretArn);
}

/**
 * Attaches an AppSecret (created here or imported) to a database, as CDK's own `attach` does, but
 * with an attachment (`db.secret`) that grants and wires readers like the secret itself.
 * `cdkAttach` is the secret's inherited `attach`, which refuses a second attachment with CDK's message.
 */
export function attachWired(secret: secretsmanager.ISecret & Construct, target: secretsmanager.ISecretAttachmentTarget,
  cdkAttach: (target: secretsmanager.ISecretAttachmentTarget) => secretsmanager.ISecret): secretsmanager.ISecret {
  if (secret.node.tryFindChild(ATTACHMENT_ID)) return cdkAttach(target);
  return new WiredAttachment(secret, ATTACHMENT_ID, { secret, target });
}

/** The same secret, attached to a database: readers granted through it are wired like readers of the secret. */
class WiredAttachment extends secretsmanager.SecretTargetAttachment {
  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    return (this.node.scope as unknown as secretsmanager.ISecret).grantRead(grantee, versionStages);
  }
}

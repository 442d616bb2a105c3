import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The id CDK's `attach` gives the attachment, which it checks for a second one. */
const ATTACHMENT_ID = 'Attachment';

/** Whether the secret is attached to a database, whose engine, host and port the attachment adds to its value. */
export function isAttached(secret: Construct): boolean {
  return secret.node.tryFindChild(ATTACHMENT_ID) !== undefined;
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

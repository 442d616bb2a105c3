/* Help texts, one per command, printed by `--help` and on usage errors. */

export const COMMANDS = ['list', 'check', 'set', 'load'] as const;
export type CommandName = typeof COMMANDS[number];

const COMMON = `
  --app DIR        the cloud assembly, or an app's directory (default: the output set in the app's cdk.json,
                   else its cdk.out, from any subdirectory of the app; made by \`npx cdk synth\`)
  --help, -h       show this help`;

const HELP: Record<CommandName | 'main', string> = {
  main: `Usage: cdk-app-secrets <command> [options]

See and set the secrets a CDK app declares with AppSecret (and the ones its functions read),
from the synthesized cloud assembly (run \`npx cdk synth\` first).

Commands:
  list    every secret of the selected stacks with its status (set, placeholder, unset, missing, denied, error)
  check   like list, but exits with 1 when any selected secret is not set
  set     set one secret's value (from a file, stdin, or a prompt that does not echo)
  load    set many secrets from a JSON or .env file

Run \`cdk-app-secrets <command> --help\` for a command's options.
AWS credentials and region come from the standard AWS SDK chain (AWS_PROFILE, AWS_REGION, ...);
each stack is checked in its own account and region from the assembly.
Exit codes: 0 success, 1 failure (including unset secrets for check), 2 usage error.
`,
  list: `Usage: cdk-app-secrets list [--stack PATTERN] [--app DIR] [--json]

Lists every secret the selected stacks create with AppSecret or read in their functions (imported
ones too): stack, logical name, physical name, status and the functions that read it.

Status: set (with when it last changed), placeholder (still the generated value), unset (exists
without a value yet), missing (not deployed, deleted or scheduled for deletion, or in another
region), denied (no permission to check), error (with the AWS error code). Values are never printed.

Options:
  --stack PATTERN  stacks by name or display path; * and ? globs, ** across stages (repeatable; default: all)
  --json           an array of objects (stack, name, secretName, status, functions, ...) for scripts${COMMON}
`,
  check: `Usage: cdk-app-secrets check [--stack PATTERN] [--app DIR] [--json]

Checks every secret of the selected stacks, like list. Exits with 1 when any of them is not set,
naming each one and the command that fixes it; with 0 when all are set. For a pipeline step
after \`cdk deploy\`.

Options:
  --stack PATTERN  stacks by name or display path; * and ? globs, ** across stages (repeatable; default: all)
  --json           the same objects as list --json${COMMON}
`,
  set: `Usage: cdk-app-secrets set NAME [--stack STACK] [--app DIR] [--from-file PATH]

Sets the value of one secret with PutSecretValue and prints its physical name and the new version id.
NAME is the logical name (e.g. stripe-api-key) or the physical name.

The value is read from --from-file, else from stdin when it is piped
(printf %s "$VALUE" | cdk-app-secrets set ...), else from a prompt that does not echo and reads one
line (a value of several lines, such as a PEM key, needs --from-file or a pipe). It is never
taken from the command line, where it would stay in your shell history. Reading stdin ends when it
is closed; in CI (CI set), an open stdin that gives nothing for 10 seconds fails. One trailing newline is
dropped from a one-line value (a value of several lines, such as a key file, is kept whole); empty values and values over 65,536 bytes (Secrets Manager's limit) are refused. A secret
declared with a JSON shape (a generateSecretString template or secretObjectValue) takes a JSON
object with every declared key.

Options:
  --stack STACK    the stack (name or display path, e.g. Prod/Shop); optional when only one stack has NAME
  --from-file PATH read the value from this file (- for stdin)${COMMON}
`,
  load: `Usage: cdk-app-secrets load FILE [--stack STACK] [--app DIR] [--dry-run]

Sets many secrets of one stack from FILE (- for stdin, e.g. piped from sops -d): a JSON object
keyed by logical name (the runtime's local-mode file: values are strings, or objects stored as
JSON), or a .env file with lines
name=value (the logical name, the environment variable key such as STRIPE_API_KEY_SECRET_NAME, or
the runtime's local-mode variable such as CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY).

Names the stack does not know make the command fail before anything is written. Secrets whose
current value already matches (compared by SHA-256 fingerprint) are left unchanged.

Options:
  --stack STACK    the stack (name or display path); optional when there is only one
  --dry-run        show per secret whether it would be set, is unchanged or is unknown; write nothing${COMMON}
`,
};

export function helpText(command?: CommandName): string {
  return HELP[command ?? 'main'];
}

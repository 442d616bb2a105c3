/* `set` and `load`: writing values with PutSecretValue, after every check that can fail first. */
import { ParsedArgs } from './args';
import { assemblyDir, assemblyNote, readAssembly } from './assembly';
import { attemptsOf, clientFor, errorCode, fatalAwsError, FatalAwsError, isMalformedResponse, isNoAnswerCode, isScheduledForDeletion, isThrottlingCode, isTimeout, KMS_ERRORS, loadSdk, LOCATION_MISMATCH, locationMismatch, malformedDetail, noAnswer, resolveCredentials, secretIdOf, THROTTLING_HINT, timeoutDetail, unreachableDetail, whereOf } from './aws';
import { CliError, EXIT_FAILURE } from './errors';
import { buildInventory, SecretEntry } from './inventory';
import { readLoadFile } from './load-file';
import { Io } from './output';
import { describeStacks, findSecret, knownNames, sameSecret, secretElsewhere, selectOneStack } from './select';
import { checkSecrets, fingerprint, nameProblem, SecretStatus } from './status';
import { readValue, STDIN_FILE, valueProblems } from './values';

/** The secrets of the one stack `--stack` names, and where else the assembly has a name it lacks. */
function stackSecrets(args: ParsedArgs, command: string): { entries: SecretEntry[]; whereElse: (name: string) => string | undefined } {
  const all = readAssembly(assemblyDir(args.app));
  const stack = selectOneStack(all, args.stacks[0], command);
  let inventory: SecretEntry[] | undefined;
  return { entries: buildInventory([stack], all), whereElse: (name) => secretElsewhere(inventory ??= buildInventory(all, all), name, stack) };
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stackLabel(entries: readonly SecretEntry[], args: ParsedArgs): string {
  return entries[0]?.stack.displayName ?? args.stacks[0] ?? 'the stack';
}

export async function setCommand(args: ParsedArgs, io: Io): Promise<number> {
  const name = args.target!;
  const entry = args.stacks.length === 0 ? findInAnyStack(args, name) : undefined;
  const { entries, whereElse } = entry ? { entries: [entry], whereElse: () => undefined } : stackSecrets(args, 'set');
  const found = entry ?? findSecret(entries, name);
  if (!found) {
    const other = whereElse(name);
    throw new CliError(`stack ${stackLabel(entries, args)} has no secret '${name}'` +
      (other ? `: ${other}` : `. Its secrets: ${knownNames(entries)}. ${capitalized(assemblyNote(assemblyDir(args.app)))}`));
  }
  return setOne(found, args, io);
}

/**
 * Without --stack: the one secret `name` names in the whole assembly (a physical name is unique in
 * an account and region; a logical name may be in several stacks, and then --stack decides). Stacks
 * that all read one secret (imported by each, in one account and region) name that one secret.
 * Undefined to fall back to the one-stack rules.
 */
function findInAnyStack(args: ParsedArgs, name: string): SecretEntry | undefined {
  const all = readAssembly(assemblyDir(args.app));
  if (all.length <= 1) return undefined;
  const inventory = buildInventory(all, all);
  const byPhysical = inventory.filter((entry) => entry.secretName === name);
  const matches = byPhysical.length > 0
    ? byPhysical
    : all.map((stack) => findSecret(inventory.filter((e) => e.stack === stack), name)).filter((e) => e !== undefined);
  if (matches.length > 0 && matches.every((e) => sameSecret(e!, matches[0]!))) return matches[0];
  if (matches.length > 1) {
    throw new CliError(`'${name}' is a secret of ${matches.length} stacks (${matches.map((e) => e!.stack.displayName).join(', ')}); choose one with --stack`);
  }
  throw new CliError(`no stack has a secret '${name}'; stacks in the assembly: ${describeStacks(all)}. ${capitalized(assemblyNote(assemblyDir(args.app)))}`);
}

async function setOne(entry: SecretEntry, args: ParsedArgs, io: Io): Promise<number> {
  if (entry.deployTimeRefs || entry.failedLookup) throw new CliError(`not set: ${entry.name}: ${nameProblem(entry)}`);
  // Before asking for a value that could not be written.
  await resolveCredentials(entry);
  await checkedBeforeWriting(refuseUnwritable(entry));
  const value = await readValue(entry, args.fromFile, (text) => io.err(text));
  const problems = valueProblems(entry, value);
  if (problems.length > 0) throw new CliError(`not set: ${entry.name} (${entry.secretName}): ${problems.join('; ')}`);
  const versionId = await putValue(entry, value);
  io.out(`set ${entry.name}: ${entry.secretName}, version ${versionId}\n`);
  return 0;
}

export async function loadCommand(args: ParsedArgs, io: Io): Promise<number> {
  const { entries, whereElse } = stackSecrets(args, 'load');
  const file = args.target!;
  const items = await readLoadFile(file);
  if (items.length === 0) throw new CliError(file === STDIN_FILE ? 'stdin has no entries: nothing was piped into it (load - reads the file from stdin)' : `${file} has no entries`);
  const stack = stackLabel(entries, args);

  // Everything that can be known without AWS is checked before anything is written.
  const planned = items.map((item) => ({ item, entry: findSecret(entries, item.key) }));
  const unknown = planned.filter(({ entry }) => !entry);
  const invalid = planned.flatMap(({ item, entry }) => (entry ? (entry.deployTimeRefs || entry.failedLookup ? [nameProblem(entry)] : valueProblems(entry, item.value)).map((problem) => `${item.key} (${item.where}): ${problem}`) : []));
  const duplicates = planned.filter(({ entry }, i) => entry && planned.findIndex((other) => other.entry === entry) !== i);
  if (unknown.length > 0 || invalid.length > 0 || duplicates.length > 0) {
    for (const { item } of unknown) {
      const other = item.keyShown ? whereElse(item.key) : undefined;
      io.out(item.keyShown ? `unknown     ${item.key} (${item.where}): not a secret of stack ${stack}${other ? `: ${other}` : ''}\n`
        : `unknown     ${item.where}: not a secret of stack ${stack} (its key is not shown, as it looks like part of a value: quote a value that runs over lines)\n`);
    }
    for (const problem of invalid) io.out(`invalid     ${problem}\n`);
    for (const { item, entry } of duplicates) io.out(`duplicate   ${item.key} (${item.where}): ${entry!.name} is given more than once\n`);
    const reasons = [
      unknown.length > 0 ? `${unknown.length} unknown name${unknown.length > 1 ? 's' : ''} (stack ${stack} has: ${knownNames(entries)}; ${assemblyNote(assemblyDir(args.app))})` : '',
      invalid.length > 0 ? `${invalid.length} invalid value${invalid.length > 1 ? 's' : ''}` : '',
      duplicates.length > 0 ? `${duplicates.length} duplicate${duplicates.length > 1 ? 's' : ''}` : '',
    ].filter(Boolean).join(', ');
    throw new CliError(`${file}: ${reasons}; nothing was written`);
  }

  const targets = planned.map(({ item, entry }) => ({ item, entry: entry! }));
  const statuses = await checkedBeforeWriting(checkSecrets(targets.map(({ entry }) => entry)));
  const checked = targets.map(({ entry }, i) => ({ entry, status: statuses[i] }));
  const missing = checked.filter(({ status }) => status.status === 'missing');
  const elsewhere = checked.filter(({ status }) => status.errorCode === LOCATION_MISMATCH);
  // No answer to a read: writes would wait as long for each secret, and might land or not; no
  // connection, or an answer that is not Secrets Manager's: every write would fail the same way, one message per secret.
  const unchecked = checked.filter(({ status }) => status.status === 'error' && isNoAnswerCode(status.errorCode));
  if (missing.length > 0 || elsewhere.length > 0 || unchecked.length > 0) {
    for (const { entry, status } of missing) io.out(`missing     ${entry.name} (${entry.secretName}): ${status.detail}\n`);
    for (const { entry, status } of elsewhere) io.out(`elsewhere   ${entry.name} (${entry.secretName}): ${status.detail}\n`);
    for (const { entry, status } of unchecked) io.out(`unchecked   ${entry.name} (${entry.secretName}): ${status.detail}\n`);
    const reasons = [
      missing.length > 0 ? `${missing.length} secret${missing.length > 1 ? 's do' : ' does'} not exist in AWS (deploy the stack first: npx cdk deploy ${stack})` : '',
      elsewhere.length > 0 ? `${elsewhere.length} secret${elsewhere.length > 1 ? 's' : ''} answered from another account or region than the stack's` : '',
      unchecked.length > 0 ? `${unchecked.length} secret${unchecked.length > 1 ? 's' : ''} could not be checked` : '',
    ].filter(Boolean).join('; ');
    throw new CliError(`${reasons}; nothing was written`);
  }

  const { written, failures } = await writeValues(targets.map(({ item, entry }, i) => ({ entry, value: item.value, status: statuses[i] })), args, io);
  if (args.dryRun) io.err('dry run: nothing was written\n');
  if (failures > 0) {
    throw new CliError(`${failures} of ${targets.length} secrets could not be written${written > 0 ? ` (${written} were)` : ''}; ` +
      'run load again: secrets already written are left unchanged');
  }
  return 0;
}

/**
 * How many writes `load` keeps in flight: a long file loads in a fraction of the time one at a time
 * takes, while staying well under Secrets Manager's request rate for PutSecretValue.
 */
export const WRITE_CONCURRENCY = 4;

/** A secret of a load file, with its value and its status before the load. */
interface PlannedWrite {
  readonly entry: SecretEntry;
  readonly value: string;
  readonly status: SecretStatus;
}

/** A line of load's output, kept until the lines before it are printed. */
interface OutputLine {
  readonly stream: 'out' | 'err';
  readonly text: string;
}

/**
 * Writes the values that differ (or, in a dry run, says it would), a few at a time, printing one line
 * per secret in the file's order. The first write goes alone: credentials or permissions that fail
 * it would fail every write. Rejected credentials stop the load: writes in flight finish, and the
 * error says how many were written.
 */
async function writeValues(plan: readonly PlannedWrite[], args: ParsedArgs, io: Io): Promise<{ written: number; failures: number }> {
  const lines: Array<OutputLine | undefined> = new Array(plan.length);
  let printed = 0;
  const print = (index: number, line: OutputLine) => {
    lines[index] = line;
    for (; printed < plan.length && lines[printed]; printed++) io[lines[printed]!.stream](lines[printed]!.text);
  };
  const label = (entry: SecretEntry) => `${entry.name.padEnd(24)} ${entry.secretName}`;
  const writes: number[] = [];
  for (const [index, { entry, value, status }] of plan.entries()) {
    if (status.fingerprint !== undefined && status.fingerprint === fingerprint(value)) {
      print(index, { stream: 'out', text: `unchanged   ${label(entry)}\n` });
    } else if (args.dryRun) {
      print(index, { stream: 'out', text: `would set   ${label(entry)} (${status.status === 'denied' ? 'current value not readable' : `now ${status.status}`})\n` });
    } else {
      writes.push(index);
    }
  }

  let written = 0;
  let failures = 0;
  let stop: unknown;
  let next = 0;
  const writeNext = async () => {
    const index = writes[next++];
    const { entry, value } = plan[index];
    try {
      const versionId = await putValue(entry, value);
      written++;
      print(index, { stream: 'out', text: `set         ${label(entry)}, version ${versionId}\n` });
    } catch (e) {
      if (e instanceof FatalAwsError || !(e instanceof CliError) || e.exitCode !== EXIT_FAILURE) {
        stop ??= e;
        return;
      }
      failures++;
      print(index, { stream: 'err', text: `failed      ${label(entry)}: ${e.message}\n` });
    }
  };
  const worker = async () => {
    while (next < writes.length && stop === undefined) await writeNext();
  };
  if (writes.length > 0) await writeNext();
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, writes.length) }, worker));

  // Stopped: the lines of writes that finished after a gap (the one that stopped it, those not started).
  for (const line of lines.slice(printed)) if (line) io[line.stream](line.text);
  if (stop instanceof FatalAwsError) {
    // Expired credentials fail every write after them too: one message, and where the load stopped.
    throw new CliError(`${stop.message} The load stopped there: ${written} of ${plan.length} secrets were written; ` +
      'fix that and run load again (secrets already written are left unchanged)');
  }
  if (stop !== undefined) throw stop;
  return { written, failures };
}

/**
 * The checks `set` and `load` make before writing, reading the secrets: credentials AWS rejects
 * there are reported as rejected for that check, with nothing written, not as a failed read.
 */
async function checkedBeforeWriting<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (e) {
    throw e instanceof FatalAwsError ? new FatalAwsError(e.beforeWriting) : e;
  }
}

/**
 * Fails before the value is asked for when the write could not succeed: no answer, no connection,
 * or an answer that is not Secrets Manager's (DescribeSecret, in every stack, environment-agnostic
 * ones too); a secret that does not exist (a stack or stage not deployed yet) or is scheduled for
 * deletion. In a stack with a known account it also refuses a secret looked up by name (see
 * secretIdOf) when the same-named secret that answers is in another account: the credentials are
 * for the wrong one. Other failures (access denied: a role may have PutSecretValue alone) are left
 * to PutSecretValue, which reports them with what to do.
 */
async function refuseUnwritable(entry: SecretEntry): Promise<void> {
  const secretId = secretIdOf(entry);
  let described: { ARN?: string; DeletedDate?: Date };
  try {
    described = await clientFor(entry.region).send(new (loadSdk().DescribeSecretCommand)({ SecretId: secretId }));
  } catch (e) {
    const fatal = fatalAwsError(e, entry);
    if (fatal) throw fatal;
    // The write would wait as long again, or fail the same way, after the value was asked for.
    const unanswered = noAnswer(entry, e);
    if (unanswered) throw new CliError(`not set: ${entry.name} (${entry.secretName}): ${unanswered.detail}; nothing was written`);
    if (errorCode(e) === 'ResourceNotFoundException') throw notFoundError(entry);
    return;
  }
  // An ARN reaches the account it names; without an account there is none to compare.
  const mismatch = entry.account && !secretId.startsWith('arn:') ? locationMismatch(entry, described.ARN) : undefined;
  if (mismatch) throw new CliError(`not set: ${entry.name} (${entry.secretName}): ${mismatch}; nothing was written`);
  if (described.DeletedDate) throw scheduledForDeletionError(entry);
}

function notFoundError(entry: SecretEntry): CliError {
  return new CliError(`secret ${entry.secretName} does not exist in ${whereOf(entry)}: ${entry.imported
    ? 'it is created outside this app; create it first (aws secretsmanager create-secret)'
    : `deploy the stack first (npx cdk deploy ${entry.stack.displayName})`}`);
}

function scheduledForDeletionError(entry: SecretEntry): CliError {
  return new CliError(`secret ${entry.secretName} is scheduled for deletion: restore it with aws secretsmanager restore-secret --secret-id ${entry.secretName}, then set it again`);
}

/** PutSecretValue; resolves with the new version id, or rejects with a CliError that says what to do. */
async function putValue(entry: SecretEntry, value: string): Promise<string> {
  const sdk = loadSdk();
  const secretId = secretIdOf(entry);
  try {
    const output = await clientFor(entry.region).send(new sdk.PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
    return output.VersionId ?? '(no version id returned)';
  } catch (e) {
    const fatal = fatalAwsError(e, entry, 'writing');
    if (fatal) throw fatal;
    const code = errorCode(e);
    if (code === 'ResourceNotFoundException') throw notFoundError(entry);
    if (isScheduledForDeletion(e)) throw scheduledForDeletionError(entry);
    if (code === 'AccessDeniedException') {
      throw new CliError(`access denied writing ${entry.secretName}: your credentials need secretsmanager:PutSecretValue on ${secretId}` +
        ' (and kms:GenerateDataKey on its key, if it uses a customer-managed one)');
    }
    if (isTimeout(e) || code === 'ECONNRESET' || code === 'EPIPE') {
      // The request may have reached Secrets Manager before the answer was lost.
      throw new CliError(`writing ${entry.secretName}: ${isTimeout(e) ? timeoutDetail(entry, e) : unreachableDetail(entry, e)}. It may have been written: ` +
        `see cdk-app-secrets list --stack ${entry.stack.displayName}, and set it again if needed`);
    }
    if (isMalformedResponse(e)) {
      // Whatever answered may have passed the request on.
      throw new CliError(`writing ${entry.secretName}: ${malformedDetail(entry, e, 'not JSON')}. Whether it was written is not known: ` +
        `see cdk-app-secrets list --stack ${entry.stack.displayName}`);
    }
    if (KMS_ERRORS.has(code)) {
      throw new CliError(`writing ${entry.secretName} failed with ${code}: your credentials need kms:GenerateDataKey and kms:Decrypt on the secret's KMS key`);
    }
    const attempts = attemptsOf(e);
    throw new CliError(`writing ${entry.secretName} failed with ${code}${attempts && attempts > 1 ? ` after ${attempts} attempts` : ''}; nothing was changed, ` +
      (isThrottlingCode(code) ? `as Secrets Manager throttled the requests: ${THROTTLING_HINT}` : 'try again'));
  }
}

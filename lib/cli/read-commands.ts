/* `list` and `check`: every selected secret and its status. */
import { ParsedArgs } from './args';
import { assemblyDir, readAssembly } from './assembly';
import { isNoAnswerCode, isThrottlingCode, LOCATION_MISMATCH } from './aws';
import { EXIT_FAILURE } from './errors';
import { buildInventory, SecretEntry } from './inventory';
import { bold, Io, paint, progressReporter, renderTable, setCommand, toJson } from './output';
import { selectStacks } from './select';
import { checkSecrets, NAME_UNRESOLVED, SecretStatus, SHAPE_MISMATCH } from './status';

/** The secrets of the stacks `--stack` selects (all stacks without it). */
export function selectedSecrets(args: ParsedArgs): SecretEntry[] {
  const all = readAssembly(assemblyDir(args.app));
  return buildInventory(selectStacks(all, args.stacks), all);
}

export async function listCommand(args: ParsedArgs, io: Io): Promise<number> {
  const entries = selectedSecrets(args);
  const statuses = await checkSecrets(entries, progressReporter(io, entries.length));
  if (args.json) io.out(JSON.stringify(entries.map((entry, i) => toJson(entry, statuses[i])), null, 2) + '\n');
  else if (entries.length === 0) io.err('no secrets in the selected stacks\n');
  else io.out(renderTable(io, entries, statuses));
  return 0;
}

export async function checkCommand(args: ParsedArgs, io: Io): Promise<number> {
  const entries = selectedSecrets(args);
  const statuses = await checkSecrets(entries, progressReporter(io, entries.length));
  const failing = entries.map((entry, i) => ({ entry, status: statuses[i] })).filter(({ status }) => status.status !== 'set');
  if (args.json) {
    io.out(JSON.stringify(entries.map((entry, i) => toJson(entry, statuses[i])), null, 2) + '\n');
  } else {
    for (const { entry, status } of failing) io.out(`${paint(io, status.status, `✗ ${status.status}`)}  ${entry.stack.displayName}  ${bold(io, entry.name)} (${entry.secretName}): ${fixFor(entry, status)}\n`);
    const stackCount = new Set(entries.map((entry) => entry.stack)).size;
    io.out(failing.length === 0
      ? `${paint(io, 'set', '✓')} all ${entries.length} secrets of ${stackCount} stack${stackCount === 1 ? '' : 's'} are set\n`
      : `${failing.length} of ${entries.length} secrets are not set\n`);
  }
  return failing.length === 0 ? 0 : EXIT_FAILURE;
}

/** What to do about a secret that is not set. */
function fixFor(entry: SecretEntry, status: SecretStatus): string {
  switch (status.status) {
    case 'placeholder':
      return `still the generated placeholder. Set it: ${setCommand(entry)} (or aws secretsmanager put-secret-value --secret-id ${entry.secretName} --secret-string ...)`;
    case 'unset':
      return `${status.detail}. Set it: ${setCommand(entry)}`;
    case 'missing':
      return `${status.detail}. ${entry.imported
        ? `Create it (aws secretsmanager create-secret --name ${entry.secretName}), then ${setCommand(entry)}`
        : `Deploy the stack (npx cdk deploy ${entry.stack.displayName}), then ${setCommand(entry)}`}`;
    case 'denied':
      return `${status.detail}`;
    default:
      if (status.errorCode === SHAPE_MISMATCH) return `${status.detail}. Set it again: ${setCommand(entry)}`;
      // Their detail already says what to do.
      if ([LOCATION_MISMATCH, NAME_UNRESOLVED].includes(status.errorCode ?? '') || isNoAnswerCode(status.errorCode) || isThrottlingCode(status.errorCode)) return status.detail;
      return `checking it failed: ${status.detail}; the SDK already retried, run check again`;
  }
}

/*
 * Output conventions: results on stdout, everything else (progress, prompts, errors) on stderr;
 * colour only on a terminal and never with NO_COLOR set (https://no-color.org).
 */
import { SecretEntry } from './inventory';
import { SecretStatus, Status } from './status';

/** The streams a command writes to. */
export interface Io {
  /** Whether stdout gets colour. */
  readonly color: boolean;
  /** Whether stderr is a terminal (progress is shown there only then). */
  readonly errIsTty: boolean;
  out(text: string): void;
  err(text: string): void;
}

export function processIo(): Io {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color: process.stdout.isTTY === true && !noColor,
    errIsTty: process.stderr.isTTY === true,
  };
}

const COLORS: Record<Status, number> = { set: 32, placeholder: 33, unset: 33, missing: 31, denied: 31, error: 31 };

export function paint(io: Io, status: Status, text: string): string {
  return io.color ? `\u001b[${COLORS[status]}m${text}\u001b[39m` : text;
}

export function bold(io: Io, text: string): string {
  return io.color ? `\u001b[1m${text}\u001b[22m` : text;
}

/** The `--json` form of one secret. */
export function toJson(entry: SecretEntry, status: SecretStatus): Record<string, unknown> {
  return {
    stack: entry.stack.displayName,
    stackName: entry.stack.stackName,
    name: entry.name,
    secretName: entry.secretName,
    envKey: entry.envKey,
    imported: entry.imported,
    ...(entry.jsonKeys ? { jsonKeys: entry.jsonKeys } : {}),
    account: entry.account ?? null,
    region: entry.region ?? null,
    status: status.status,
    detail: status.detail,
    lastChanged: status.lastChanged?.toISOString() ?? null,
    errorCode: status.errorCode ?? null,
    functions: entry.functions,
  };
}

/** A table of secrets and their statuses, columns padded to the widest cell. */
export function renderTable(io: Io, entries: readonly SecretEntry[], statuses: readonly SecretStatus[]): string {
  const header = ['STACK', 'NAME', 'SECRET NAME', 'STATUS', 'FUNCTIONS', 'DETAIL'];
  const rows = entries.map((entry, i) => [
    entry.stack.displayName,
    entry.name + (entry.imported ? ' (imported)' : ''),
    entry.secretName,
    statuses[i].status,
    entry.functions.map((fn) => shortFunctionName(entry, fn)).join(', ') || '-',
    statuses[i].detail,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[], style: (cell: string, column: number) => string) =>
    cells.map((cell, column) => style(column === cells.length - 1 ? cell : cell.padEnd(widths[column]), column)).join('  ').trimEnd() + '\n';
  return line(header, (cell) => bold(io, cell))
    + rows.map((row, i) => line(row, (cell, column) => (column === 3 ? paint(io, statuses[i].status, cell) : cell))).join('');
}

/** A function path without its own stack's prefix: `Shop-dev/Checkout` in stack Shop-dev is `Checkout`. */
function shortFunctionName(entry: SecretEntry, fn: string): string {
  const prefix = `${entry.stack.displayName}/`;
  return fn.startsWith(prefix) ? fn.slice(prefix.length) : fn;
}

/** Lists of this many secrets or more take long enough (a round trip each) to show progress. */
const PROGRESS_THRESHOLD = 5;

/** Progress on stderr, only on a terminal and for lists long enough to wait for. */
export function progressReporter(io: Io, total: number): ((done: number, all: number) => void) | undefined {
  if (!io.errIsTty || total < PROGRESS_THRESHOLD) return undefined;
  return (done, all) => io.err(`\rchecking secrets ${done}/${all}${done === all ? '\r\u001b[K' : ''}`);
}

/** The command that sets a secret, as check prints it. */
export function setCommand(entry: SecretEntry): string {
  const stack = /^[A-Za-z0-9/_.-]+$/.test(entry.stack.displayName) ? entry.stack.displayName : `'${entry.stack.displayName}'`;
  return `npx cdk-app-secrets set ${entry.name} --stack ${stack}`;
}

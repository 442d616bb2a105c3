/*
 * Where values come from (a file, stdin, a prompt; never the command line) and what makes one
 * acceptable. No message here quotes a value. Load files' formats are in load-file.ts.
 */
import * as fs from 'node:fs';
import { CliError } from './errors';
import { SecretEntry } from './inventory';
import { promptHidden } from './prompt';
import { jsonShapeProblems } from './shape';
import { isPlaceholder } from './status';
import { PLACEHOLDER_MARKER_KEY } from '../env-contract';

/**
 * How long `set` waits in CI for stdin to give data or close: long enough for a producer such as
 * `aws ssm get-parameter ... |` to answer, short enough that a step whose stdin is an open pipe
 * nobody writes to fails with a message instead of hanging until the job's timeout.
 */
export const CI_STDIN_IDLE_SECONDS = 10;

/**
 * The value for `set`: --from-file, else piped stdin, else a prompt on the terminal. `notify`
 * writes a line for people (stderr).
 */
export async function readValue(entry: SecretEntry, fromFile: string | undefined, notify: (text: string) => void): Promise<string> {
  // `--from-file -` is stdin, as in most CLIs: the piped path below.
  if (fromFile !== undefined && fromFile !== STDIN_FILE) return dropTrailingNewline(readFile(fromFile));
  if (!process.stdin.isTTY) {
    // Said first, so that someone looking at a command that waits sees what it waits for.
    notify(`reading the value for ${entry.name} (${entry.secretName}) from stdin, which is not a terminal; it ends when stdin is closed\n`);
    const ci = inCi();
    const { text: piped, timedOut } = await readStdin(ci ? CI_STDIN_IDLE_SECONDS * 1000 : undefined);
    if (timedOut) {
      throw new CliError(`no value for ${entry.name}: stdin is an open pipe that ${piped === '' ? 'gave no data' : 'was not closed'} within ${CI_STDIN_IDLE_SECONDS} seconds, ` +
        'and CI is set, so set does not wait longer. Pass --from-file PATH, or pipe the value and close stdin (printf %s "$VALUE" | cdk-app-secrets set ...); nothing was written.');
    }
    if (piped === '') {
      throw new CliError(`no value for ${entry.name}: stdin is not a terminal (so there is no prompt) and nothing was piped into it. ` +
        'Pass --from-file PATH, pipe the value (printf %s "$VALUE" | cdk-app-secrets set ...), or run it in a terminal.');
    }
    return dropTrailingNewline(piped);
  }
  const shape = entry.jsonKeys ? ` (a JSON object with ${entry.jsonKeys.join(', ')})` : '';
  return promptHidden(`Value for ${entry.name}${shape} in ${entry.secretName} (input hidden): `, `${entry.name} (${entry.secretName})`);
}

/** The most Secrets Manager stores in one value, in bytes of UTF-8; PutSecretValue refuses more (ValidationException). */
export const MAX_VALUE_BYTES = 65_536;

/** Errors that make a value unacceptable for this secret (empty; too big; the placeholder; JSON shape); [] when fine. */
export function valueProblems(entry: SecretEntry, value: string): string[] {
  if (value.trim() === '') return ['the value is empty'];
  // Checked here, so that load refuses it before writing anything, and set does not answer "try again".
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_VALUE_BYTES) {
    return [`the value is ${bytes.toLocaleString('en-US')} bytes; Secrets Manager stores at most ${MAX_VALUE_BYTES.toLocaleString('en-US')} bytes per secret ` +
      '(keep a large file elsewhere, e.g. in S3, and put its location or a key to it in the secret)'];
  }
  // Writing the placeholder back (copied from the console, say) would leave the secret unset while
  // looking written: the runtime and `check` still take it for "no value yet".
  if (isPlaceholder(value)) {
    return [`the value is AppSecret's generated placeholder (a JSON object with the key ${PLACEHOLDER_MARKER_KEY}), not a real value; give the secret's real value`];
  }
  return entry.jsonKeys ? jsonShapeProblems(entry.jsonKeys, value) : [];
}

/** The FILE (or --from-file PATH) that means stdin, so a decrypting tool can pipe secrets without a file on disk. */
export const STDIN_FILE = '-';

/** A file's text (without a byte-order mark: see decodeUtf8). */
export function readFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return decodeUtf8(bytes, file);
}

const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD', 'utf8');

/**
 * UTF-8 text, or an error naming the first byte that is not: Node's decoder would put U+FFFD in its
 * place, and the secret would be written with its bytes silently changed (a Latin-1 file, a keystore).
 * A leading byte-order mark, which some editors (Notepad, PowerShell) save at the start of UTF-8
 * files, is left out, from a file as from stdin (`set NAME < file`): it is not part of a value, and
 * JSON.parse refuses it.
 */
function decodeUtf8(bytes: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let offset = 0;
    for (const char of bytes.toString('utf8')) {
      if (char === '\uFFFD' && !bytes.subarray(offset, offset + 3).equals(REPLACEMENT_CHARACTER)) break;
      offset += Buffer.byteLength(char);
    }
    throw new CliError(`${source} is not UTF-8 text (byte ${offset + 1}), and Secrets Manager stores text as UTF-8: save it as UTF-8 ` +
      '(e.g. iconv -f latin1 -t utf-8), or base64-encode binary data first; nothing was written');
  }
}

/** Whether this runs in CI (the variable CI services set): then nobody can type at a waiting command. */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci.toLowerCase() !== 'false';
}

/**
 * Everything piped into stdin, until it is closed; with `idleMs`, gives up (timedOut) once that
 * long passes without data or the end, and lets go of stdin so the process can exit.
 */
export function readStdin(idleMs: number | undefined): Promise<{ text: string; timedOut: boolean }> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onError);
    };
    const wait = () => {
      if (idleMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        settle();
        stdin.destroy();
        resolve({ text: Buffer.concat(chunks).toString('utf8'), timedOut: true });
      }, idleMs);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      wait();
    };
    const onEnd = () => {
      settle();
      try {
        resolve({ text: decodeUtf8(Buffer.concat(chunks), 'stdin'), timedOut: false });
      } catch (e) {
        reject(e);
      }
    };
    const onError = (e: Error) => {
      settle();
      reject(e);
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    wait();
  });
}

/**
 * One trailing line break after a one-line value is what `echo` and editors add, not part of it. A
 * value of several lines is a file (a PEM or OpenSSH key, a certificate) whose final line break
 * belongs to its format, and is kept: OpenSSH refuses a private key without it (error in libcrypto).
 */
function dropTrailingNewline(value: string): string {
  const dropped = value.replace(/\r?\n$/, '');
  return /[\r\n]/.test(dropped) ? value : dropped;
}

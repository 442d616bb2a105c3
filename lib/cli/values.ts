/*
 * Where values come from (a file, stdin, a prompt; never the command line) and what makes one
 * acceptable. No message here quotes a value: a JSON error says where, not what.
 */
import * as fs from 'node:fs';
import { CliError } from './errors';
import { SecretEntry } from './inventory';
import { promptHidden } from './prompt';
import { jsonShapeProblems } from './shape';
import { isPlaceholder } from './status';
import { PLACEHOLDER_MARKER_KEY } from '../env-contract';
import { locateJsonError } from '../runtime/json';

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
  return promptHidden(`Value for ${entry.name}${shape} in ${entry.secretName} (input hidden): `);
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

/** One entry of a load file. */
export interface LoadEntry {
  /** The key as written: logical name, env var key or physical name. */
  readonly key: string;
  readonly value: string;
  /** Where it is, for messages: `line 3` or `key "x"`. */
  readonly where: string;
  /**
   * Whether messages may name the key. A .env line that is the rest of a value run over lines (base64
   * wraps at 76 characters) reads as `piece-of-value=` up to its `=` padding: that key is never shown.
   */
  readonly keyShown: boolean;
}

/** The FILE (or --from-file PATH) that means stdin, so a decrypting tool can pipe secrets without a file on disk. */
export const STDIN_FILE = '-';

/**
 * Entries of a load file (`-`: stdin, until it is closed): a JSON object (name -> string, or object
 * stored as its JSON text, as the runtime's local-mode file) when its text starts with `{`,
 * otherwise a .env file.
 */
export async function readLoadFile(file: string): Promise<LoadEntry[]> {
  let text: string;
  let source = file;
  if (file === STDIN_FILE) {
    source = 'stdin';
    const piped = await readStdin(inCi() ? CI_STDIN_IDLE_SECONDS * 1000 : undefined);
    if (piped.timedOut) {
      throw new CliError(`load -: stdin was not closed within ${CI_STDIN_IDLE_SECONDS} seconds, and CI is set, so load does not wait longer. ` +
        'Pipe the file into it and close stdin, or give the file\'s path; nothing was written.');
    }
    text = piped.text.replace(/^\uFEFF/, '');
  } else {
    text = readFile(file);
  }
  return text.trimStart().startsWith('{') ? parseJsonFile(source, text) : parseDotEnv(source, text);
}

function parseJsonFile(file: string, text: string): LoadEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const { position, reason } = locateJsonError(text);
    throw new CliError(`${file} is not valid JSON (${reason} at position ${position}); it must map logical names to values, e.g. {"stripe-api-key": "..."}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${file} must be a JSON object mapping logical names to values`);
  }
  // JSON.parse keeps the last of two equal keys; a file that gives one twice is a mistake to point out.
  const keys = topLevelKeys(text);
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated !== undefined) {
    throw new CliError(`${file}: the key "${repeated}" is given more than once; keep one of them (nothing was written)`);
  }
  return Object.entries(parsed as Record<string, unknown>).map(([key, value]) => {
    if (typeof value === 'string') return { key, value, where: `key "${key}"`, keyShown: true };
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { key, value: JSON.stringify(value), where: `key "${key}"`, keyShown: true };
    throw new CliError(`${file}: the value of "${key}" must be a string or a JSON object (it is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`})`);
  });
}

/**
 * The keys of a JSON object's text, in order, repeats included (JSON.parse drops them). The text
 * is valid JSON: only strings and nesting need tracking, and a string directly inside the outer
 * object that a `:` follows is a key.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let next = i + 1;
      while (' \t\n\r'.includes(text[next])) next++;
      if (depth === 1 && text[next] === ':') keys.push(JSON.parse(text.slice(start, i + 1)) as string);
    }
  }
  return keys;
}

/**
 * `name=value` lines; `#` comments, `export ` prefixes, '...' literal and "..." escaped values. A
 * quoted value whose line holds no closing quote goes on to the line that does, as dotenv reads a
 * PEM key written across lines.
 */
function parseDotEnv(file: string, text: string): LoadEntry[] {
  const entries: LoadEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `line ${index + 1}`;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new CliError(`${file} ${where}: expected name=value (the logical name or the environment variable key)`);
    const key = match[1];
    let rest = match[2];
    const quote = rest[0];
    if ((quote === '\'' || quote === '"') && !hasClosingQuote(rest.slice(1), quote)) {
      while (index + 1 < lines.length) {
        rest += `\n${lines[++index]}`;
        if (hasClosingQuote(lines[index], quote)) break;
      }
    }
    entries.push({ key, value: dotEnvValue(file, where, rest), where, keyShown: looksLikeName(key) });
  }
  return entries;
}

/**
 * Whether a .env key is made as names and variable keys are: in one case, or with a `-`, `_` or `.`
 * (`stripe-api-key`, `STRIPE_API_KEY`, `Shop-dev/dev/stripe-api-key`). Base64 has none of those and mixes
 * cases, so the piece of a wrapped value before its padding is not one.
 */
function looksLikeName(key: string): boolean {
  return /^[A-Za-z0-9_./-]+$/.test(key) && (/[-_.]/.test(key) || key === key.toLowerCase() || key === key.toUpperCase());
}

/** Whether `text` holds `quote` ("..." values escape theirs with a backslash). */
function hasClosingQuote(text: string, quote: string): boolean {
  return quote === '"' ? /(^|[^\\])(\\\\)*"/.test(text) : text.includes(quote);
}

function dotEnvValue(file: string, where: string, rest: string): string {
  const quote = rest[0];
  if (quote === '\'' || quote === '"') {
    // The value ends at the first closing quote that only a # comment (or nothing) follows: a comment
    // may hold quotes (KEY="v" # "monthly"), and so may the value (KEY="{"user":"x"}"). '...' has no
    // escapes; "..." has \" .
    let end = -1;
    let closings = 0;
    for (let i = 1; i < rest.length && end < 0; i += quote === '"' && rest[i] === '\\' ? 2 : 1) {
      if (rest[i] !== quote) continue;
      closings++;
      if (/^\s*(#.*)?$/.test(rest.slice(i + 1))) end = i;
    }
    if (end < 0) {
      throw new CliError(closings === 0 ? `${file} ${where}: the quoted value has no closing ${quote}`
        : `${file} ${where}: unexpected text after the closing ${quote}; only a # comment may follow a quoted value`);
    }
    const inner = rest.slice(1, end);
    return quote === '\'' ? inner : inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c);
  }
  return rest.replace(/\s+#.*$/, '').trim();
}

/**
 * A file's text without a leading byte-order mark, which some editors (Notepad, PowerShell) save
 * at the start of UTF-8 files: it is not part of a value, and JSON.parse refuses it.
 */
function readFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return decodeUtf8(bytes, file).replace(/^\uFEFF/, '');
}

const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD', 'utf8');

/**
 * UTF-8 text, or an error naming the first byte that is not: Node's decoder would put U+FFFD in its
 * place, and the secret would be written with its bytes silently changed (a Latin-1 file, a keystore).
 */
function decodeUtf8(bytes: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
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
function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci.toLowerCase() !== 'false';
}

/**
 * Everything piped into stdin, until it is closed; with `idleMs`, gives up (timedOut) once that
 * long passes without data or the end, and lets go of stdin so the process can exit.
 */
function readStdin(idleMs: number | undefined): Promise<{ text: string; timedOut: boolean }> {
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

/** One trailing line break is what `echo` and editors add, not part of the value. */
function dropTrailingNewline(value: string): string {
  return value.replace(/\r?\n$/, '');
}

/*
 * The files `load` reads: a JSON object keyed by logical name (the runtime's local-mode file) or a
 * .env file. No message here quotes a value: a JSON error says where, not what, and a .env key that
 * looks like a piece of a value is not shown.
 */
import { CliError } from './errors';
import { CI_STDIN_IDLE_SECONDS, inCi, readFile, readStdin, STDIN_FILE } from './values';
import { locateJsonError } from '../runtime/json';

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
    text = piped.text;
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

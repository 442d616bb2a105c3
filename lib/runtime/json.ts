/*
 * JSON parsing that reports where a value is invalid without echoing any of it. V8's SyntaxError
 * messages quote the input ("Unexpected token 'x', "..." is not valid JSON"), so they are never
 * passed on; on failure a small scanner finds the offset of the first invalid character instead.
 */
import { SecretJsonError } from './errors';

/**
 * @internal Parse `text` as JSON, deeply frozen, or throw SecretJsonError naming `secretId` and the position.
 * Frozen because every read of a cached value shares the parsed object: a handler that changed it
 * (`delete db.password` after connecting) would otherwise change it silently for every later invocation.
 */
export function parseSecretJson(secretId: string, text: string): unknown {
  // A leading byte order mark (a value stored from a file some Windows editors wrote) is skipped, as
  // the local mode file's is; JSON.parse refuses it.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(start === 0 ? text : text.slice(start));
  } catch {
    const { position: offset, reason } = locateJsonError(text.slice(start));
    const position = offset + start;
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < position && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new SecretJsonError(secretId, position, line, position - lineStart + 1, reason);
  }
  return deepFreeze(parsed);
}

/** Freeze `value` and every object and array in it; iterative, as deeply nested JSON parses fine but would overflow a recursion. */
function deepFreeze(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    Object.freeze(next);
    for (const child of Object.values(next)) {
      if (typeof child === 'object' && child !== null) pending.push(child);
    }
  }
  return value;
}

/** @internal Offset and description of the first JSON syntax error in `text`. */
export function locateJsonError(text: string): { position: number; reason: string } {
  let i = 0;
  const fail = (reason: string): never => {
    throw new JsonLocation(i, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(i >= text.length ? 'unexpected end' : 'unexpected character');
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail('control character in string');
      if (c === 92) {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('invalid unicode escape');
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('invalid escape');
      }
      i++;
    }
    fail('unterminated string');
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail('invalid number');
    i += m![0].length;
  };
  // Iterative, with an explicit stack of open containers: a recursive scanner overflows the call stack
  // on deeply nested input (30,000 '[') and would fail with RangeError instead of SecretJsonError.
  const open: string[] = [];
  const scalar = (): void => {
    const c = text[i];
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else fail('unexpected character');
  };
  const member = (): void => {
    ws();
    if (text[i] !== '"') fail(i >= text.length ? 'unexpected end' : 'expected a double-quoted property name');
    string();
    ws();
    if (text[i] !== ':') fail(i >= text.length ? 'unexpected end' : "expected ':'");
    i++;
  };
  const value = (): void => {
    let expectValue = true;
    for (;;) {
      if (expectValue) {
        ws();
        if (i >= text.length) fail('unexpected end');
        const c = text[i];
        if (c === '{' || c === '[') {
          i++;
          ws();
          const close = c === '{' ? '}' : ']';
          if (text[i] === close) {
            i++;
          } else {
            open.push(close);
            if (c === '{') member();
            continue;
          }
        } else {
          scalar();
        }
        expectValue = false;
      }
      // After a value: close containers or move to the next element.
      if (open.length === 0) return;
      ws();
      const close = open[open.length - 1];
      if (text[i] === ',') {
        i++;
        if (close === '}') member();
        expectValue = true;
      } else if (text[i] === close) {
        i++;
        open.pop();
      } else {
        fail(i >= text.length ? 'unexpected end' : `expected ',' or '${close}'`);
      }
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected character after the value');
  } catch (e) {
    if (e instanceof JsonLocation) return { position: e.position, reason: e.reason };
    throw e;
  }
  // JSON.parse failed but the scanner accepted it: should not happen; report the end.
  return { position: text.length, reason: 'invalid JSON' };
}

class JsonLocation {
  constructor(readonly position: number, readonly reason: string) {}
}

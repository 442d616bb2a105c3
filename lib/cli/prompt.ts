/*
 * Reading a value typed at a terminal without echoing it: the terminal is put in raw mode and
 * nothing typed is written back. The prompt goes to stderr, so stdout stays the result only.
 */
import { CliError } from './errors';

/**
 * How long after Enter the prompt waits for more input before it takes the line: the rest of a
 * pasted text of several lines (a terminal sends its line breaks as Enter) arrives within it, a
 * person's next key does not.
 */
const PASTE_SETTLE_MS = 50;

/**
 * Reads one line from a TTY stdin without echo (`secret` names it in errors). Ctrl-C aborts (exit
 * 130), Ctrl-D ends the input.
 * Text after the line break (a pasted PEM key) is refused rather than cut off: the value would be
 * its first line. It is read and dropped, so that none of it reaches the shell as commands.
 */
export function promptHidden(prompt: string, secret: string): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the prompt appears, so nothing typed after it is ever shown.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    // Set once Enter was read; input that follows it within PASTE_SETTLE_MS belongs to a paste.
    let settling: NodeJS.Timeout | undefined;
    let severalLines = false;
    const finish = (error?: Error) => {
      clearTimeout(settling);
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const settle = () => {
      clearTimeout(settling);
      settling = setTimeout(() => finish(severalLines ? severalLinesError(secret) : undefined), PASTE_SETTLE_MS);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\u0003') return finish(new CliError('cancelled; nothing was written', 130));
        if (settling !== undefined) {
          if (char !== '\r' && char !== '\n') severalLines = true;
        } else if (char === '\r' || char === '\n') {
          settle();
        } else if (char === '\u0004') {
          return finish();
        } else if (char === '\u007f' || char === '\b') {
          value = value.slice(0, -1);
        } else if (char >= ' ' || char === '\t') {
          value += char; // other control characters are keys, not text
        }
      }
      // More of a paste: wait for its end, so that all of it is read here.
      if (settling !== undefined) settle();
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

function severalLinesError(secret: string): CliError {
  return new CliError(`not set: ${secret}: the value given at the prompt has several lines (a pasted PEM key?), and the prompt reads one line, ` +
    'so it would keep only the first: pass a value of several lines with --from-file PATH, or pipe it ' +
    '(cdk-app-secrets set NAME < key.pem); nothing was written');
}

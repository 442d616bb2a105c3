/*
 * Reading a value typed at a terminal without echoing it: the terminal is put in raw mode and
 * nothing typed is written back. The prompt goes to stderr, so stdout stays the result only.
 */
import { CliError } from './errors';

/** Reads one line from a TTY stdin without echo. Ctrl-C aborts (exit 130), Ctrl-D ends the input. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the prompt appears, so nothing typed after it is ever shown.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CliError('cancelled; nothing was written', 130));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ' || char === '\t') value += char; // other control characters are keys, not text
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

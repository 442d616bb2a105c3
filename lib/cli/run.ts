/* Runs one command line: parse, dispatch, and turn every failure into a message and an exit code. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine } from './args';
import { destroyClients } from './aws';
import { CliError, EXIT_FAILURE, UsageError } from './errors';
import { helpText } from './help';
import { Io } from './output';
import { checkCommand, listCommand } from './read-commands';
import { loadCommand, setCommand } from './write-commands';

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.version) {
      io.out(`${packageVersion()}\n`);
      return 0;
    }
    if (args.help) {
      io.out(helpText(args.command));
      return 0;
    }
    switch (args.command) {
      case 'list': return await listCommand(args, io);
      case 'check': return await checkCommand(args, io);
      case 'set': return await setCommand(args, io);
      case 'load': return await loadCommand(args, io);
      default: return 0;
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`cdk-app-secrets: ${e.message}\n`);
      if (e instanceof UsageError) io.err(e.command ? `Run 'cdk-app-secrets ${e.command} --help' for usage.\n` : `\n${helpText()}`);
      return e.exitCode;
    }
    // An unexpected failure (a bug): its name and first message line, never a stack. Values are
    // only ever parsed inside try blocks that drop V8's messages, which quote their input.
    io.err(`cdk-app-secrets: unexpected ${errorName(e)}; please report it with the command you ran\n`);
    return EXIT_FAILURE;
  } finally {
    destroyClients();
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}${e.message ? `: ${e.message.split('\n')[0].slice(0, 200)}` : ''}` : 'error';
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

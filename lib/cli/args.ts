/*
 * Command-line parsing with Node's util.parseArgs: one option set per command, strict, so a typo
 * is a usage error (exit 2) instead of being ignored.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';
import { CommandName, COMMANDS } from './help';

/** A parsed command line. */
export interface ParsedArgs {
  /** Undefined for `cdk-app-secrets --help` or `--version`. */
  readonly command?: CommandName;
  readonly help: boolean;
  readonly version: boolean;
  /** --app; undefined for the default (see assemblyDir). */
  readonly app?: string;
  readonly stacks: readonly string[];
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly fromFile?: string;
  /** NAME for set, FILE for load. */
  readonly target?: string;
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  app: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const OPTIONS: Record<CommandName, Record<string, OptionSpec>> = {
  list: { ...COMMON_OPTIONS, stack: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  check: { ...COMMON_OPTIONS, stack: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  set: { ...COMMON_OPTIONS, 'stack': { type: 'string' }, 'from-file': { type: 'string' } },
  load: { ...COMMON_OPTIONS, 'stack': { type: 'string' }, 'dry-run': { type: 'boolean' } },
};

/** Options people reach for to pass a value inline; refused with the reason. */
const VALUE_OPTIONS = ['--value', '--secret-string', '--secret'];

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(`missing command; commands: ${COMMANDS.join(', ')}`);
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !isCommand(topic)) throw new UsageError(`unknown command '${topic}'; commands: ${COMMANDS.join(', ')}`);
    return defaults({ command: topic as CommandName | undefined, help: true });
  }
  if (first === '--version' || first === '-v') return defaults({ version: true });
  if (!isCommand(first)) {
    throw new UsageError(first.startsWith('-')
      ? `expected a command before '${first}'; commands: ${COMMANDS.join(', ')}`
      : `unknown command '${first}'; commands: ${COMMANDS.join(', ')}`);
  }
  const command = first;
  const inline = rest.find((arg) => VALUE_OPTIONS.some((option) => arg === option || arg.startsWith(`${option}=`)));
  if (inline !== undefined) {
    throw new UsageError(`${command} does not take a value on the command line (${inline.split('=')[0]}): it would stay in your shell history. ` +
      'Use --from-file PATH, pipe it on stdin, or type it at the prompt.', command);
  }

  let parsed: { values: Record<string, unknown>; positionals: string[]; tokens: Array<{ kind: string; name?: string }> };
  try {
    parsed = parseArgs({ args: [...rest], options: OPTIONS[command], allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, command);
  }
  refuseRepeated(command, parsed.tokens);
  const { values, positionals } = parsed;
  const help = values.help === true;
  const stack = values.stack;
  const result = defaults({
    command,
    help,
    app: typeof values.app === 'string' ? values.app : undefined,
    stacks: Array.isArray(stack) ? stack : typeof stack === 'string' ? [stack] : [],
    json: values.json === true,
    dryRun: values['dry-run'] === true,
    fromFile: values['from-file'] as string | undefined,
    target: positionals[0],
  });
  if (help) return result;

  if (command === 'list' || command === 'check') {
    if (positionals.length > 0) throw new UsageError(`${command} takes no arguments (got '${positionals[0]}'); select stacks with --stack`, command);
  } else if (command === 'set') {
    if (positionals.length === 0) throw new UsageError('set needs the NAME of the secret, e.g. cdk-app-secrets set stripe-api-key --stack MyStack', command);
    if (positionals.length > 1) {
      throw new UsageError('set takes one NAME and never the value itself: a value on the command line stays in your shell history. ' +
        'Use --from-file PATH, pipe it on stdin, or type it at the prompt.', command);
    }
  } else {
    if (positionals.length === 0) throw new UsageError('load needs the FILE to read, e.g. cdk-app-secrets load secrets.json --stack MyStack', command);
    if (positionals.length > 1) throw new UsageError(`load takes one FILE (got ${positionals.length} arguments)`, command);
  }
  return result;
}

/**
 * parseArgs keeps the last of a repeated single-value option: `set --stack A --stack B` would write to
 * B. A repeated flag (`--json --json`) means the same once or twice, as scripts that build flag lists expect.
 */
function refuseRepeated(command: CommandName, tokens: ReadonlyArray<{ kind: string; name?: string }>): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    const spec = token.kind === 'option' && token.name !== undefined ? OPTIONS[command][token.name] : undefined;
    if (spec === undefined || spec.type !== 'string' || spec.multiple) continue;
    if (seen.has(token.name!)) throw new UsageError(`${command}: --${token.name} is given twice; give it once`, command);
    seen.add(token.name!);
  }
}

function isCommand(word: string): word is CommandName {
  return (COMMANDS as readonly string[]).includes(word);
}

function defaults(partial: Partial<ParsedArgs>): ParsedArgs {
  return {
    help: false,
    version: false,
    stacks: [],
    json: false,
    dryRun: false,
    ...partial,
  };
}

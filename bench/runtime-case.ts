/*
 * Child process for one runtime benchmark case against one library. The fake endpoint runs in the
 * parent (bench/runtime.ts), which counts requests. Protocol over the IPC channel:
 * child warms up (SDK loaded, client created, connection open) -> 'ready' -> parent zeroes the
 * counters -> 'go' -> child runs the measured part -> result message -> exit.
 */
import type { Adapter, WarmLoop } from './adapters/types';
import { WARMUP_SECRET } from './fakes';
import { median, msSince } from './util';

export type RuntimeMode = 'cold' | 'concurrent' | 'warm';

export interface RuntimeCaseInput {
  readonly bundle: string;
  readonly mode: RuntimeMode;
  /** Secrets to read (cold: fetched at once; warm: cycled through). */
  readonly ids: string[];
  /** concurrent: parallel reads of ids[0]. warm: calls per round. */
  readonly count?: number;
  /** warm: the read form, a key of the adapter's `warm` loops. */
  readonly form?: string;
  readonly rounds?: number;
  readonly warmupRounds?: number;
}

export interface RuntimeCaseResult {
  /** cold / concurrent: wall time of the measured part. */
  readonly wallMs?: number;
  /** warm: median over rounds of ns per call, and every round's value. */
  readonly nsPerCall?: number;
  readonly roundsNs?: number[];
}

function waitFor(message: string): Promise<void> {
  return new Promise((resolve) => process.once('message', (m) => m === message && resolve()));
}

function warmLoop(adapter: Adapter, form: string | undefined): WarmLoop {
  const loop = form === undefined ? undefined : adapter.warm?.[form];
  if (!loop) throw new Error(`the adapter has no warm read form ${form}`);
  return loop;
}

async function measure(adapter: Adapter, input: RuntimeCaseInput): Promise<RuntimeCaseResult> {
  switch (input.mode) {
    case 'cold': {
      const start = process.hrtime.bigint();
      const values = await adapter.readMany(input.ids);
      const wallMs = msSince(start);
      if (values.length !== input.ids.length || values.some((v) => typeof v !== 'string')) throw new Error('wrong values');
      return { wallMs };
    }
    case 'concurrent': {
      const start = process.hrtime.bigint();
      await Promise.all(Array.from({ length: input.count! }, () => adapter.readOne(input.ids[0])));
      return { wallMs: msSince(start) };
    }
    case 'warm': {
      const loop = warmLoop(adapter, input.form);
      const count = input.count!;
      const roundsNs: number[] = [];
      for (let r = 0; r < input.warmupRounds! + input.rounds!; r++) {
        const start = process.hrtime.bigint();
        await loop(input.ids, count);
        const ns = Number(process.hrtime.bigint() - start) / count;
        if (r >= input.warmupRounds!) roundsNs.push(ns);
      }
      return { nsPerCall: median(roundsNs), roundsNs };
    }
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]) as RuntimeCaseInput;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { adapter } = require(input.bundle) as { adapter: Adapter };
  // Warm-up read of a secret the case does not use: loads the SDK and opens the connection, so the
  // cold cases measure fetching, not module loading (bench/cold-start.ts measures that).
  await adapter.readOne(WARMUP_SECRET);
  // The warm case fills the cache (and one pass of its loop, for caches keyed by form) before the
  // counters are zeroed; it should then make no requests.
  if (input.mode === 'warm') {
    await adapter.readMany(input.ids);
    await warmLoop(adapter, input.form)(input.ids, input.ids.length);
  }
  const go = waitFor('go');
  process.send!('ready');
  await go;
  const result = await measure(adapter, input);
  process.send!(result, () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});

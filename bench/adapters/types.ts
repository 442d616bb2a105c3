/**
 * The same operations written idiomatically for each library. Each adapter is bundled with esbuild
 * (bench/bundle.ts) and loaded by bench/runtime-case.ts, so the measured code is what a user ships.
 * Each warm loop is written out in full, so the timed loop body is the read itself and not an extra
 * wrapper function.
 */
export interface Adapter {
  /** Cached-read loops by read form (see WARM_READS in bench/runtime.ts); none where a library has no per-read call (middy). */
  readonly warm?: Readonly<Record<string, WarmLoop>>;
  /** Read several secrets at once, the way the library's users would. */
  readMany(ids: string[]): Promise<string[]>;
  /** Read one secret; the returned promise is not awaited by the adapter. */
  readOne(id: string): Promise<string>;
}

/** `count` sequential cached reads cycling through `ids`; returns a checksum so nothing is optimized away. */
export type WarmLoop = (ids: string[], count: number) => Promise<number>;

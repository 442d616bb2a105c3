/*
 * Timers that survive a frozen sandbox. Lambda freezes a sandbox between invocations (and with
 * provisioned concurrency from the end of INIT to the first invocation) with reads in flight; the
 * clock runs on meanwhile, so at the thaw every timer of such a read fires at once, before the answer
 * that may be waiting on its socket is read. A timer that fires far later than set was frozen: it gets
 * one fresh period from the thaw instead of failing a request that never had its time.
 */

/**
 * How late (ms) a timer must fire to count as a frozen process rather than a busy event loop:
 * Lambda's freezes between invocations last seconds to hours.
 */
const FROZEN_MIN_MS = 1000;

/**
 * @internal Call `expire` after `ms`, or after `ms` from the thaw when the process was frozen past
 * `ms` (once: a second late firing expires). Returns the function that cancels it.
 */
export function thawAwareTimeout(expire: () => void, ms: number): () => void {
  const startedAt = Date.now();
  let thawed = false;
  const fire = (): void => {
    if (!thawed && Date.now() - startedAt > ms + FROZEN_MIN_MS) {
      thawed = true;
      timer = setTimeout(fire, ms);
      return;
    }
    expire();
  };
  let timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}

/*
 * What each library costs in Secrets Manager calls for a function users can picture: 5 secrets read on
 * every request, a steady 10 requests/s spread over 10 warm environments (1 request/s each), 30 days.
 * Calls per refresh are the requests each peer made for a cold read of 5 secrets in this run (one
 * BatchGetSecretValue for cdk-app-secrets over the SDK; one call per id for the others: the extension
 * has no batch API); the refresh rate follows from each library's TTL.
 */
import { BEST_TTL_S, Peer, PEERS } from './peers';
import type { Measured } from './runtime';

export const COST = { secrets: 5, environments: 10, requestsPerSecond: 10, days: 30, dollarsPer10kCalls: 0.05 } as const;

export interface Cost {
  readonly calls: number;
  readonly dollars: number;
}

export interface CostRow {
  readonly peer: Peer;
  /** Requests for one refresh of the 5 secrets, as measured, e.g. "1 BatchGetSecretValue". */
  readonly perRefresh: string;
  readonly atDefault: Cost;
  readonly atBest: Cost;
}

/**
 * Calls per month when the secrets are refreshed every `ttlS` seconds (0: read on every request;
 * Infinity: once per environment). A value expires after `ttlS` and is read again by the next request,
 * so at 1 request/s a TTL under 1 s still means one refresh per request.
 */
function callsPerMonth(callsPerRefresh: number, ttlS: number): number {
  const seconds = COST.days * 24 * 3600;
  const perEnvironmentRps = COST.requestsPerSecond / COST.environments;
  const refreshes = ttlS === Infinity ? 1 : seconds / Math.max(ttlS, 1 / perEnvironmentRps);
  return callsPerRefresh * refreshes * COST.environments;
}

const cost = (calls: number): Cost => ({ calls, dollars: (calls / 10_000) * COST.dollarsPer10kCalls });

/** One row per peer, from the measured cold reads of `COST.secrets` secrets. */
export function costTable(coldReads: Record<string, Measured>): CostRow[] {
  return PEERS.map((peer) => {
    const measured = coldReads[peer.id];
    const perRefresh = Object.entries(measured.requests).map(([op, n]) => `${n} ${op}`).join(' + ');
    return {
      peer,
      perRefresh,
      atDefault: cost(callsPerMonth(measured.totalRequests, peer.defaultTtlS)),
      atBest: cost(callsPerMonth(measured.totalRequests, BEST_TTL_S)),
    };
  });
}

/**
 * What the client is doing to recover, for a UI ("reconnecting in 2 s") without parsing logs: each token
 * refresh and each transient retry, as it starts.
 */
export interface ClientStatus {
  type: 'refreshing' | 'retrying';
  /** 1 for the first refresh of a 401 or the first re-send of a request, 2 for the second re-send, … */
  attempt: number;
  /** How long until the request is re-sent (0 for a refresh, which starts at once). */
  delayMs: number;
  /** Why: `401`, `status 503`, `ECONNRESET`, … */
  reason: string;
}

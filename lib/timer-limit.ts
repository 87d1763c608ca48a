/**
 * The longest delay a timer keeps: Node and browsers run a `setTimeout` / `setInterval` of more than 2^31 − 1 ms
 * after 1 ms instead (Node with a TimeoutOverflowWarning). Every delay this library schedules is capped here, so
 * a `timeoutMs` meant as "practically never" (about 24.8 days is the most) does not fire at once.
 */
export const LONGEST_TIMER_MS = 2_147_483_647;

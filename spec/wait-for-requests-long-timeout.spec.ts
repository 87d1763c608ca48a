/**
 * `waitForRequests(n, timeoutMs)` with a timeout meant as "no timeout" (Infinity, or anything past 2^31 − 1 ms):
 * node runs such a timer after 1 ms instead, so the wait rejected at once. It must wait for the requests.
 */
import { RequestWaitError, startTestGateway, type TestGateway } from '../lib/testing';

let gateway: TestGateway;
afterEach(async () => {
  await gateway?.close();
});

/** A few milliseconds: past when an overflowed (1 ms) timer set before it has fired. */
function laterThanOneMs(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

it.each([Infinity, 2 ** 31, 30 * 24 * 3600 * 1000])('waitForRequests(1, %p) waits for the request instead of rejecting at once', async (timeoutMs) => {
  gateway = await startTestGateway();
  const outcome = gateway.waitForRequests(1, timeoutMs).then(
    (requests) => requests.map((request) => request.path),
    (error: unknown) => error,
  );
  await laterThanOneMs();
  const answer = await fetch(`${gateway.url}/api/v1/llm/chat`, { method: 'POST', body: '{}' });
  await answer.text();
  const result = await outcome;
  expect(result).not.toBeInstanceOf(RequestWaitError);
  expect(result).toEqual(['/api/v1/llm/chat']);
});

it('a wait still rejects when the gateway closes first, and keeps no timer once settled', async () => {
  gateway = await startTestGateway();
  const waiting = gateway.waitForRequests(1, Infinity);
  await gateway.close();
  await expect(waiting).rejects.toMatchObject({ reason: 'closed', expected: 1, received: 0 });
});

/**
 * Runs one tool call as an Observable of its {@link ToolResult}: whatever the tool returns (a value, a Promise,
 * an Observable) and however it fails (unknown name, a throw, a rejection, an error notification), the model
 * gets a result to read. Unsubscribing tears the tool down: its Observable is unsubscribed and its
 * `signal` aborted, which is how a Promise-returning tool (a `fetch`) can stop too.
 */
import { catchError, defaultIfEmpty, isObservable, map, Observable, ObservableInput, of, takeLast, throwError } from 'rxjs';
import type { ToolCall } from './protocol';
import { UnknownToolError } from './tool-loop-errors';
import { toolErrorText, ToolResult, toolValueText } from './tool-messages';
import { withAbortSignal } from './with-abort-signal';

/** What a tool is told besides its arguments. */
export interface ToolContext {
  /** The call being answered (its `id`, `name`, `arguments`). */
  call: ToolCall;
  /** 1-based number of the model turn that asked for the call. */
  step: number;
  /** Aborted when the run is unsubscribed before this tool finished; hand it to `fetch` and the like. */
  signal: AbortSignal;
}

/**
 * A tool: gets the parsed JSON arguments and returns its value, a Promise of it, or an Observable (whose last
 * value counts; `undefined` or no value at all is told to the model as an empty string).
 */
export type Tool = (args: Record<string, unknown>, context: ToolContext) => unknown;

/** Tools by the name the model calls them (the names in the request's `tools` definitions). */
export type Tools = Readonly<Record<string, Tool>>;

/** Runs `call` with its tool from `tools`; emits exactly one {@link ToolResult}, then completes. Never errors. */
export function runTool(tools: Tools, call: ToolCall, step: number): Observable<ToolResult> {
  // Own properties only: a model asking for "constructor" or "toString" must not reach Object.prototype.
  const tool = Object.hasOwn(tools, call.name) ? tools[call.name] : undefined;
  if (typeof tool !== 'function') {
    const error = new UnknownToolError(call.name, Object.keys(tools));
    return of({ call, content: toolErrorText(error), error });
  }
  // A copy: a tool that fills in a default or deletes a key, in its arguments or in the call of its context,
  // must not rewrite what the model asked for (the `turn` and `tool-call` events, the assistant message of the
  // next request).
  return withAbortSignal((signal) =>
    asObservableInput(() => {
      const args = copyJson(call.arguments);
      return tool(args, { call: { ...call, arguments: args }, step, signal });
    }),
  ).pipe(
    takeLast(1),
    defaultIfEmpty(undefined),
    map((value): ToolResult => ({ call, content: toolValueText(value) })),
    // A failure without a reason (`Promise.reject()`, `error()`) is still a failure: `error` is always set.
    catchError((error: unknown) => of({ call, content: toolErrorText(error), error: error ?? new Error(String(error)) })),
  );
}

/**
 * A deep copy of JSON-shaped data (the arguments as parsed from the wire): arrays and plain objects are copied,
 * anything else is kept. Not `structuredClone`, which jsdom (Jest's browser environment, where the testing
 * controller runs) and older browsers lack. `Object.fromEntries` defines keys, so a `"__proto__"` key stays a key.
 */
function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyJson) as T;
  if (typeof value !== 'object' || value === null) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyJson(item)])) as T;
}

/** The tool's output as something `from` takes; a plain value (even a string or an array) is ONE value. */
function asObservableInput(start: () => unknown): ObservableInput<unknown> {
  let output: unknown;
  try {
    output = start();
  } catch (error) {
    return throwError(() => error);
  }
  if (isObservable(output)) return output;
  if (isPromiseLike(output)) return output;
  return [output];
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Every code sample a user would copy type-checks against the public entry points: each ```ts block of
 * README.md and each `@example` in the TSDoc of what lib/index.ts and lib/testing/index.ts export, compiled in
 * strict mode with `llm-gateway-rx`, `llm-gateway-rx/testing` and `llm-gateway-rx/testing/controller` mapped to
 * lib/. A sample gets only the declarations its reader obviously has (an `auth` service, a `messages` array,
 * Angular's few symbols); a new sample with none listed here fails until they are.
 * (What the samples do when run: spec/readme-samples.spec.ts, spec/readme-test-gateway.spec.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..');

/** Angular's symbols the README's Angular sample uses, as far as it uses them (@angular/core is no dependency here). */
const angular = `
declare module '@angular/core' {
  type Decorator = <T>(target: T, context?: unknown) => T | void;
  export function Injectable(options?: { providedIn?: 'root' }): Decorator;
  export function Component(options: { selector: string; template: string }): Decorator;
  export function inject<T>(token: abstract new (...args: never[]) => T): T;
  export abstract class DestroyRef { abstract onDestroy(callback: () => void): () => void; }
  export interface WritableSignal<T> { (): T; set(value: T): void; update(updater: (value: T) => T): void; }
  export function signal<T>(initial: T): WritableSignal<T>;
}
declare module '@angular/core/rxjs-interop' {
  import type { MonoTypeOperatorFunction } from 'rxjs';
  import type { DestroyRef } from '@angular/core';
  export function takeUntilDestroyed<T>(destroyRef?: DestroyRef): MonoTypeOperatorFunction<T>;
}
`;

const messages = 'declare const messages: { role: string; content: string }[];';

/** What a reader of each sample has in scope besides its imports, by a line of the sample. */
const contexts: Array<[marker: string, declarations: string]> = [
  ["const token$ = new BehaviorSubject<string>(process.env.GATEWAY_JWT!)", `declare const auth: { refresh(): Promise<string> };\n${messages}`],
  [
    'export class ChatService',
    `import type { BehaviorSubject, Observable } from 'rxjs';
declare const environment: { apiUrl: string };
declare class AuthService { token$: BehaviorSubject<string>; refresh$(): Observable<string>; }`,
  ],
  [
    'connect((chunks)',
    `import { connect, merge, tap } from 'rxjs';
import { accumulate, textSoFar, type LlmGatewayClient, type LLMRequest, type LLMResponse } from 'llm-gateway-rx';
declare const client: LlmGatewayClient;
declare const request: LLMRequest;
declare function render(text: string): void;
declare function save(response: LLMResponse): void;`,
  ],
  ['runTools$(client, request, tools', `import type { LlmGatewayClient } from 'llm-gateway-rx';\ndeclare const client: LlmGatewayClient;\n${messages}\ndeclare const functionDefinitions: object[];`],
  [
    'TestBed.configureTestingModule',
    `import type { Observable } from 'rxjs';
declare const TestBed: { configureTestingModule(module: { providers: unknown[] }): void };
declare const LLM_GATEWAY: unknown;
declare const service: { title$(topic: string): Observable<string> };
let shown: string | undefined;`,
  ],
  [
    'testScheduler.run(',
    `import { map, switchMap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { LlmGatewayTestingController } from 'llm-gateway-rx/testing/controller';
declare const testScheduler: TestScheduler;
declare const llm: LlmGatewayTestingController;`,
  ],
  ["import { startTestGateway } from 'llm-gateway-rx/testing';", `import { BehaviorSubject, lastValueFrom } from 'rxjs';\nimport { accumulate, LlmGatewayClient } from 'llm-gateway-rx';`],
  // The TSDoc @examples.
  [
    'pipe(textSoFar())',
    `import { textSoFar, type LlmGatewayClient, type LLMRequest } from 'llm-gateway-rx';
declare const client: LlmGatewayClient;
declare const request: LLMRequest;
declare const view: { text: string };`,
  ],
  [
    'pipe(accumulate())',
    `import { accumulate, type LlmGatewayClient, type LLMRequest, type LLMResponse } from 'llm-gateway-rx';
declare const client: LlmGatewayClient;
declare const request: LLMRequest;
declare function save(response: LLMResponse): void;`,
  ],
  [
    "runTools$(client, { model: 'm', messages, tools: definitions }",
    `import { filter } from 'rxjs';
import { runTools$, type LlmGatewayClient } from 'llm-gateway-rx';
declare const client: LlmGatewayClient;
${messages}
declare const definitions: object[];`,
  ],
  [
    "new LlmGatewayClient({ serverUrl: 'https://api.example.com', token$, refreshToken })",
    `import type { BehaviorSubject } from 'rxjs';
import { LlmGatewayClient } from 'llm-gateway-rx';
declare const token$: BehaviorSubject<string>;
declare function refreshToken(): Promise<string>;`,
  ],
  ['gateway.route(forwardToOpenAi(', `import { forwardToOpenAi, startTestGateway } from 'llm-gateway-rx/testing';`],
  [
    'new ChatService(llm.gateway)',
    `import type { Observable } from 'rxjs';
import type { LlmGateway } from 'llm-gateway-rx';
import { LlmGatewayTestingController } from 'llm-gateway-rx/testing';
declare class ChatService { constructor(gateway: LlmGateway); title$(topic: string): Observable<string>; }
let shown: string | undefined;`,
  ],
];

/** The README's ```ts / ```typescript blocks. */
function readmeSamples(): Array<{ where: string; code: string }> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)].map((match, i) => ({ where: `README.md block ${i + 1}`, code: match[1] }));
}

/** The @example of every declaration the two public entry points export, followed through re-exports. */
function tsdocSamples(): Array<{ where: string; code: string }> {
  const entries = ['lib/index.ts', 'lib/testing/index.ts'].map((entry) => join(root, entry));
  const program = ts.createProgram(entries, { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const samples = new Map<string, { where: string; code: string }>();
  for (const entry of entries) {
    for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const declaration of symbol.declarations ?? []) {
        for (const tag of ts.getJSDocTags(declaration).filter((jsdocTag) => jsdocTag.tagName.text === 'example')) {
          const code = ts.getTextOfJSDocComment(tag.comment) ?? '';
          samples.set(code, { where: `@example of ${symbol.name}`, code });
        }
      }
    }
  }
  return [...samples.values()];
}

it('every README sample and every @example of the public API type-checks against the public entry points', () => {
  const samples = [...readmeSamples(), ...tsdocSamples()];
  expect(samples.length).toBeGreaterThanOrEqual(13);
  const dir = mkdtempSync(join(tmpdir(), 'doc-samples-'));
  try {
    const files = samples.map(({ where, code }, i) => {
      const context = contexts.find(([marker]) => code.includes(marker));
      if (!context) throw new Error(`${where} has no declarations listed in spec/doc-samples-compile.spec.ts:\n${code}`);
      const file = join(dir, `sample${i}.ts`);
      // `export {}`: each sample is a module of its own, as a user's file is.
      // The declarations first (a `let` must come before its use), so the sample's lines start after them.
      writeFileSync(file, `${context[1]}\n${code}\nexport {};\n`);
      return { file, where, firstLine: context[1].split('\n').length + 1 };
    });
    writeFileSync(join(dir, 'angular.d.ts'), angular);
    const program = ts.createProgram([...files.map(({ file }) => file), join(dir, 'angular.d.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext, // top-level await, as in an ES module
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node', 'jest'],
      typeRoots: [join(root, 'node_modules', '@types')],
      skipLibCheck: true,
      baseUrl: dir,
      paths: {
        'llm-gateway-rx': [join(root, 'lib/index.ts')],
        'llm-gateway-rx/testing': [join(root, 'lib/testing/index.ts')],
        'llm-gateway-rx/testing/controller': [join(root, 'lib/testing/controller/index.ts')],
        '*': [join(root, 'node_modules/*')],
      },
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const sample = files.find(({ file }) => file === diagnostic.file?.fileName);
      const at = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
      const line = sample ? at - sample.firstLine + 1 : at;
      return `${sample?.where ?? diagnostic.file?.fileName} (line ${line}): ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

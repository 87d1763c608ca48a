/**
 * The published declarations as an app on an older `lib` reads them: Vite's and older Angular templates compile
 * with `lib: ["ES2020", "DOM"]`, where `Error` has no `cause`. The README documents `cause` on every error
 * (ConnectionError's system error and its `code`, a failed refresh's reason): it must be there after an
 * `instanceof` whatever the app's lib. The declarations are emitted in memory, as `npm run build` emits them
 * (from lib/errors.ts alone, which lib/index.ts re-exports: the whole graph would take seconds more).
 */
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..');
const out = join(root, '.declarations'); // virtual: nothing is written to disk

/** The .d.ts files of lib/errors.ts (where the error classes are) and its imports, by path under `out`. */
function emitDeclarations(): Map<string, string> {
  const files = new Map<string, string>();
  const program = ts.createProgram([join(root, 'lib', 'errors.ts')], {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(root, 'lib'),
    outDir: out,
    types: [],
  });
  program.emit(undefined, (name, text) => files.set(name, text));
  return files;
}

/** The diagnostics of `source` compiled against `declarations` with an ES2020 + DOM lib and no @types. */
function compileAgainst(declarations: Map<string, string>, source: string): string[] {
  const consumer = join(out, 'consumer.ts');
  const files = new Map(declarations).set(consumer, source);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2020,
    lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.directoryExists = (name) => name === out || ts.sys.directoryExists(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.getSourceFile = (name, version, ...rest) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, version, ...rest) : ts.createSourceFile(name, text, version);
  };
  const program = ts.createProgram([consumer], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the declarations under lib ES2020', () => {
  it('every error has the documented `cause` after instanceof', () => {
    const diagnostics = compileAgainst(
      emitDeclarations(),
      `import { AuthenticationError, ConnectionError, LLMProviderError } from './errors';
       export function why(error: unknown): unknown {
         if (error instanceof ConnectionError) return (error.cause as { code?: string } | undefined)?.code;
         if (error instanceof AuthenticationError) return error.cause;
         if (error instanceof LLMProviderError) return [error.status, error.request, error.cause];
         return undefined;
       }`,
    );
    expect(diagnostics).toEqual([]);
  });
});

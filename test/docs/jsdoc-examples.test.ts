import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// JSDoc `@example` blocks are read as documentation, so a name that no longer exists misleads
// the next reader. Every function or method an example calls must be declared somewhere in the
// product, in the example itself, or be a platform global.

const root = join(import.meta.dirname, '../..');
const productFolders = ['worker', 'gpu-node', 'shared', 'backends', 'sdk'];
const harness = /(\.test\.ts$|\/testing\/|\/conformance\/|\.d\.ts$)/;

function productFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : productFiles(path);
    return path.endsWith('.ts') && !harness.test(relative(root, path)) ? [path] : [];
  });
}

const files = productFolders.flatMap((folder) => productFiles(join(root, folder)));
const sources = files.map((file) =>
  ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2023, true),
);

/** Every name the product declares: functions, classes, methods, properties, variables. */
function declaredNames(source: ts.SourceFile, into: Set<string>): Set<string> {
  const visit = (node: ts.Node): void => {
    const name =
      ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isMethodSignature(node) ||
      ts.isPropertyDeclaration(node) ||
      ts.isPropertySignature(node) ||
      ts.isPropertyAssignment(node) ||
      ts.isShorthandPropertyAssignment(node) ||
      ts.isVariableDeclaration(node) ||
      ts.isParameter(node) ||
      ts.isGetAccessorDeclaration(node)
        ? node.name
        : undefined;
    if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) into.add(name.text);
    if (name && ts.isObjectBindingPattern(name)) {
      for (const element of name.elements) if (ts.isIdentifier(element.name)) into.add(element.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return into;
}

/** The `@example` blocks of a file, with the line each starts on. */
function examplesOf(source: ts.SourceFile): { line: number; code: string }[] {
  const text = source.getFullText();
  const found: { line: number; code: string }[] = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = match[0].split('\n').map((line) => line.replace(/^\s*\/?\*+\/?\s?/, ''));
    lines.forEach((line, index) => {
      if (!line.startsWith('@example')) return;
      const rest = lines.slice(index + 1);
      const end = rest.findIndex((next) => next.startsWith('@'));
      const code = [line.slice('@example'.length), ...(end === -1 ? rest : rest.slice(0, end))].join('\n');
      found.push({ line: source.getLineAndCharacterOfPosition(match.index).line + 1, code });
    });
  }
  return found;
}

/** Callee names in a snippet: `f(…)` gives f, `a.b.c(…)` gives c; and the names it declares. */
function calls(code: string): { called: Set<string>; declared: Set<string> } {
  // Inside an async function, `await` and `return` parse as they read.
  const wrapped = `async function example() {\n${code}\n}`;
  const source = ts.createSourceFile('example.ts', wrapped, ts.ScriptTarget.ES2023, true);
  const called = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee)) called.add(callee.text);
      if (ts.isPropertyAccessExpression(callee) && !isPlatformObject(callee.expression)) {
        called.add(callee.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const declared = declaredNames(source, new Set());
  declared.delete('example');
  return { called, declared };
}

/** `JSON.parse`, `console.log`, `Math.max`, `response.headers.get`: the platform's, not ours. */
function isPlatformObject(expression: ts.Expression): boolean {
  if (ts.isIdentifier(expression)) return expression.text in globalThis;
  if (ts.isPropertyAccessExpression(expression)) return platformProperties.has(expression.name.text);
  return ts.isParenthesizedExpression(expression) || ts.isAwaitExpression(expression);
}

const platformProperties = new Set(['headers', 'body', 'searchParams', 'storage', 'req', 'signal']);
const platformFunctions = new Set(['fetch', 'setTimeout', 'clearTimeout', 'structuredClone']);
/** Methods of platform and library objects examples use (arrays, responses, zod, bindings). */
const platformMethods = new Set(['getByName', 'json', 'text', 'map', 'filter', 'parse', 'safeParse', 'then']);

const declaredInProduct = new Set<string>();
for (const source of sources) declaredNames(source, declaredInProduct);

describe('JSDoc examples', () => {
  it('examples: every function or method an @example calls exists in the product or the platform', () => {
    const missing: string[] = [];
    let examples = 0;
    for (const source of sources) {
      for (const example of examplesOf(source)) {
        examples++;
        const { called, declared } = calls(example.code);
        for (const name of called) {
          const known =
            declaredInProduct.has(name) ||
            declared.has(name) ||
            platformFunctions.has(name) ||
            platformMethods.has(name) ||
            name in globalThis;
          if (!known) missing.push(`${relative(root, source.fileName)}:${example.line} calls ${name}()`);
        }
      }
    }
    expect(examples).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('examples: the check finds a call to a function that does not exist', () => {
    const { called } = calls('const match = await tenants.findByAppIssuer(await sha256Hex(bearer));');
    expect([...called].filter((name) => !declaredInProduct.has(name)).sort()).toEqual([
      'findByAppIssuer',
      'sha256Hex',
    ]);
  });
});

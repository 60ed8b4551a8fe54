import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/** One textual edit of a product source file, applied in memory while bundling. */
interface SourceEdit {
  /** Repository-relative path. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/** A bench variant of the edge: what it changes and the edits that make it. */
interface VariantPatch {
  readonly description: string;
  readonly edits: readonly SourceEdit[];
}

/**
 * Variants of the edge for locating its extra time. Product files are never written: the edits
 * are applied to the source text esbuild reads, and a patch whose `find` text is missing fails
 * the build rather than silently measuring the unpatched code.
 */
export const variantPatches: Readonly<Record<string, VariantPatch>> = {
  'no-api-key-auth': {
    description:
      'knock-out: the tenant principal memoised per Authorization header (no key digest or cache lookup)',
    edits: [
      {
        file: 'worker/middleware/authenticate.ts',
        find: `export const requireTenant: MiddlewareHandler<AppEnv> = async (context, next) => {
  const principal = await authenticate(context.env, context.req.header('authorization'));`,
        replace: `const benchPrincipals = new Map<string, Principal>();
export const requireTenant: MiddlewareHandler<AppEnv> = async (context, next) => {
  const benchHeader = context.req.header('authorization') ?? '';
  const principal = benchPrincipals.get(benchHeader) ?? (await authenticate(context.env, benchHeader));
  benchPrincipals.set(benchHeader, principal);`,
      },
    ],
  },
  'no-request-validation': {
    description: 'knock-out: the generation request JSON.parsed with defaults, no zod schema',
    edits: [
      {
        file: 'worker/middleware/read-json-body.ts',
        find: "return parseJsonBody(context.req.header('content-type'), text, schema);",
        replace: "return { n: 1, response_format: 'b64_json', priority: 'normal', ...JSON.parse(text) };",
      },
    ],
  },
  'no-hedging': {
    description: 'knock-out: dispatch without hedging (no per-call abort controller or hedge timer)',
    edits: [
      {
        file: 'worker/dispatch/route-and-dispatch.ts',
        find: `      hedge: {
        afterMs: (candidate) =>
          candidate.predictedMs === undefined ? null : hedgeDelayMs(candidate.predictedMs),
        allow: () => state.hedgeBudget.spend(),
      },`,
        replace: '',
      },
    ],
  },
  'no-request-id': {
    description: "knock-out: hono's requestId middleware removed (job ids become edge-undefined)",
    edits: [
      {
        file: 'worker/app.ts',
        find: 'app.use(requestId({ limitLength: maxRequestIdLength }));',
        replace: '',
      },
    ],
  },
};

/** Every patch above at once: what is left is Hono, routing, fetch and re-serialising the answer. */
export const allPatches = Object.keys(variantPatches);

/** An esbuild plugin that applies the named patches to the product sources it loads. */
export function patchPlugin(names: readonly string[], root = process.cwd()): Plugin {
  const edits = names.flatMap((name) => {
    const patch = variantPatches[name];
    if (!patch) throw new Error(`unknown bench patch ${name}`);
    return patch.edits;
  });
  const files = new Set(edits.map((edit) => edit.file));
  return {
    name: 'bench-edge-patches',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const file = relative(root, args.path);
        if (!files.has(file)) return undefined;
        let contents = await readFile(resolve(root, file), 'utf8');
        for (const edit of edits.filter((candidate) => candidate.file === file)) {
          if (!contents.includes(edit.find)) {
            throw new Error(`bench patch no longer applies to ${file}: ${edit.find.slice(0, 80)}`);
          }
          contents = contents.replace(edit.find, () => edit.replace);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

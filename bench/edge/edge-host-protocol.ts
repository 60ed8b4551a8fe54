/** What one edge host process runs. */
export type EdgeHostSpec =
  | {
      /** Spillway's edge through `startEdgeRuntime`, exactly as `npm start` runs it. */
      readonly kind: 'edge-runtime';
      readonly buildFolder: string;
      readonly secrets: Readonly<Record<string, string>>;
      readonly vars: Readonly<Record<string, string>>;
    }
  | {
      /** Any module Worker, bundled and run the same way (see miniflare-worker.ts). */
      readonly kind: 'worker';
      readonly entryPoint: string;
      readonly buildFolder: string;
      readonly bindings: Readonly<Record<string, string>>;
      readonly edgeObjects: boolean;
      /** Names of source patches from variant-patches.ts to apply while bundling. */
      readonly patches: readonly string[];
      readonly logRequests: boolean;
    };

/** What an edge host process reports over IPC. */
export type FromEdgeHost =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'failed'; readonly message: string };

/** What one edge host process runs. */
export type EdgeHostSpec =
  | {
      /**
       * A Worker started by `startEdgeRuntime` itself, so it gets exactly the runtime settings
       * `npm start` gives the edge: `edge` is worker/ as built; `passthrough` the bare Worker;
       * `buffered-passthrough` the bare Worker holding both bodies in full;
       * `knockouts` name bench variants of the edge (knockout-catalog.ts).
       */
      readonly kind: 'edge-runtime';
      readonly worker: 'edge' | 'passthrough' | 'buffered-passthrough';
      readonly knockouts: readonly string[];
      readonly buildFolder: string;
      readonly secrets: Readonly<Record<string, string>>;
      readonly vars: Readonly<Record<string, string>>;
    }
  | {
      /**
       * A module Worker in Miniflare with the settings edge-runtime.ts had before it turned
       * per-request logging off (LogLevel.INFO), kept to measure what that change saved.
       */
      readonly kind: 'info-log-runtime';
      readonly entryPoint: string;
      readonly buildFolder: string;
      readonly bindings: Readonly<Record<string, string>>;
      readonly edgeObjects: boolean;
    };

/** What an edge host process reports over IPC. */
export type FromEdgeHost =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'failed'; readonly message: string };

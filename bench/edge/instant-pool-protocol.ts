/** Messages the bench sends the instant pool process over IPC. */
export type ToInstantPool =
  | {
      readonly type: 'start-heartbeats';
      readonly edgeUrl: string;
      readonly poolId: string;
      /** PKCS#8 PEM of the pool's Ed25519 key, as `createDevPoolKey` writes it. */
      readonly keyPath: string;
      readonly intervalMs: number;
    }
  | { readonly type: 'stop-heartbeats'; readonly edgeUrl: string };

/** Messages the instant pool process sends back. */
export type FromInstantPool =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'heartbeats-started'; readonly edgeUrl: string }
  | { readonly type: 'heartbeats-stopped'; readonly edgeUrl: string };

/** The pool id every bench edge registers the instant pool under. */
export const instantPoolId = 'bench-pool';

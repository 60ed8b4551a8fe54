import type { DeliveryHost, FakeHttpServer, ProviderRequest } from './provider-http.ts';

/** What a test may switch on a fake hosted provider (Replicate, fal). */
export interface HostedFakeState {
  /** Running jobs stay running until released. */
  holding: boolean;
  /** Submits answer 429 with this `Retry-After` (seconds) while not null. */
  retryAfter: number | null;
  /** The next job submitted fails with this error. */
  failure: string | null;
  /** Outputs are JPEG bytes instead of PNGs. */
  jpeg: boolean;
  /** The origin the provider's answers name for the job's own URLs (null: its own). */
  urlsOrigin: string | null;
}

/** A running fake hosted provider and its controls. */
export interface HostedFake {
  /** The base URL the provider's pool URLs are built on. */
  readonly url: string;
  /** The key it accepts. */
  readonly apiKey: string;
  /** Every API request, in order. */
  readonly requests: ProviderRequest[];
  /** The separate origin serving output files, and what it received. */
  readonly delivery: DeliveryHost;
  /** Running jobs stay running until {@link HostedFake.release}. */
  hold(): void;
  /** Lets every held job finish. */
  release(): void;
  /** Submits answer 429 with this `Retry-After` (seconds); null stops it. */
  rateLimit(retryAfterSeconds: number | null): void;
  /** The next job submitted fails with this error. */
  failNext(error: string): void;
  /** Delivers JPEG bytes instead of PNGs (a model that ignores the format asked for). */
  deliverJpeg(on: boolean): void;
  /** Writes the job's own URLs in answers on this origin instead of its own (null: its own). */
  answerUrlsOn(origin: string | null): void;
  /** Jobs not finished yet. */
  active(): number;
  close(): Promise<void>;
}

/** A fresh state: nothing held, limited, failing or odd. */
export function hostedFakeState(): HostedFakeState {
  return { holding: false, retryAfter: null, failure: null, jpeg: false, urlsOrigin: null };
}

/** The controls of a fake hosted provider over `state`; `finishHeld` lets its held jobs finish. */
export function hostedControls(
  state: HostedFakeState,
  parts: {
    readonly url: string;
    readonly apiKey: string;
    readonly server: FakeHttpServer;
    readonly delivery: DeliveryHost;
    readonly finishHeld: () => void;
    readonly active: () => number;
  },
): HostedFake {
  return {
    url: parts.url,
    apiKey: parts.apiKey,
    requests: parts.server.requests,
    delivery: parts.delivery,
    hold: () => {
      state.holding = true;
    },
    release: () => {
      state.holding = false;
      parts.finishHeld();
    },
    rateLimit: (seconds) => {
      state.retryAfter = seconds;
    },
    failNext: (error) => {
      state.failure = error;
    },
    deliverJpeg: (on) => {
      state.jpeg = on;
    },
    answerUrlsOn: (origin) => {
      state.urlsOrigin = origin;
    },
    active: parts.active,
    close: async () => {
      await Promise.all([parts.server.close(), parts.delivery.close()]);
    },
  };
}

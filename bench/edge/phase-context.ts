import type { BenchCredentials } from './bench-credentials.ts';
import type { Cleanup } from './cleanup.ts';
import type { InstantPool } from './instant-pool.ts';
import type { MeasureSettings } from './measure-paths.ts';

/** What every phase of the bench shares. */
export interface PhaseContext {
  readonly pool: InstantPool;
  readonly credentials: BenchCredentials;
  /** Temporary folder for builds, configs and state. */
  readonly folder: string;
  readonly cleanup: Cleanup;
  readonly settings: MeasureSettings;
  readonly log: (line: string) => void;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { GpuStats } from '../../shared/index.ts';
import { nvidiaSmiQueryArgument, parseNvidiaSmiRow } from './nvidia-smi.ts';

/** Starts a child process; `spawn` of node:child_process unless a test counts the starts. */
export type ProcessStarter = (command: string, args: readonly string[]) => ChildProcess;

/** What a probe runs, how it starts processes, and how long it waits before trying again. */
export interface GpuProbeOptions {
  /** The nvidia-smi to run: a name looked up on PATH, or a path. */
  readonly command?: string;
  readonly startProcess?: ProcessStarter;
  /**
   * How long a missing, failed or silent nvidia-smi waits before it is looked for again; one that
   * keeps failing waits twice as long each time, up to {@link MAX_RETRY_DOUBLINGS} doublings.
   */
  readonly retryMs?: number;
  readonly now?: () => number;
}

/** A GPU's figures go unreported once this many reporting intervals pass without a new row. */
export const STALE_AFTER_INTERVALS = 3;

const DEFAULT_RETRY_MS = 60_000;
/**
 * Most doublings of the pause after nvidia-smi ended without printing a row, one per such end in a
 * row: a host with the tool but no driver is forked twice an hour at most (32 min), not once a
 * minute.
 */
export const MAX_RETRY_DOUBLINGS = 5;

/**
 * GPU utilisation and memory from one long-lived `nvidia-smi --loop`, read as it prints.
 *
 * It never starts a process per reading: starting a child forks this process, and a fork
 * write-protects every page it has, so each page the engine writes afterwards takes a fault. On
 * this project's CPU VM that is about 15 µs a page: the first 12-image 256 px step after starting
 * any child faulted 12,800 pages and took 195 ms of CPU, against 20-28 ms unforked. The one child
 * starts before the engine allocates, and a missing nvidia-smi is looked for on PATH, not started.
 */
export class GpuProbe {
  readonly #command: string;
  readonly #startProcess: ProcessStarter;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #rows = new Map<number, { readonly stats: GpuStats; readonly at: number }>();
  #intervalMs = 1_000;
  #child: ChildProcess | null = null;
  #lastRowAt = 0;
  /** Times the pause after a start that printed no row doubles next; reset by a row. */
  #doublings = 0;
  #rowsFromChild = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #watchTimer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;

  constructor(options: GpuProbeOptions = {}) {
    this.#command = options.command ?? 'nvidia-smi';
    this.#startProcess =
      options.startProcess ??
      ((command, args) => spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }));
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Each GPU's latest figures, by index; null where nvidia-smi is missing, failing or silent. */
  get latest(): GpuStats[] | null {
    const freshSince = this.#now() - STALE_AFTER_INTERVALS * this.#intervalMs;
    const fresh = [...this.#rows.values()].filter((row) => row.at >= freshSince).map((row) => row.stats);
    return fresh.length > 0 ? fresh.sort((a, b) => a.index - b.index) : null;
  }

  /**
   * Starts reading, one reading every `intervalMs` (nvidia-smi loops in whole seconds, at least
   * 1). A second call does nothing.
   */
  start(intervalMs: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#intervalMs = Math.max(1_000, Math.round(intervalMs / 1_000) * 1_000);
    this.#run();
  }

  /** Stops reading and ends the child. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer ?? undefined);
    clearTimeout(this.#watchTimer ?? undefined);
    this.#child?.kill();
    this.#child = null;
  }

  #run(): void {
    if (this.#stopped) return;
    if (!onPath(this.#command)) {
      this.#retryLater();
      return;
    }
    const args = [nvidiaSmiQueryArgument, '--format=csv,noheader', '-l', String(this.#intervalMs / 1_000)];
    const child = this.#startProcess(this.#command, args);
    this.#child = child;
    this.#lastRowAt = this.#now();
    this.#rowsFromChild = false;
    const ended = () => {
      if (this.#child !== child) return;
      this.#child = null;
      clearTimeout(this.#watchTimer ?? undefined);
      if (this.#rowsFromChild) this.#doublings = 0;
      this.#retryLater(this.#retryMs * 2 ** this.#doublings);
      if (!this.#rowsFromChild) this.#doublings = Math.min(MAX_RETRY_DOUBLINGS, this.#doublings + 1);
    };
    // A start that fails ('error') may or may not be followed by 'close'.
    child.once('error', ended);
    child.once('close', ended);
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => this.#read(line));
    this.#watch(child);
  }

  #read(line: string): void {
    // nvidia-smi writes its complaints to stdout too: they are no GPU's row.
    const stats = parseNvidiaSmiRow(line);
    if (!stats) return;
    this.#lastRowAt = this.#now();
    this.#rowsFromChild = true;
    this.#rows.set(stats.index, { stats, at: this.#lastRowAt });
  }

  // A hung nvidia-smi (it can hang on a wedged GPU) is ended, and started again after a pause.
  #watch(child: ChildProcess): void {
    this.#watchTimer = setTimeout(() => {
      if (this.#now() - this.#lastRowAt > this.#retryMs) child.kill();
      else this.#watch(child);
    }, this.#retryMs);
    this.#watchTimer.unref();
  }

  #retryLater(delayMs = this.#retryMs): void {
    if (this.#stopped) return;
    this.#retryTimer = setTimeout(() => this.#run(), delayMs);
    this.#retryTimer.unref();
  }
}

/** Whether `command` names an executable file, on PATH unless it is a path: no process started. */
function onPath(command: string): boolean {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((folder) => join(folder, command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

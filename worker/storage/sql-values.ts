/**
 * Reads back a JSON TEXT column. Only values validated before they were written are stored, so the
 * parsed value is trusted to have the written type.
 */
export function fromJsonColumn<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Reads a nullable JSON TEXT column. */
export function fromNullableJsonColumn<T>(text: string | null): T | null {
  return text === null ? null : fromJsonColumn<T>(text);
}

/** SQLite has no boolean type: flags are stored as 0 or 1. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

/** Reads a 0/1 flag column. */
export function fromFlag(value: number): boolean {
  return value !== 0;
}

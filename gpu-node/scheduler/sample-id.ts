/** Where one image of one admitted job stands: the attempt's serial and the image's index. */
export interface SampleAddress {
  readonly serial: number;
  readonly index: number;
}

/**
 * The engine's handle for image `index` of the job attempt `serial`. The serial, not the job id,
 * goes in, so late engine events of a replaced attempt cannot touch its successor.
 *
 * @example
 * const sampleId = sampleIdOf(12, 3); // '12#3'
 * parseSampleId(sampleId); // { serial: 12, index: 3 }
 */
export function sampleIdOf(serial: number, index: number): string {
  return `${serial}#${index}`;
}

/** The address in a sample id made by {@link sampleIdOf}; undefined for any other string. */
export function parseSampleId(sampleId: string): SampleAddress | undefined {
  const match = /^(0|[1-9]\d*)#(0|[1-9]\d*)$/.exec(sampleId);
  if (!match) return undefined;
  const serial = Number(match[1]);
  const index = Number(match[2]);
  if (!Number.isSafeInteger(serial) || !Number.isSafeInteger(index)) return undefined;
  return { serial, index };
}

import { describe, expect, it } from 'vitest';
import { isPngBase64, isPngBytes, pngSizeOfBase64 } from '../../backends/provider-kit/index.ts';
import { testPng } from '../support/providers/provider-http.ts';

/** What the black-box tester's pool answered: the PNG signature, then a page that runs script. */
const FORGED = latin1('\x89PNG\r\n\x1a\n<html><script>alert(document.domain)</script></html>');
/** The IEND chunk every PNG file ends with. */
const IEND = latin1('\0\0\0\0IEND\xae\x42\x60\x82');
/** Where a PNG's IHDR width starts: after the signature and IHDR's length and type. */
const IHDR_WIDTH_AT = 16;

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Real PNGs (pngjs) whose lengths cover every remainder modulo 3: every way base64 can end. */
function realPngs(): Uint8Array[] {
  const pngs = [1, 2, 3, 5, 7, 9, 64].map((side) => testPng(side, side + 1, side));
  expect(new Set(pngs.map((png) => png.length % 3))).toEqual(new Set([0, 1, 2]));
  return pngs;
}

describe('PNG framing', () => {
  it('png: real PNGs pass as bytes and as base64, padded or not', () => {
    for (const png of realPngs()) {
      const padded = base64(png);
      expect([isPngBytes(png), isPngBase64(padded), isPngBase64(padded.replace(/=+$/, ''))]).toEqual([
        true,
        true,
        true,
      ]);
    }
  });

  it('png: base64 broken into lines passes, as atob reads it', () => {
    for (const png of realPngs()) expect(isPngBase64(base64(png).replace(/(.{76})/g, '$1\r\n'))).toBe(true);
  });

  it('png: the PNG signature followed by an HTML page is refused, as bytes and as base64', () => {
    expect([isPngBytes(FORGED), isPngBase64(base64(FORGED))]).toEqual([false, false]);
    // Nor does the trailer alone make it one: IHDR must come first.
    const trailed = new Uint8Array([...FORGED, ...IEND]);
    expect([isPngBytes(trailed), isPngBase64(base64(trailed))]).toEqual([false, false]);
  });

  it('png: a truncated PNG (no IEND at the end) is refused', () => {
    const png = testPng(64, 64, 7);
    for (const cut of [1, IEND.length, Math.floor(png.length / 2)]) {
      const truncated = png.subarray(0, png.length - cut);
      expect([isPngBytes(truncated), isPngBase64(base64(truncated))]).toEqual([false, false]);
    }
    const trailing = new Uint8Array([...png, 0]);
    expect([isPngBytes(trailing), isPngBase64(base64(trailing))]).toEqual([false, false]);
  });

  it('png: a real IHDR and IEND around nothing, or an empty size, are refused', () => {
    const png = testPng(64, 64, 7);
    const framesOnly = new Uint8Array([...png.subarray(0, IHDR_WIDTH_AT + 8), ...IEND]);
    expect([isPngBytes(framesOnly), isPngBase64(base64(framesOnly))]).toEqual([false, false]);
    const empty = png.slice();
    empty.fill(0, IHDR_WIDTH_AT, IHDR_WIDTH_AT + 4);
    expect([isPngBytes(empty), isPngBase64(base64(empty)), pngSizeOfBase64(base64(empty))]).toEqual([
      false,
      false,
      null,
    ]);
  });

  it('png: an end that is not base64 (stray characters, misplaced padding) is refused', () => {
    const b64 = base64(testPng(64, 64, 7));
    for (const broken of [`${b64}A`, `${b64}%`, `${b64}=`, `${b64}====`]) {
      expect(isPngBase64(broken)).toBe(false);
    }
    expect([isPngBase64(''), isPngBase64('iVBORw0KGgo=')]).toEqual([false, false]);
  });

  it('png: the size is read from IHDR alone, as WIDTHxHEIGHT', () => {
    expect(pngSizeOfBase64(base64(testPng(64, 32, 7)))).toBe('64x32');
    expect(pngSizeOfBase64(base64(testPng(64, 32, 7)).slice(0, 32))).toBe('64x32');
    expect(pngSizeOfBase64(base64(FORGED))).toBeNull();
  });
});

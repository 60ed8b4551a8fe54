import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP_END, CLIP_START, loadClipTokenizer } from './clip-tokenizer.ts';
import { tinyTokenizerFiles } from './tiny-tokenizer.ts';

let folder = '';
const { files } = tinyTokenizerFiles();
const vocab: Record<string, number> = JSON.parse(files['vocab.json'] ?? '{}');
const id = (token: string) => vocab[token] ?? -1;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'spillway-tokenizer-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('CLIP tokenizer from the slow files', () => {
  it('tokenizer: lowercased, whitespace collapsed, words merged by BPE with </w>, digits one by one, padded to 77', async () => {
    const tokenizer = await loadClipTokenizer(folder);
    const ids = Array.from(tokenizer.encode('A  photo of a CAT! zebra 42'));
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 15)).toEqual([
      id(CLIP_START),
      id('a</w>'),
      id('photo</w>'),
      id('of</w>'),
      id('a</w>'),
      id('cat</w>'),
      id('!</w>'),
      // No merges for "zebra": its characters, the last one ending the word.
      id('z'),
      id('e'),
      id('b'),
      id('r'),
      id('a</w>'),
      id('4</w>'),
      id('2</w>'),
      id(CLIP_END),
    ]);
    expect(new Set(ids.slice(15))).toEqual(new Set([id(CLIP_END)]));
  });

  it('tokenizer: a long prompt is cut to 77 with its end token kept; the config’s pad token pads', async () => {
    const tokenizer = await loadClipTokenizer(folder);
    const long = Array.from(tokenizer.encode('cat '.repeat(200)));
    expect(long).toHaveLength(77);
    expect(long[0]).toBe(id(CLIP_START));
    expect(long[76]).toBe(id(CLIP_END));
    expect(long.slice(1, 76).every((token) => token === id('cat</w>'))).toBe(true);
    // SD 2.x pads with "!".
    const config = JSON.parse(files['tokenizer_config.json'] ?? '{}');
    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ ...config, pad_token: '!' }));
    const padded = Array.from((await loadClipTokenizer(folder)).encode('a cat'));
    expect(padded.slice(0, 5)).toEqual([id(CLIP_START), id('a</w>'), id('cat</w>'), id(CLIP_END), id('!')]);
    await writeFile(join(folder, 'tokenizer_config.json'), files['tokenizer_config.json'] ?? '');
  });
});

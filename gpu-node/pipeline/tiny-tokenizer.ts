import { CLIP_END, CLIP_START } from './clip-tokenizer.ts';

/** Words the tiny vocabulary merges whole (everything else falls back to single characters). */
const TINY_WORDS = ['a', 'photo', 'of', 'cat', 'dog', 'red', 'blurry', 'low', 'quality'];

/**
 * GPT-2's byte-to-unicode table, which CLIP's BPE works over: printable bytes map to themselves,
 * the rest to code points from 256 up, so every byte is one visible character.
 */
export function byteCharacters(): string[] {
  const printable: number[] = [];
  const ranges: Array<[number, number]> = [
    [33, 126],
    [161, 172],
    [174, 255],
  ];
  for (const [from, to] of ranges) for (let code = from; code <= to; code++) printable.push(code);
  const characters: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    characters[byte] = String.fromCodePoint(printable.includes(byte) ? byte : 256 + extra++);
  }
  return characters;
}

/**
 * The files of a tiny CLIP tokenizer in the slow format SD pipelines ship (`vocab.json`,
 * `merges.txt`, `tokenizer_config.json`, `special_tokens_map.json`), laid out as CLIP's: the 256
 * byte characters, the same with `</w>`, the merges' products, then the two special tokens last.
 */
export function tinyTokenizerFiles(): { files: Record<string, string>; vocabularySize: number } {
  const bytes = byteCharacters();
  const vocabulary: string[] = [...bytes, ...bytes.map((character) => `${character}</w>`)];
  const merges: string[] = [];
  for (const word of TINY_WORDS) {
    // Merge left to right: "c a", "ca t</w>" …, the last piece carrying the end-of-word mark.
    let current = word[0] ?? '';
    for (let index = 1; index < word.length; index++) {
      const last = index === word.length - 1;
      const piece = `${word[index]}${last ? '</w>' : ''}`;
      const merged = `${current}${piece}`;
      if (!vocabulary.includes(merged)) {
        merges.push(`${current} ${piece}`);
        vocabulary.push(merged);
      }
      current = merged;
    }
  }
  vocabulary.push(CLIP_START, CLIP_END);
  const vocab = Object.fromEntries(vocabulary.map((token, id) => [token, id]));
  return {
    vocabularySize: vocabulary.length,
    files: {
      'vocab.json': `${JSON.stringify(vocab)}\n`,
      'merges.txt': `#version: 0.2\n${merges.join('\n')}\n`,
      'tokenizer_config.json': `${JSON.stringify(
        {
          tokenizer_class: 'CLIPTokenizer',
          model_max_length: 77,
          do_lower_case: true,
          bos_token: CLIP_START,
          eos_token: CLIP_END,
          pad_token: CLIP_END,
          unk_token: CLIP_END,
        },
        null,
        2,
      )}\n`,
      'special_tokens_map.json': `${JSON.stringify(
        { bos_token: CLIP_START, eos_token: CLIP_END, pad_token: CLIP_END, unk_token: CLIP_END },
        null,
        2,
      )}\n`,
    },
  };
}

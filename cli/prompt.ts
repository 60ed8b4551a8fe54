import type { CliIo } from './io.ts';

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Reads a secret without echoing it: from the terminal when stdin is one (raw mode), else the
 * first line piped in (`echo "$TOKEN" | spillway login`). Resolves to '' on Ctrl-C or end of input.
 */
export function readSecret(io: CliIo, question: string): Promise<string> {
  const input = io.stdin;
  if (!input.isTTY) return readFirstLine(input);
  io.stderr.write(question);
  return new Promise((resolve) => {
    let value = '';
    const finish = (result: string) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      io.stderr.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (ENTER.has(character)) return finish(value);
        if (character === CTRL_C || character === CTRL_D) return finish('');
        if (BACKSPACE.has(character)) value = value.slice(0, -1);
        else value += character;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').trim();
}

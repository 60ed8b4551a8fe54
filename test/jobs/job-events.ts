/** One parsed server-sent event. */
export interface ServerSentEvent {
  readonly event: string;
  readonly id: string;
  readonly data: string;
}

/** Reads a whole SSE response (it ends after a terminal status) into its events. */
export async function readEvents(response: Response): Promise<ServerSentEvent[]> {
  return parseBlocks(await response.text());
}

/** A job's event stream, read as it arrives. */
export interface EventWatch {
  /** The events so far, in order. */
  readonly events: readonly ServerSentEvent[];
  /** The first event, already seen or still to come, that `matches`; rejects if the stream ends first. */
  until(matches: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent>;
  /** Every event, once the stream ended. */
  readonly ended: Promise<ServerSentEvent[]>;
}

/** Reads an SSE response in the background, so a test can wait for one event before it acts. */
export function watchEvents(response: Response): EventWatch {
  const events: ServerSentEvent[] = [];
  let waiters: Array<() => void> = [];
  let done = false;
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const waiter of woken) waiter();
  };
  const ended = (async () => {
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
        buffer += chunk.value;
        const cut = buffer.lastIndexOf('\n\n');
        if (cut < 0) continue;
        events.push(...parseBlocks(buffer.slice(0, cut)));
        buffer = buffer.slice(cut + 2);
        wake();
      }
      events.push(...parseBlocks(buffer));
      return events;
    } finally {
      done = true;
      wake();
    }
  })();
  const until = async (matches: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent> => {
    for (;;) {
      const found = events.find(matches);
      if (found) return found;
      if (done) throw new Error(`the stream ended without the awaited event: ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { events, until, ended };
}

function parseBlocks(text: string): ServerSentEvent[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}:`))
          .map((line) => line.slice(name.length + 1).replace(/^ /, ''))
          .join('\n');
      return { event: field('event'), id: field('id'), data: field('data') };
    });
}

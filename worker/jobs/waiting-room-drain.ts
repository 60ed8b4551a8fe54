// A waiting room's drain rate: how many of its jobs reached a pool per second it held any, over
// the last minute, counted per second in its own tables (`departures`, `occupied`) so storage stays
// bounded whatever the rate. It is what the fleet actually gave this model's waiting jobs, beside
// sync traffic and other models, which a figure from the pools' capacity would not know. Only the
// seconds the room held jobs count: on a fleet with room to spare jobs leave as they come, and
// their rate over the whole minute is the arrival rate, not what the fleet can drain (a burst of
// nine jobs that all started within half a second was told it would wait up to 31 s).

/** The rate's tables; created with the room's. */
export const drainSchema = `
CREATE TABLE IF NOT EXISTS departures (
  second INTEGER PRIMARY KEY,
  count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS occupied (
  second INTEGER PRIMARY KEY
);
`;

/** How far back departures count toward the rate. */
export const DRAIN_WINDOW_MS = 60_000;
/** Fewer departures than this in the window say nothing about a rate. */
const MIN_DEPARTURES = 3;

/** Counts one job leaving for a pool at `now`. */
export function noteDeparture(sql: SqlStorage, now: number): void {
  const second = Math.floor(now / 1000);
  sql.exec(
    `INSERT INTO departures (second, count) VALUES (?, 1)
     ON CONFLICT (second) DO UPDATE SET count = count + 1`,
    second,
  );
  sql.exec('DELETE FROM departures WHERE second < ?', Math.floor((now - DRAIN_WINDOW_MS) / 1000));
}

/** Notes that the room held jobs from `fromMs` to `toMs` (every second the span touches). */
export function noteOccupied(sql: SqlStorage, fromMs: number, toMs: number): void {
  const last = Math.floor(toMs / 1000);
  const first = Math.max(Math.floor(fromMs / 1000), Math.floor((toMs - DRAIN_WINDOW_MS) / 1000));
  for (let second = first; second <= last; second++) {
    sql.exec('INSERT INTO occupied (second) VALUES (?) ON CONFLICT (second) DO NOTHING', second);
  }
  sql.exec('DELETE FROM occupied WHERE second < ?', Math.floor((toMs - DRAIN_WINDOW_MS) / 1000));
}

/** The recent window the rate is taken over when it holds enough departures to tell. */
const RECENT_WINDOW_MS = 10_000;

/**
 * Jobs per millisecond: over the last {@link RECENT_WINDOW_MS} when that holds enough departures,
 * else over the whole window; each time over the seconds in it the room held jobs (at least one),
 * or, in a room that has noted none (older than the `occupied` table), from its first second with
 * a departure to `now`. The recent window first, so one stray job that left before a quiet minute
 * does not stretch a burst's rate over that minute. Null with too few departures to tell.
 */
export function drainRatePerMs(sql: SqlStorage, now: number): number | null {
  for (const windowMs of [RECENT_WINDOW_MS, DRAIN_WINDOW_MS]) {
    const since = Math.floor((now - windowMs) / 1000);
    const [row] = sql
      .exec<{ total: number | null; first: number | null; held: number }>(
        `SELECT SUM(count) AS total, MIN(second) AS first,
                (SELECT COUNT(*) FROM occupied WHERE second >= ?1) AS held
         FROM departures WHERE second >= ?1`,
        since,
      )
      .toArray();
    if (row && row.total !== null && row.first !== null && row.total >= MIN_DEPARTURES) {
      const spanMs = row.held > 0 ? row.held * 1000 : now - row.first * 1000;
      return row.total / Math.max(1_000, spanMs);
    }
  }
  return null;
}

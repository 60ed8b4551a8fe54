// A waiting room's drain rate: how many of its jobs reached a pool per second, over the last
// minute, counted per second in its own table (`departures`) so storage stays bounded whatever
// the rate. It is what the fleet actually gave this model's waiting jobs, beside sync traffic and
// other models, which a figure from the pools' capacity would not know.

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

/** The recent window the rate is taken over when it holds enough departures to tell. */
const RECENT_WINDOW_MS = 10_000;

/**
 * Jobs per millisecond: over the last {@link RECENT_WINDOW_MS} when that holds enough departures,
 * else over the whole window; each time from its first second with a departure to `now` (a room
 * that began draining 5 s ago is judged on those 5 s). The recent window first, so one stray job
 * that left before a quiet minute does not stretch a burst's rate over that minute. Null with too
 * few departures to tell.
 */
export function drainRatePerMs(sql: SqlStorage, now: number): number | null {
  for (const windowMs of [RECENT_WINDOW_MS, DRAIN_WINDOW_MS]) {
    const [row] = sql
      .exec<{ total: number | null; first: number | null }>(
        'SELECT SUM(count) AS total, MIN(second) AS first FROM departures WHERE second >= ?',
        Math.floor((now - windowMs) / 1000),
      )
      .toArray();
    if (row && row.total !== null && row.first !== null && row.total >= MIN_DEPARTURES) {
      return row.total / Math.max(1_000, now - row.first * 1000);
    }
  }
  return null;
}

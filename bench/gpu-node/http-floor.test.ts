import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpFloor, startHttpFloor } from './http-floor.ts';

describe('HTTP floor server', () => {
  let floor: HttpFloor;
  beforeAll(async () => {
    floor = await startHttpFloor();
  });
  afterAll(async () => {
    await floor.close();
  });

  it('bench http floor: waits as asked, reports the wait, and returns exactly the asked image bytes', async () => {
    const timing = await floor.call(30, 4_001);
    expect(timing.images).toBe(1);
    expect(timing.imageBytes).toBe(4_001);
    expect(timing.computeMs).toBeGreaterThanOrEqual(29);
    expect(timing.latencyMs).toBeGreaterThanOrEqual(timing.computeMs);
  });

  it('bench http floor: calls of different sizes each come back at their own size', async () => {
    for (const bytes of [90_000, 0, 90_000, 12]) {
      expect((await floor.call(0, bytes)).imageBytes).toBe(bytes);
    }
  });
});

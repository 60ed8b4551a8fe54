import { describe, expect, it } from 'vitest';
import { type BackendProbe, backends } from '../../backends/index.ts';
import { PROBE_INTERVAL_MS, type PulledPool, PullTelemetry } from './pull-telemetry.ts';

const pulled: PulledPool = {
  pool: {
    id: 'triton-1',
    url: 'https://triton.test',
    capacity: 4,
    ms_per_megapixel_step: null,
    upstream: null,
  },
  protocol: 'kserve',
  credential: { providerId: 'triton', sealed: null, secretName: null },
  latest: null,
};

/** Epoch ms the test starts at. */
const T0 = 1_800_000_000_000;

/** A registry host whose probes answer only when the test says, and a clock the test moves. */
function harness() {
  const written: Array<{ receivedAt: number; ready: boolean }> = [];
  const answers: Array<(probe: BackendProbe) => void> = [];
  let time = T0;
  const pull = new PullTelemetry({
    backendFor: () => backends.kserve(),
    probe: () => new Promise<BackendProbe>((answer) => answers.push(answer)),
    record: (_poolId, report, receivedAt) => written.push({ receivedAt, ready: report.ready }),
  });
  const tick = () => pull.tick([pulled], () => time);
  return {
    written,
    tick,
    at: (ms: number) => {
      time = T0 + ms;
    },
    /** Answers the pending probe at `ms`. */
    answer: async (ms: number, probe: BackendProbe) => {
      time = T0 + ms;
      answers.shift()?.(probe);
      await Promise.resolve();
    },
  };
}

describe('pull telemetry', () => {
  it('a slow probe does not age the reports: they are written before it is awaited, and again when it answers', async () => {
    const { written, tick, at, answer } = harness();
    // A pool never probed waits for its first probe, so it is never reported ready unasked.
    const first = tick();
    expect(written).toEqual([]);
    await answer(200, { ready: true });
    await first;
    expect(written).toEqual([{ receivedAt: T0 + 200, ready: true }]);
    // Probe due again: the report goes out at once, stamped now, while the probe is outstanding.
    at(PROBE_INTERVAL_MS);
    const second = tick();
    expect(written.at(-1)).toEqual({ receivedAt: T0 + PROBE_INTERVAL_MS, ready: true });
    // The probe takes 1.4 s and finds the pool not ready: reported at once, stamped when it answered.
    await answer(PROBE_INTERVAL_MS + 1_400, { ready: false });
    await second;
    expect(written.at(-1)).toEqual({ receivedAt: T0 + PROBE_INTERVAL_MS + 1_400, ready: false });
    expect(written).toHaveLength(3);
  });
});

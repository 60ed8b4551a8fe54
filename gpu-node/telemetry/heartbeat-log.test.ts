import { describe, expect, it } from 'vitest';
import { HeartbeatLog, STILL_FAILING_EVERY_MS } from './heartbeat-log.ts';

function recorder() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const log = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    lines.push({ level, msg, fields });
  };
  return { lines, logger: { warn: log('warn'), info: log('info') } as never };
}

describe('heartbeat log', () => {
  it('says the first failure with a hint, reminds every 30 s, and says when heartbeats work again', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new HeartbeatLog(logger, () => now);
    log.accepted();
    for (let second = 0; second <= 61; second++) {
      now = second * 1_000;
      log.failed(new Error('edge answered 401 to a heartbeat'));
    }
    log.accepted();
    log.accepted();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', 'heartbeat failed'],
      ['warn', 'heartbeats still failing'],
      ['warn', 'heartbeats still failing'],
      ['info', 'heartbeats accepted again'],
    ]);
    expect(lines[0]?.fields.hint).toMatch(/registered there, with the public key of --pool-key/);
    expect(lines[1]?.fields).toMatchObject({ failures: STILL_FAILING_EVERY_MS / 1_000 + 1 });
    expect(lines[3]?.fields).toMatchObject({ failures: 62, failing_for_s: 61 });
  });
});

/**
 * `amount` after `elapsedMs` of halving every `halfLifeMs` (no growth for a clock that went back):
 * the decayed counts admission keeps per tenant (recent service, refusals, request rate).
 *
 * @example
 * halfLifeDecay(8, 2_000, 1_000); // 2
 */
export function halfLifeDecay(amount: number, elapsedMs: number, halfLifeMs: number): number {
  return amount * 0.5 ** (Math.max(0, elapsedMs) / halfLifeMs);
}

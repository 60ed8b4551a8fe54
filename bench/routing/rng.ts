/** A seeded pseudo-random source: `next()` returns [0, 1). */
export interface Random {
  next(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded through splitmix32 so
 * nearby seeds give unrelated streams. Fast enough for millions of draws per second.
 */
export function seededRandom(seed: number, stream = 0): Random {
  let state = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const split = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let counter = 1;
  const next = () => {
    const t = (((a + b) >>> 0) + counter) >>> 0;
    counter = (counter + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let warm = 0; warm < 12; warm++) next();
  return { next };
}

/** Exponential draw with the given mean. */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random.next()) * mean;
}

/** Standard normal draw (Box–Muller, one of the pair). */
export function normal(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Gamma draw with the given shape and mean (Marsaglia–Tsang; shape < 1 by the boost
 * Gamma(k) = Gamma(k + 1) · U^(1/k)). Shape 0.25 gives inter-arrival times with a squared
 * coefficient of variation of 4: bursts and lulls.
 */
export function gamma(random: Random, shape: number, mean: number): number {
  const scale = mean / shape;
  if (shape < 1) return gamma(random, shape + 1, (shape + 1) * scale) * (1 - random.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x = normal(random);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    x *= x;
    const u = 1 - random.next();
    if (Math.log(u) < 0.5 * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

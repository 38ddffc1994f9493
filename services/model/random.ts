// Seeded pseudo-random numbers: sfc32 (small, fast, 128-bit state) seeded through splitmix32,
// so every seed, including 0 and neighbouring integers, gives an unrelated stream.
// The same generator is inlined in sgd-kernel.ts#shuffleShard.

/** A fresh 4-word sfc32 state derived from `seed` (and a `stream` number for independent streams). */
export function seedState(seed: number, stream = 0): Uint32Array {
  let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const state = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    // splitmix32
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state[w] = z ^ (z >>> 16);
  }
  // Warm up so the first outputs do not echo the seeding.
  for (let i = 0; i < 12; i++) nextUint32(state);
  return state;
}

export function nextUint32(s: Uint32Array): number {
  const a = s[0] | 0;
  const b = s[1] | 0;
  const c = s[2] | 0;
  const d = s[3] | 0;
  const t = (((a + b) | 0) + d) | 0;
  s[3] = (d + 1) | 0;
  s[0] = b ^ (b >>> 9);
  s[1] = (c + (c << 3)) | 0;
  const r = (c << 21) | (c >>> 11);
  s[2] = (r + t) | 0;
  return t >>> 0;
}

/** Uniform in [0, 1). */
export function nextFloat(s: Uint32Array): number {
  return nextUint32(s) / 4294967296;
}

/** Fill `out` with N(mean, std) draws (Box-Muller, both outputs of each pair used). */
export function fillNormal(out: Float32Array, mean: number, std: number, s: Uint32Array): void {
  const n = out.length;
  for (let j = 0; j < n; j += 2) {
    // 1 - u keeps the log argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - nextFloat(s)));
    const angle = 2 * Math.PI * nextFloat(s);
    out[j] = mean + std * radius * Math.cos(angle);
    if (j + 1 < n) out[j + 1] = mean + std * radius * Math.sin(angle);
  }
}

/** A seeded random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, s: Uint32Array): Uint32Array {
  const order = new Uint32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  for (let j = n - 1; j > 0; j--) {
    const k = Math.floor(nextFloat(s) * (j + 1));
    const t = order[j];
    order[j] = order[k];
    order[k] = t;
  }
  return order;
}

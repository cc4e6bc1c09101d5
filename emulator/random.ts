import { randomBytes } from "node:crypto";

/**
 * Seeded pseudo-random source. Every random decision the emulator makes (ids, latency, faults,
 * replica choice, replication delays) draws from one instance, so `--seed` replays a run exactly
 * as long as the requests arrive in the same order.
 */
export class Rng {
  private state: number;

  constructor(seed?: number) {
    this.state = (seed ?? randomBytes(4).readUInt32LE(0)) >>> 0;
  }

  /** mulberry32: tiny, fast and good enough for simulation (not for secrets). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  hex(length: number): string {
    let s = "";
    while (s.length < length) s += ((this.next() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    return s.slice(0, length);
  }

  /** RFC 4122 version-4 shaped GUID. */
  guid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** Standard normal via Box-Muller. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Lognormal sample with the given mean. Network latency is right-skewed: most requests are near
   * the median, a few are several times slower; sigma 0.5 gives p99 ≈ 3× the median.
   */
  lognormal(mean: number, sigma = 0.5): number {
    if (mean <= 0) return 0;
    const mu = Math.log(mean) - (sigma * sigma) / 2;
    return Math.exp(mu + sigma * this.normal());
  }
}

/** Deterministic GUID from a name (FNV-1a based), for catalogue entries that need stable ids. */
export function stableGuid(name: string): string {
  let h = "";
  for (let round = 0; h.length < 32; round++) {
    let x = 0x811c9dc5 ^ round;
    for (let i = 0; i < name.length; i++) {
      x ^= name.charCodeAt(i);
      x = Math.imul(x, 0x01000193) >>> 0;
    }
    h += x.toString(16).padStart(8, "0");
  }
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

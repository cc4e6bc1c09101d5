import { VisibilityDelay } from "../../provider/graph";

describe("VisibilityDelay", () => {
  it("settles where about missRate of first attempts still miss", () => {
    // Objects become visible after a uniform 0–2 s lag; every first attempt goes out at the learned delay.
    const v = new VisibilityDelay({ missRate: 0.1, stepMs: 50 });
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    let misses = 0;
    for (let i = 0; i < 4000; i++) {
      const visible = random() * 2000 <= v.delayMs;
      if (i >= 2000 && !visible) misses++;
      v.observe(visible);
    }
    expect(v.delayMs).toBeGreaterThan(1650);
    expect(v.delayMs).toBeLessThan(1950);
    expect(misses / 2000).toBeGreaterThan(0.05);
    expect(misses / 2000).toBeLessThan(0.15);
  });

  it("learns zero when there is no lag, and is capped", () => {
    const v = new VisibilityDelay({ maxMs: 1000 });
    for (let i = 0; i < 50; i++) v.observe(true);
    expect(v.delayMs).toBe(0);
    expect(v.waitMs(1_000, 1_000)).toBe(0);
    for (let i = 0; i < 50; i++) v.observe(false);
    expect(v.delayMs).toBe(1000);
    expect(v.waitMs(1_000, 1_400)).toBe(600);
  });
});

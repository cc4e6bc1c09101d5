import { VisibilityDelay } from "../../provider/graph";

/** Deterministic uniform [0, 1). */
function lcg(seed: number): () => number {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647;
}

describe("VisibilityDelay", () => {
  it("learns the age by which about missRate of attempts still miss", () => {
    // Each attempt reads a replica that sees a new object after a uniform 0–2 s lag. Objects are
    // attempted at the wait the tracker gives, then retried every 250 ms until found.
    const random = lcg(7);
    const v = new VisibilityDelay({ missRate: 0.1, random });
    let firstMisses = 0;
    for (let i = 0; i < 600; i++) {
      let age = v.waitMs(0, 0);
      for (let attempt = 1; ; attempt++) {
        const visible = random() * 2000 <= age;
        v.observe(age, visible);
        if (i >= 300 && attempt === 1 && !visible) firstMisses++;
        if (visible) break;
        age += 250;
      }
    }
    // The 0.9 quantile of the lag is 1.8 s; waits are jittered up to 20 % below it.
    expect(v.delayMs).toBeGreaterThan(1500);
    expect(v.delayMs).toBeLessThan(2100);
    expect(firstMisses / 300).toBeGreaterThan(0.05);
    expect(firstMisses / 300).toBeLessThan(0.3);
  });

  it("learns zero when there is no lag, and comes down when the lag goes away", () => {
    const v = new VisibilityDelay({ random: () => 0.5 });
    for (let i = 0; i < 50; i++) v.observe(10, true);
    expect(v.delayMs).toBe(0);
    expect(v.waitMs(1_000, 1_000)).toBe(0);
    for (let i = 0; i < 20; i++) v.observe(100, false);
    for (let i = 0; i < 20; i++) v.observe(1_000, true);
    expect(v.delayMs).toBe(1_000);
    expect(v.waitMs(1_000, 1_400)).toBe(550); // 0.95 × 1000 − 400
    // Replication became instant: young attempts (from the jitter) now succeed and pull it down.
    let age = 900;
    for (let i = 0; i < 400 && v.delayMs > 0; i++) v.observe((age = Math.max(0, age - 5)), true);
    expect(v.delayMs).toBe(0);
  });

  it("waits longer than any age seen when even the oldest attempts miss, up to maxMs", () => {
    const v = new VisibilityDelay({ maxMs: 5_000 });
    v.observe(200, false);
    expect(v.delayMs).toBe(300);
    for (let i = 0; i < 10; i++) v.observe(4_000, false);
    expect(v.delayMs).toBe(5_000);
  });

  it("lets one probe go first while nothing is learned, and everyone through afterwards", async () => {
    const v = new VisibilityDelay();
    const probe = await v.probeTurn();
    expect(probe).toBeDefined();
    let waiterThrough = false;
    const waiter = v.probeTurn().then((turn) => {
      waiterThrough = true;
      return turn;
    });
    await new Promise((r) => setImmediate(r));
    expect(waiterThrough).toBe(false);
    v.observe(50, true);
    probe!();
    expect(await waiter).toBeUndefined();
    expect(await v.probeTurn()).toBeUndefined();
  });

  it("hands the probe to a waiter when the probe learned nothing (e.g. a network error)", async () => {
    const v = new VisibilityDelay();
    const first = await v.probeTurn();
    const second = v.probeTurn();
    first!();
    const next = await second;
    expect(next).toBeDefined();
    next!();
  });
});

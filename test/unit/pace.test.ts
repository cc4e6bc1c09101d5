// The Pacer (provider/functions/pace.ts) on a fake clock: pacing is checked in simulated time,
// so the test neither sleeps nor depends on how busy the machine is.
import { Pacer } from "../../provider/functions/pace";
import { FakeClock } from "../graph/helpers";

describe("Pacer", () => {
  it("allows `limit` requests per window per key", async () => {
    const clock = new FakeClock();
    const p = new Pacer(2, 300, clock);
    const t0 = clock.now();
    const starts: number[] = [];
    await Promise.all([1, 2, 3, 4].map(() => p.run("k", async () => void starts.push(clock.now() - t0))));
    expect(starts.slice(0, 2)).toEqual([0, 0]); // within the limit: no wait
    expect(starts[2]).toBeGreaterThanOrEqual(300);
    expect(starts[3]).toBeGreaterThanOrEqual(300);
  });

  it("counts a request from its completion, not its start", async () => {
    const clock = new FakeClock();
    const p = new Pacer(1, 300, clock);
    const t0 = clock.now();
    let finished = 0;
    let secondStarted = 0;
    await Promise.all([
      p.run("k", async () => {
        await clock.sleep(1_000); // a slow request: retries, a long response
        finished = clock.now() - t0;
      }),
      p.run("k", async () => void (secondStarted = clock.now() - t0)),
    ]);
    expect(secondStarted).toBeGreaterThanOrEqual(finished + 300);
  });

  it("paces each key on its own", async () => {
    const clock = new FakeClock();
    const p = new Pacer(1, 10_000, clock);
    await p.run("a", async () => undefined);
    const before = clock.sleeps.length;
    await p.run("b", async () => undefined);
    expect(clock.sleeps.length).toBe(before);
    await p.run("a", async () => undefined);
    expect(clock.sleeps.length).toBeGreaterThan(before);
  });
});

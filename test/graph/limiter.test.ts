import { AdaptiveLimiter, KeyedSerializer, serializeBy } from "../../provider/graph";

describe("AdaptiveLimiter", () => {
  it("admits up to the limit and queues the rest in order", async () => {
    const l = new AdaptiveLimiter({ max: 2 });
    const a = await l.acquire();
    const b = await l.acquire();
    const order: string[] = [];
    const c = l.acquire().then((p) => (order.push("c"), p));
    const d = l.acquire().then((p) => (order.push("d"), p));
    expect(l.queued).toBe(2);
    a.release("success");
    (await c).release("success");
    b.release("success");
    (await d).release("success");
    expect(order).toEqual(["c", "d"]);
    expect(l.active).toBe(0);
  });

  it("halves on 429 (once per burst), never below 1, and grows back by 1 after N successes", async () => {
    const l = new AdaptiveLimiter({ max: 8, growAfter: 3 });
    const burst = await Promise.all(Array.from({ length: 8 }, () => l.acquire()));
    for (const p of burst) p.release("throttled");
    expect(l.limit).toBe(4); // 8 concurrent 429s from the same epoch halve once

    for (const expected of [2, 1, 1]) {
      const p = await l.acquire();
      p.release("throttled");
      expect(l.limit).toBe(expected);
    }

    for (let i = 0; i < 3; i++) (await l.acquire()).release("success");
    expect(l.limit).toBe(2);
    for (let i = 0; i < 3; i++) (await l.acquire()).release("success");
    expect(l.limit).toBe(3);
    for (let i = 0; i < 100; i++) (await l.acquire()).release("success");
    expect(l.limit).toBe(8);
  });

  it("a shrunken limit holds back queued requests", async () => {
    const l = new AdaptiveLimiter({ max: 4 });
    const held = await Promise.all([l.acquire(), l.acquire(), l.acquire(), l.acquire()]);
    let granted = 0;
    const waiting = [l.acquire(), l.acquire()].map((p) => p.then((x) => (granted++, x)));
    held[0].release("throttled"); // limit 2, active 3
    held[1].release("other"); // active 2
    await Promise.resolve();
    expect(granted).toBe(0);
    held[2].release("other"); // active 1 → one waiter
    await new Promise((r) => setImmediate(r));
    expect(granted).toBe(1);
    held[3].release("other");
    for (const w of waiting) (await w).release("success");
    expect(granted).toBe(2);
  });

  it("rejects a queued acquire when its signal aborts", async () => {
    const l = new AdaptiveLimiter({ max: 1 });
    const p = await l.acquire();
    const controller = new AbortController();
    const queued = l.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(queued).rejects.toThrow("stop");
    expect(l.queued).toBe(0);
    p.release("success");
  });
});

describe("serializeBy", () => {
  it("runs calls with the same key one at a time, in call order, even when one fails", async () => {
    // Each task holds its key until the test opens its gate, so the order is driven by the test,
    // never by how long a timer takes on a busy machine.
    const s = new KeyedSerializer();
    const events: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string, fail = false) => async () => {
      events.push(`start ${name}`);
      await new Promise<void>((open) => gates.set(name, open));
      events.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const settled = () => new Promise((r) => setImmediate(r));
    const finish = async (name: string) => {
      gates.get(name)!();
      await settled();
    };
    const results = Promise.allSettled([
      s.run("sp1", task("a", true)),
      s.run("sp1", task("b")),
      s.run("sp2", task("x")),
      s.run("sp1", task("c")),
    ]);
    await settled();
    expect(events).toEqual(["start a", "start x"]); // b and c wait for a; sp2 runs alongside it
    await finish("x");
    expect(events).toEqual(["start a", "start x", "end x"]); // x finished while a still held sp1
    await finish("a");
    expect(events.slice(3)).toEqual(["end a", "start b"]); // a's failure does not block b
    await finish("b");
    expect(events.slice(5)).toEqual(["end b", "start c"]);
    await finish("c");
    expect((await results).map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled"]);
    expect(s.size).toBe(0);
  });

  it("process-wide serializeBy returns the function's value", async () => {
    await expect(serializeBy("k", async () => 42)).resolves.toBe(42);
  });
});

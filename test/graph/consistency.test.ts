import { createOnce, GraphError, untilVisible, waitFor } from "../../provider/graph";
import { FakeClock } from "./helpers";

const notFound = () => new GraphError({ code: "GRAPH_NOT_FOUND", status: 404, summary: "gone.", requestId: "r404" });
const noBacking = () =>
  new GraphError({ code: "GRAPH_BAD_REQUEST", status: 400, graphCode: "Request_BadRequest", detailCodes: ["NoBackingApplicationObject"], summary: "x." });

describe("untilVisible", () => {
  it("retries not-yet-visible errors with growing backoff, then returns", async () => {
    const clock = new FakeClock();
    const failures = [notFound(), noBacking(), notFound()];
    const result = await untilVisible(
      async () => {
        const f = failures.shift();
        if (f) throw f;
        return "visible";
      },
      { timeoutMs: 60_000, clock, random: () => 0 },
    );
    expect(result).toBe("visible");
    expect(clock.sleeps).toEqual([125, 250, 500]);
  });

  it("throws other errors at once", async () => {
    const clock = new FakeClock();
    const forbidden = new GraphError({ code: "GRAPH_FORBIDDEN", summary: "no." });
    await expect(untilVisible(async () => Promise.reject(forbidden), { timeoutMs: 60_000, clock })).rejects.toBe(forbidden);
    expect(clock.sleeps).toEqual([]);
  });

  it("times out with GRAPH_TIMEOUT carrying the last error, never sleeping past the deadline", async () => {
    const clock = new FakeClock();
    const e = await untilVisible(async () => Promise.reject(notFound()), {
      timeoutMs: 20_000,
      clock,
      description: "service principal sp-1 to be visible",
    }).catch((err: unknown) => err as GraphError);
    expect(e).toMatchObject({ code: "GRAPH_TIMEOUT", requestId: "r404" });
    expect(e.message).toContain("waiting for service principal sp-1 to be visible. Last result: 404");
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(20_000);
  });
});

describe("waitFor", () => {
  it("polls until the probe returns a value", async () => {
    const clock = new FakeClock();
    let n = 0;
    await expect(waitFor(async () => (++n >= 3 ? n : undefined), { timeoutMs: 10_000, clock })).resolves.toBe(3);
  });
});

describe("createOnce", () => {
  const uncertain = () => new GraphError({ code: "GRAPH_UNAVAILABLE", status: 503, summary: "x.", mayHaveSucceeded: true });

  it("adopts the object an uncertain create made instead of creating it again", async () => {
    const clock = new FakeClock();
    let creates = 0;
    let finds = 0;
    const result = await createOnce({
      create: async () => {
        creates++;
        throw uncertain();
      },
      find: async () => (++finds >= 2 ? "created-by-first-attempt" : undefined),
      clock,
    });
    expect(result).toBe("created-by-first-attempt");
    expect(creates).toBe(1);
  });

  it("creates again when nothing appears within settleMs", async () => {
    const clock = new FakeClock();
    let creates = 0;
    const result = await createOnce({
      create: async () => {
        if (++creates === 1) throw uncertain();
        return "second";
      },
      find: async () => undefined,
      settleMs: 5_000,
      clock,
    });
    expect(result).toBe("second");
    expect(creates).toBe(2);
  });

  it("does not look or retry after a definite failure", async () => {
    const bad = new GraphError({ code: "GRAPH_BAD_REQUEST", status: 400, summary: "x." });
    let finds = 0;
    await expect(createOnce({ create: async () => Promise.reject(bad), find: async () => (finds++, "x") })).rejects.toBe(bad);
    expect(finds).toBe(0);
  });
});

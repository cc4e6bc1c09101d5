import { startEmulator } from "../../emulator";
import { CUSTOM, harness, Harness, instantiate } from "./helpers";

describe("fault model, throttling, consistency and the admin API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ http: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.admin("POST", "/reset");
    await h.admin("PATCH", "/faults", { latencyMs: 0, replicationLagMs: 0, throttle: "off", faultRate: 0, throttleRate: 0, instantiate404Rate: 0 });
  });

  it("reads and patches fault settings at run time, rejecting unknown fields", async () => {
    const r = await h.admin("PATCH", "/faults", { latencyMs: 5, throttle: 50 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ latencyMs: 5, throttle: 50, faultRate: 0 });
    expect((await h.admin("GET", "/faults")).body.throttle).toBe(50);
    expect((await h.admin("PATCH", "/faults", { faultRate: 2 })).status).toBe(400);
    expect((await h.admin("PATCH", "/faults", { bogus: 1 })).status).toBe(400);
  });

  it("answers random 5xx or resets the connection at faultRate 1", async () => {
    await h.admin("PATCH", "/faults", { faultRate: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      try {
        const r = await h.call("GET", "/applicationTemplates?$top=1");
        expect([500, 502, 503, 504]).toContain(r.status);
        expect(r.body.error.code).toEqual(expect.any(String));
        seen.add(String(r.status));
      } catch (e) {
        seen.add("reset");
        expect(String((e as Error).message + ((e as { cause?: Error }).cause?.message ?? ""))).toMatch(/socket|closed|reset|other side/i);
      }
    }
    expect(seen.has("reset")).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const stats = (await h.admin("GET", "/stats")).body;
    expect(stats.requests.some((r: { status: number }) => r.status === 0)).toBe(true);
  });

  it("answers 429 with Retry-After at throttleRate 1", async () => {
    await h.admin("PATCH", "/faults", { throttleRate: 1 });
    const r = await h.call("GET", "/applications");
    expect(r.status).toBe(429);
    expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(r.body.error).toMatchObject({ code: "TooManyRequests", innerError: { code: "429", status: "429" } });
  });

  it("throttles with a requests-per-second bucket", async () => {
    await h.admin("PATCH", "/faults", { throttle: 5 });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await h.call("GET", "/applications")).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it("charges resource units in identity-default mode and throttles with x-ms-throttle-* headers", async () => {
    await h.admin("PATCH", "/faults", { throttle: "identity-default" });
    const first = await h.call("GET", "/applications");
    expect(first.headers["x-ms-resource-unit"]).toBe("2"); // GET applications = 2 RU
    expect((await h.call("GET", "/applications?$select=id")).headers["x-ms-resource-unit"]).toBe("1");
    expect((await h.call("GET", "/servicePrincipals")).headers["x-ms-resource-unit"]).toBe("1");
    // 3,500 RU per 10 s: about 1,750 GET /applications exhaust the bucket.
    let throttled;
    let sawPercentage = false;
    // Concurrent batches, so the spend outpaces the 350 RU/s refill even on a loaded machine.
    for (let i = 0; i < 60 && !throttled; i++) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => h.call("GET", "/applications")));
      for (const r of batch) {
        if (r.headers["x-ms-throttle-limit-percentage"]) sawPercentage = true;
        if (r.status === 429) throttled ??= r;
      }
    }
    expect(throttled).toBeDefined();
    expect(sawPercentage).toBe(true);
    expect(throttled!.headers["x-ms-throttle-scope"]).toMatch(/^Tenant_Application\/ReadWrite\/.+\/.+$/);
    expect(throttled!.headers["x-ms-throttle-information"]).toBe("ResourceUnitLimitExceeded");
    expect(Number(throttled!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  }, 30000);

  it("models replication lag: fresh objects can 404 on some replicas, then become visible", async () => {
    await h.admin("PATCH", "/faults", { replicationLagMs: 300 });
    const ids = await instantiate(h, CUSTOM, "Lagging");
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await h.call("GET", `/applications/${ids.appObjectId}`)).status);
    expect(statuses).toContain(404);
    await new Promise((r) => setTimeout(r, 350));
    for (let i = 0; i < 10; i++) expect((await h.call("GET", `/applications/${ids.appObjectId}`)).status).toBe(200);
    // A property update is also eventually consistent.
    await h.call("PATCH", `/applications/${ids.appObjectId}`, { displayName: "Renamed" });
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add((await h.call("GET", `/applications/${ids.appObjectId}`)).body.displayName);
    expect(names.has("Lagging")).toBe(true);
    await new Promise((r) => setTimeout(r, 350));
    expect((await h.call("GET", `/applications/${ids.appObjectId}`)).body.displayName).toBe("Renamed");
  });

  it("instantiate-404 fault creates the objects but answers 404", async () => {
    await h.admin("PATCH", "/faults", { instantiate404Rate: 1 });
    const r = await h.call("POST", `/applicationTemplates/${CUSTOM}/instantiate`, { displayName: "Ghost" });
    expect(r.status).toBe(404);
    const found = await h.call("GET", "/applications?$filter=displayName eq 'Ghost'");
    expect(found.body.value).toHaveLength(1);
  });

  it("adds latency", async () => {
    await h.admin("PATCH", "/faults", { latencyMs: 40 });
    const t = Date.now();
    for (let i = 0; i < 5; i++) await h.call("GET", "/applications");
    expect(Date.now() - t).toBeGreaterThan(80);
  });

  it("counts requests by templated route and status, and summarises state", async () => {
    const ids = await instantiate(h, CUSTOM);
    await instantiate(h, CUSTOM);
    await h.call("GET", `/applications/${ids.appObjectId}`);
    await h.call("GET", "/applications/nope");
    const stats = (await h.admin("GET", "/stats")).body;
    expect(stats.requests).toEqual(expect.arrayContaining([
      { method: "POST", route: "/applicationTemplates/{id}/instantiate", status: 201, count: 2 },
      { method: "GET", route: "/applications/{id}", status: 200, count: 1 },
      { method: "GET", route: "/applications/{id}", status: 404, count: 1 },
    ]));
    expect(stats.total).toBeGreaterThanOrEqual(4);
    const state = (await h.admin("GET", "/state")).body;
    expect(state.applications.count).toBe(2);
    expect(state.servicePrincipals.ids).toContain(ids.spId);
    expect((await h.admin("GET", "/nope")).status).toBe(404);
  });

  it("runs $batch with dependsOn, per-item errors and throttling, and rejects more than 20", async () => {
    const ids = await instantiate(h, CUSTOM, "Batched");
    const r = await h.call("POST", "/$batch", { requests: [
      { id: "1", method: "GET", url: `/applications/${ids.appObjectId}` },
      { id: "2", method: "GET", url: "/applications/00000000-0000-0000-0000-000000000000" },
      { id: "3", method: "GET", url: "servicePrincipals?$top=1", dependsOn: ["1"] },
      { id: "4", method: "PATCH", url: `/applications/${ids.appObjectId}`, headers: { "Content-Type": "application/json" }, body: { notes: "hi" }, dependsOn: ["2"] },
    ] });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.body.responses.map((x: { id: string }) => [x.id, x]));
    expect(byId["1"].status).toBe(200);
    expect(byId["1"].body.displayName).toBe("Batched");
    expect(byId["2"].status).toBe(404);
    expect(byId["2"].body.error.code).toBe("Request_ResourceNotFound");
    expect(byId["3"].status).toBe(200);
    expect(byId["4"].status).toBe(424);
    const tooMany = await h.call("POST", "/$batch", { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/applications" })) });
    expect(tooMany.status).toBe(400);
    await h.admin("PATCH", "/faults", { throttle: 2 });
    const throttled = await h.call("POST", "/$batch", { requests: Array.from({ length: 5 }, (_, i) => ({ id: String(i), method: "GET", url: "/servicePrincipals" })) });
    const items = throttled.body.responses as { status: number; headers: Record<string, string> }[];
    const limited = items.filter((x) => x.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers["Retry-After"])).toBeGreaterThanOrEqual(1);
  });

  it("is reproducible with a seed", async () => {
    const ids = async () => {
      const emu = await startEmulator({ seed: 99, http: true });
      const out = [emu.tenantId, emu.clientId, emu.clientSecret];
      await emu.close();
      return out;
    };
    expect(await ids()).toEqual(await ids());
  });
});

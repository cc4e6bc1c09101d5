import { endpoints, getGraphClient, isGraphError, loadGraphSettings, type GraphClient, type GraphError } from "../../provider/graph";
import { graphErrorBody, json, testClient, V1, type TestClient } from "./helpers";

const SP = "11111111-2222-3333-4444-555555555555";
const JOB = "BoxOutDelta.0123456789abcdef0123456789abcdef";

let t: TestClient;
afterEach(async () => {
  t.agent.assertNoPendingInterceptors();
  await t.agent.close();
});

async function failure(p: Promise<unknown>): Promise<GraphError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isGraphError(e)) throw new Error(`expected a GraphError, got ${String(e)}`);
  return e;
}

describe("GraphClient request basics", () => {
  beforeEach(() => (t = testClient()));

  it("sends auth, client-request-id and JSON; returns body, status and request-id", async () => {
    let seen: Record<string, string> = {};
    t.pool
      .intercept({ path: `${V1}/servicePrincipals/${SP}/synchronization/jobs`, method: "POST", body: JSON.stringify({ templateId: "Box" }) })
      .reply(201, (opts) => {
        seen = opts.headers as Record<string, string>;
        return { id: JOB };
      }, { headers: { "content-type": "application/json", "request-id": "rid-1" } });
    const res = await t.client.post<{ id: string }>({ endpoint: endpoints.jobs, params: { spId: SP }, body: { templateId: "Box" } });
    expect(res).toMatchObject({ status: 201, body: { id: JOB }, requestId: "rid-1" });
    expect(seen.authorization).toBe("Bearer test-access-token-abcdef");
    expect(seen["content-type"]).toBe("application/json");
    expect(seen["client-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.clientRequestId).toBe(seen["client-request-id"]);
    expect(t.client.counters.snapshot().requests).toEqual({ "POST /servicePrincipals/{spId}/synchronization/jobs": 1 });
  });

  it("returns undefined body for 204 and encodes path params and OData query", async () => {
    t.pool.intercept({ path: `${V1}/servicePrincipals/${SP}/synchronization/jobs/a%2Fb%20c/start`, method: "POST" }).reply(204, "");
    const res = await t.client.post({ endpoint: endpoints.jobStart, params: { spId: SP, jobId: "a/b c" } });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();

    t.pool
      .intercept({ path: `${V1}/applicationTemplates?%24filter=displayName%20eq%20'A%26B'`, method: "GET" })
      .reply(200, { value: [] }, json);
    await t.client.get({ endpoint: endpoints.applicationTemplates, query: { $filter: "displayName eq 'A&B'" } });
  });

  it("carries request-id and Graph's code/message into GraphError, with a hint", async () => {
    t.pool
      .intercept({ path: `${V1}/servicePrincipals/${SP}`, method: "GET" })
      .reply(404, graphErrorBody("Request_ResourceNotFound", `Resource '${SP}' does not exist.`), {
        headers: { "content-type": "application/json", "request-id": "rid-404" },
      });
    const e = await failure(t.client.get({ endpoint: endpoints.servicePrincipal, params: { spId: SP } }));
    expect(e).toMatchObject({
      code: "GRAPH_NOT_FOUND",
      status: 404,
      graphCode: "Request_ResourceNotFound",
      requestId: "rid-404",
      method: "GET",
      path: `/servicePrincipals/${SP}`,
      route: "/servicePrincipals/{spId}",
    });
    expect(e.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.message).toContain("failed with 404 Request_ResourceNotFound");
    expect(e.message).toContain("request-id: rid-404");
    expect(e.message).toContain(`client-request-id: ${e.clientRequestId}`);
    expect(t.client.counters.snapshot().errors).toEqual({ GRAPH_NOT_FOUND: 1 });
  });

  it("names the missing permission on 403", async () => {
    const forbidden = graphErrorBody("Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    t.pool.intercept({ path: `${V1}/servicePrincipals/${SP}/synchronization/secrets`, method: "PUT" }).reply(403, forbidden, json);
    t.pool.intercept({ path: `${V1}/applications/app-1`, method: "PATCH" }).reply(403, forbidden, json);
    t.pool.intercept({ path: `${V1}/auditLogs/provisioning`, method: "GET" }).reply(403, forbidden, json);
    const sync = await failure(t.client.put({ endpoint: endpoints.secrets, params: { spId: SP }, body: { value: [] } }));
    expect(sync.code).toBe("GRAPH_FORBIDDEN");
    expect(sync.hint).toContain("Synchronization.ReadWrite.All");
    expect(sync.message).toContain("Synchronization.ReadWrite.All");
    const app = await failure(t.client.patch({ endpoint: endpoints.application, params: { appObjectId: "app-1" }, body: {} }));
    expect(app.message).toContain("Application.ReadWrite.All");
    const logs = await failure(t.client.get({ endpoint: endpoints.provisioningLogs }));
    expect(logs.message).toContain("AuditLog.Read.All");
  });

  it("refreshes the token once after a 401", async () => {
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(401, graphErrorBody("InvalidAuthenticationToken", "expired"), json);
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(200, { id: "a" }, json);
    await expect(t.client.get({ path: "/applications/a" })).resolves.toMatchObject({ body: { id: "a" } });
    expect(t.tokens.invalidations).toBe(1);

    t.pool.intercept({ path: `${V1}/applications/b`, method: "GET" }).reply(401, graphErrorBody("InvalidAuthenticationToken", "bad"), json).times(2);
    expect((await failure(t.client.get({ path: "/applications/b" }))).code).toBe("GRAPH_AUTH");
  });

  it("convenience methods check endpoint params at compile time, also when the response type is named", () => {
    // Never called: `npm run typecheck` fails if an expected error disappears.
    const typeOnly = (c: GraphClient): unknown[] => [
      // @ts-expect-error jobId is missing
      c.get<{ id: string }>({ endpoint: endpoints.job, params: { spId: SP } }),
      // @ts-expect-error jobid is misspelt
      c.post<undefined>({ endpoint: endpoints.jobStart, params: { spId: SP, jobid: JOB } }),
      // @ts-expect-error this endpoint takes no params
      c.list({ endpoint: endpoints.applications, params: { appId: "a" } }),
      // @ts-expect-error params belong to an endpoint, not a path
      c.delete({ path: "/applications/a", params: { appObjectId: "a" } }),
      c.patch({ endpoint: endpoints.application, params: { appObjectId: "a" }, body: {} }),
    ];
    expect(typeof typeOnly).toBe("function");
  });

  it("refuses to follow a URL outside the configured endpoint", async () => {
    const e = await failure(t.client.get({ url: "https://evil.example/v1.0/applications" }));
    expect(e.code).toBe("GRAPH_INVALID_RESPONSE");
  });
});

describe("GraphClient retries", () => {
  beforeEach(() => (t = testClient({ "entra:maxRetries": "3" })));

  it("retries 429 honouring Retry-After (seconds and HTTP-date)", async () => {
    const p = `${V1}/applications/a`;
    t.pool.intercept({ path: p, method: "GET" }).reply(429, graphErrorBody("TooManyRequests", "slow down"), { headers: { "retry-after": "2.5" } });
    t.pool
      .intercept({ path: p, method: "GET" })
      .reply(429, graphErrorBody("TooManyRequests", "slow down"), { headers: { "retry-after": new Date(t.clock.now() + 8000).toUTCString() } });
    t.pool.intercept({ path: p, method: "GET" }).reply(200, { id: "a" }, json);
    await t.client.get({ path: "/applications/a" });
    // The date is absolute: 8 s after the first response, i.e. 5.5 s after the 2.5 s wait.
    expect(t.clock.sleeps).toEqual([2500, 5500]);
    const c = t.client.counters.snapshot();
    expect(c).toMatchObject({ totalRequests: 3, retries: 2, throttled: 2, backoffMs: 8000 });
    expect(t.logs.map((l) => [l.status, l.outcome, l.reason])).toEqual([
      [429, "retry", "throttled"],
      [429, "retry", "throttled"],
      [200, "ok", undefined],
    ]);
  });

  it("caps a huge Retry-After", async () => {
    const p = `${V1}/applications/a`;
    t.pool.intercept({ path: p, method: "GET" }).reply(429, "", { headers: { "retry-after": "86400" } });
    t.pool.intercept({ path: p, method: "GET" }).reply(200, { id: "a" }, json);
    await t.client.get({ path: "/applications/a" });
    expect(t.clock.sleeps).toEqual([150_000]);
  });

  it("stops after maxRetries and surfaces the last error", async () => {
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(503, graphErrorBody("serviceNotAvailable", "down"), json).times(4);
    const e = await failure(t.client.get({ path: "/applications/a" }));
    expect(e).toMatchObject({ code: "GRAPH_UNAVAILABLE", status: 503, attempts: 4 });
    // full jitter with random()=0.5: half of 500·2^n
    expect(t.clock.sleeps).toEqual([250, 500, 1000]);
  });

  it("does not retry a creating POST on 503, and flags it as possibly applied", async () => {
    t.pool.intercept({ path: `${V1}/applicationTemplates/tpl/instantiate`, method: "POST" }).reply(503, graphErrorBody("serviceNotAvailable", "down"), json);
    const e = await failure(t.client.post({ endpoint: endpoints.instantiate, params: { templateId: "tpl" }, body: { displayName: "x" } }));
    expect(e).toMatchObject({ code: "GRAPH_UNAVAILABLE", mayHaveSucceeded: true, attempts: 1 });
    expect(e.hint).toContain("check whether the object exists");
  });

  it("does not retry a creating POST on a reset connection", async () => {
    const reset = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    t.pool.intercept({ path: `${V1}/servicePrincipals/${SP}/synchronization/jobs`, method: "POST" }).replyWithError(reset);
    const e = await failure(t.client.post({ endpoint: endpoints.jobs, params: { spId: SP }, body: { templateId: "Box" } }));
    expect(e).toMatchObject({ code: "GRAPH_NETWORK", mayHaveSucceeded: true });
  });

  it("retries a POST on 503 when the caller marks it idempotent, and harmless actions by default", async () => {
    const start = `${V1}/servicePrincipals/${SP}/synchronization/jobs/${JOB}/start`;
    t.pool.intercept({ path: start, method: "POST" }).reply(503, "");
    t.pool.intercept({ path: start, method: "POST" }).reply(204, "");
    await t.client.post({ endpoint: endpoints.jobStart, params: { spId: SP, jobId: JOB } });

    const inst = `${V1}/applicationTemplates/tpl/instantiate`;
    t.pool.intercept({ path: inst, method: "POST" }).reply(503, "");
    t.pool.intercept({ path: inst, method: "POST" }).reply(201, { application: {} }, json);
    await t.client.post({ endpoint: endpoints.instantiate, params: { templateId: "tpl" }, body: {}, idempotent: true });
    expect(t.client.counters.snapshot().retries).toBe(2);
  });

  it("retries a creating POST on 429", async () => {
    const inst = `${V1}/applicationTemplates/tpl/instantiate`;
    t.pool.intercept({ path: inst, method: "POST" }).reply(429, "", { headers: { "retry-after": "1" } });
    t.pool.intercept({ path: inst, method: "POST" }).reply(201, { application: { id: "a" } }, json);
    const res = await t.client.post({ endpoint: endpoints.instantiate, params: { templateId: "tpl" }, body: { displayName: "x" } });
    expect(res.status).toBe(201);
  });

  it("retries GET on network errors", async () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).replyWithError(reset);
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(200, { id: "a" }, json);
    await expect(t.client.get({ path: "/applications/a" })).resolves.toMatchObject({ status: 200 });
    expect(t.client.counters.snapshot().statuses).toEqual({ "0": 1, "200": 1 });
  });

  it("sends Retry-Attempt and keeps the client-request-id across retries", async () => {
    const seen: Array<Record<string, string>> = [];
    const capture = (opts: { headers?: unknown }): string => {
      seen.push(opts.headers as Record<string, string>);
      return "";
    };
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(503, capture);
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(200, (o) => (capture(o), "{}"), json);
    await t.client.get({ path: "/applications/a" });
    expect(seen[0]["retry-attempt"]).toBeUndefined();
    expect(seen[1]["retry-attempt"]).toBe("1");
    expect(seen[1]["client-request-id"]).toBe(seen[0]["client-request-id"]);
  });
});

describe("GraphClient Retry-After", () => {
  beforeEach(() => (t = testClient({ "entra:maxRetries": "1", "entra:operationTimeout": "600" })));

  // Each response carries its header relative to the clock when it is sent, so both answers ask for the same wait.
  it.each<[string, () => Record<string, string>, number]>([
    ["delta-seconds", () => ({ "retry-after": "2.5" }), 2500],
    ["HTTP-date", () => ({ "retry-after": new Date(t.clock.now() + 7000).toUTCString() }), 7000],
    ["retry-after-ms", () => ({ "retry-after-ms": "1234", "retry-after": "9" }), 1234],
    ["capped", () => ({ "retry-after": "86400" }), 150_000],
  ])("GraphError.retryAfterMs is the delay the retry waited (%s)", async (_form, headers, expected) => {
    t.pool
      .intercept({ path: `${V1}/applications/a`, method: "GET" })
      .reply(() => ({ statusCode: 429, data: graphErrorBody("TooManyRequests", "slow down"), responseOptions: { headers: { ...json.headers, ...headers() } } }))
      .times(2);
    const e = await failure(t.client.get({ path: "/applications/a" }));
    expect(t.clock.sleeps).toEqual([expected]);
    expect(t.logs[0]).toMatchObject({ outcome: "retry", reason: "throttled", delayMs: expected });
    expect(e).toMatchObject({ status: 429, attempts: 2, retryAfterMs: expected });
  });

  it("reports no retryAfterMs when Graph sent none, and waits the jittered backoff", async () => {
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(503, "").times(2);
    const e = await failure(t.client.get({ path: "/applications/a" }));
    expect(t.clock.sleeps).toEqual([250]);
    expect(e.retryAfterMs).toBeUndefined();
  });
});

describe("GraphClient deadline and abort", () => {
  beforeEach(() => (t = testClient({ "entra:maxRetries": "20", "entra:operationTimeout": "10" })));

  it("gives up with GRAPH_TIMEOUT when the next wait would pass the deadline", async () => {
    const p = `${V1}/applications/a`;
    t.pool.intercept({ path: p, method: "GET" }).reply(429, "", { headers: { "retry-after": "6", "request-id": "r1" } }).times(2);
    const e = await failure(t.client.get({ path: "/applications/a" }));
    expect(e).toMatchObject({ code: "GRAPH_TIMEOUT", status: 429, requestId: "r1" });
    expect(e.message).toContain("did not complete within 10 s");
    expect(t.clock.sleeps).toEqual([6000]);
  });

  it("a per-request timeoutMs overrides the operation timeout", async () => {
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(429, "", { headers: { "retry-after": "2" } });
    expect((await failure(t.client.get({ path: "/applications/a", timeoutMs: 1000 }))).code).toBe("GRAPH_TIMEOUT");
  });

  it("stops with GRAPH_ABORTED when the signal aborts during backoff", async () => {
    const controller = new AbortController();
    t.clock.sleep = async (ms, signal) => {
      controller.abort(new Error("cancelled by test"));
      if (signal?.aborted) throw signal.reason;
      t.clock.current += ms;
    };
    t.pool.intercept({ path: `${V1}/applications/a`, method: "GET" }).reply(503, "");
    const e = await failure(t.client.get({ path: "/applications/a", signal: controller.signal }));
    expect(e.code).toBe("GRAPH_ABORTED");
  });

  it("does not send when the signal is already aborted", async () => {
    const e = await failure(t.client.get({ path: "/applications/a", signal: AbortSignal.abort() }));
    expect(e.code).toBe("GRAPH_ABORTED");
    expect(t.client.counters.snapshot().totalRequests).toBe(0);
  });
});

describe("GraphClient eventual consistency", () => {
  beforeEach(() => (t = testClient({ "entra:maxRetries": "1", "entra:operationTimeout": "30" })));

  it("retries 404 then NoBackingApplicationObject then succeeds, beyond maxRetries", async () => {
    const p = `${V1}/servicePrincipals/${SP}/synchronization/jobs`;
    t.pool.intercept({ path: p, method: "POST" }).reply(404, graphErrorBody("Request_ResourceNotFound", "nope"), json).times(2);
    t.pool
      .intercept({ path: p, method: "POST" })
      .reply(
        400,
        graphErrorBody("Request_BadRequest", "The appId of the service principal does not reference a valid application object.", {
          details: [{ code: "NoBackingApplicationObject", message: "x", target: "appId" }],
        }),
        json,
      );
    t.pool.intercept({ path: p, method: "POST" }).reply(201, { id: JOB }, json);
    const res = await t.client.post({ endpoint: endpoints.jobs, params: { spId: SP }, body: { templateId: "Box" }, consistency: "retry-not-found" });
    expect(res.status).toBe(201);
    // equal jitter with random()=0.5: 3/4 of 250·2^n
    expect(t.clock.sleeps).toEqual([187, 375, 750]);
    expect(t.client.counters.snapshot()).toMatchObject({ consistencyRetries: 3, retries: 3 });
  });

  it("gives up at the deadline with the last 404 attached", async () => {
    t.pool.intercept({ path: `${V1}/servicePrincipals/${SP}`, method: "GET" }).reply(404, graphErrorBody("Request_ResourceNotFound", "nope"), json).persist();
    const e = await failure(t.client.get({ endpoint: endpoints.servicePrincipal, params: { spId: SP }, consistency: "retry-not-found" }));
    expect(e).toMatchObject({ code: "GRAPH_TIMEOUT", status: 404, graphCode: "Request_ResourceNotFound" });
    expect(t.clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
  });

  it("a DELETE that gets 404 after a possibly-applied 503 is not retried as lag", async () => {
    const p = `${V1}/applications/app-1`;
    t.pool.intercept({ path: p, method: "DELETE" }).reply(503, "");
    t.pool.intercept({ path: p, method: "DELETE" }).reply(404, graphErrorBody("Request_ResourceNotFound", "gone"), json);
    const e = await failure(t.client.delete({ endpoint: endpoints.application, params: { appObjectId: "app-1" }, consistency: "retry-not-found" }));
    expect(e.code).toBe("GRAPH_NOT_FOUND");
    expect(t.client.counters.snapshot().consistencyRetries).toBe(0);
  });

  it("waits for a new object to replicate as long as first attempts have shown it takes", async () => {
    const p = `${V1}/servicePrincipals/${SP}`;
    const get = (createdAt: number) => t.client.get({ endpoint: endpoints.servicePrincipal, params: { spId: SP }, consistency: "retry-not-found", createdAt });
    // Nothing learned yet: the first attempt goes out at once and misses.
    t.pool.intercept({ path: p, method: "GET" }).reply(404, graphErrorBody("Request_ResourceNotFound", "nope"), json);
    t.pool.intercept({ path: p, method: "GET" }).reply(200, { id: SP }, json);
    await get(t.clock.now());
    expect(t.clock.sleeps).toEqual([187]);
    // Missed at age 0, found at age 187: that is the age to wait for.
    expect(t.client.visibility.delayMs).toBe(187);
    // The next new object's first attempt waits for it (jittered down to 0.95 × with random 0.5: 178), less its age.
    t.pool.intercept({ path: p, method: "GET" }).reply(200, { id: SP }, json);
    await get(t.clock.now() - 100);
    expect(t.clock.sleeps).toEqual([187, 78]);
    expect(t.client.counters.snapshot()).toMatchObject({ visibilityWaitMs: 78, consistencyRetries: 1, totalRequests: 3 });
  });

  it("does not retry 404 without consistency mode", async () => {
    t.pool.intercept({ path: `${V1}/servicePrincipals/${SP}`, method: "GET" }).reply(404, graphErrorBody("Request_ResourceNotFound", "nope"), json);
    expect((await failure(t.client.get({ endpoint: endpoints.servicePrincipal, params: { spId: SP } }))).code).toBe("GRAPH_NOT_FOUND");
  });
});

describe("GraphClient paging", () => {
  beforeEach(() => (t = testClient()));

  it("follows @odata.nextLink across pages", async () => {
    t.pool
      .intercept({ path: `${V1}/auditLogs/provisioning?%24top=2&%24filter=jobId%20eq%20'j'`, method: "GET" })
      .reply(200, { value: [{ id: 1 }, { id: 2 }], "@odata.nextLink": "https://graph.test/v1.0/auditLogs/provisioning?$top=2&$skiptoken=abc" }, json);
    t.pool
      .intercept({ path: `${V1}/auditLogs/provisioning?$top=2&$skiptoken=abc`, method: "GET" })
      .reply(200, { value: [{ id: 3 }] }, json);
    const items = await t.client.list<{ id: number }>({ endpoint: endpoints.provisioningLogs, query: { $top: 2, $filter: "jobId eq 'j'" } });
    expect(items.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(t.client.counters.snapshot().requests).toEqual({ "GET /auditLogs/provisioning": 2 });
  });

  it("pages() can stop early", async () => {
    t.pool
      .intercept({ path: `${V1}/applications`, method: "GET" })
      .reply(200, { value: [{ id: 1 }], "@odata.nextLink": "https://graph.test/v1.0/applications?$skiptoken=x" }, json);
    const seen: number[] = [];
    for await (const page of t.client.pages<{ id: number }>({ endpoint: endpoints.applications })) {
      seen.push(...page.value.map((v) => v.id));
      break;
    }
    expect(seen).toEqual([1]);
  });
});

describe("GraphClient concurrency", () => {
  beforeEach(() => (t = testClient({ "entra:maxConcurrency": "3" })));

  it("never has more requests in flight than the limiter allows, and a 429 shrinks the limit", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const reply = () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return { id: "x" };
    };
    t.pool.intercept({ path: `${V1}/applications/x`, method: "GET" }).reply(200, reply, json).delay(5).times(10);
    const done = Array.from({ length: 10 }, () => t.client.get({ path: "/applications/x" }).finally(() => inFlight--));
    await Promise.all(done);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(t.client.limiter.limit).toBe(3);

    t.pool.intercept({ path: `${V1}/applications/y`, method: "GET" }).reply(429, "", { headers: { "retry-after": "0" } });
    t.pool.intercept({ path: `${V1}/applications/y`, method: "GET" }).reply(200, { id: "y" }, json);
    await t.client.get({ path: "/applications/y" });
    expect(t.client.limiter.limit).toBe(1);
  });

  it("getGraphClient shares one client per settings identity", () => {
    const a = loadGraphSettings({ "entra:graphEndpoint": "https://graph.test" }, {});
    const b = loadGraphSettings({ "entra:graphEndpoint": "https://graph.test" }, {});
    const c = loadGraphSettings({ "entra:graphEndpoint": "https://graph.test", "entra:maxRetries": "2" }, {});
    expect(getGraphClient(a)).toBe(getGraphClient(b));
    expect(getGraphClient(a)).not.toBe(getGraphClient(c));
  });
});

/**
 * The Graph client against the real emulator over HTTPS (its own CA via entra:caFile, OAuth2 token endpoint
 * through @azure/identity), with faults on: 20% random 429, 10% random 5xx/connection resets, replication lag
 * up to 2 s. The workload must finish with no error surfaced and no duplicated write.
 */
import { GALLERY, startEmulator, type RunningEmulator } from "../../emulator";
import { closeSharedDispatchers, endpoints, formatLogEvent, GraphClient, type GraphLogEvent } from "../../provider/graph";
import { admin, emulatorSettings, runWorkload, type WorkloadResult } from "./workload";

interface Stats {
  requests: Array<{ method: string; route: string; status: number; count: number }>;
  total: number;
}
interface State {
  applications: { count: number; ids: string[] };
  jobs: { count: number; items: Array<{ id: string; servicePrincipalId: string }> };
}

const APPS = 48; // 10 operations each + a delete for half of them = 504 operations
const scimTemplate = GALLERY.find((a) =>
  a.syncTemplates.some((t) => t.requiredKeys.includes("BaseAddress") && t.requiredKeys.includes("SecretToken")),
)!;

describe("GraphClient against the emulator with faults on", () => {
  let emu: RunningEmulator;
  let client: GraphClient;
  let result: WorkloadResult;
  const logs: GraphLogEvent[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ seed: 42, throttleRate: 0.2, faultRate: 0.1, replicationLagMs: 2000 });
    const settings = emulatorSettings(emu, { "entra:maxConcurrency": "16", "entra:operationTimeout": "120" });
    client = new GraphClient(settings, { logger: (e) => logs.push(e) });
    result = await runWorkload(client, {
      apps: APPS,
      parallel: 32,
      applicationTemplateId: scimTemplate.id,
      prefix: "emu-workload",
      settleMs: 4000,
    });
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    await closeSharedDispatchers();
  });

  it("completes 500+ mixed operations with no error surfaced", () => {
    expect(result.errors).toEqual([]);
    expect(result.operations).toBeGreaterThanOrEqual(500);
    // The faults really happened and were absorbed.
    expect(result.counters.throttled).toBeGreaterThan(50);
    expect(result.counters.statuses["503"] ?? 0).toBeGreaterThan(0);
    expect(result.counters.statuses["0"] ?? 0).toBeGreaterThan(0); // connection resets
    expect(result.counters.consistencyRetries).toBeGreaterThan(0);
  });

  it("wrote nothing twice: one instantiate and one job per app, and exactly the kept objects remain", async () => {
    const stats = await admin<Stats>(client.settings, emu, "GET", "/stats");
    const count = (method: string, route: string, status: number): number =>
      stats.requests.filter((r) => r.method === method && r.route === route && r.status === status).reduce((n, r) => n + r.count, 0);
    expect(count("POST", "/applicationTemplates/{id}/instantiate", 201)).toBe(APPS);
    expect(count("POST", "/servicePrincipals/{id}/synchronization/jobs", 201)).toBe(APPS);

    const state = await admin<State>(client.settings, emu, "GET", "/state");
    expect(state.applications.count).toBe(result.kept.length);
    expect(new Set(state.applications.ids)).toEqual(new Set(result.kept.map((k) => k.appObjectId)));
    expect(new Set(state.jobs.items.map((j) => j.id))).toEqual(new Set(result.kept.map((k) => k.jobId)));
    expect(result.deleted + result.kept.length).toBe(APPS);
  });

  it("logged every attempt without credentials", () => {
    expect(logs.length).toBe(result.counters.totalRequests);
    const text = logs.map(formatLogEvent).join("\n");
    expect(text).not.toContain(emu.clientSecret);
    expect(text).not.toContain("scim-token-");
  });

  it("reports GRAPH_NETWORK with the caFile hint when the emulator's CA is not trusted", async () => {
    const untrusted = new GraphClient(
      emulatorSettings({ ...emu, caFile: undefined }, { "entra:maxRetries": "0" }), // its CA not given
      { tokens: { getToken: async () => "t", invalidate: () => undefined }, logger: () => undefined },
    );
    const e = await untrusted.get({ endpoint: endpoints.applicationTemplates }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "GRAPH_NETWORK" });
    expect(String(e)).toContain("entra:caFile");
  });

  it("reports GRAPH_AUTH for a wrong client secret without echoing it", async () => {
    const wrongSecret = "definitely-not-the-emulator-secret-123";
    const bad = new GraphClient(emulatorSettings({ ...emu, clientSecret: wrongSecret }, { "entra:maxRetries": "0" }), { logger: () => undefined });
    const e = await bad.get({ endpoint: endpoints.applicationTemplates }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "GRAPH_AUTH" });
    expect(String(e)).not.toContain(wrongSecret);
  });
});

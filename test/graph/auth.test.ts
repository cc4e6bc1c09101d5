import type { AccessToken, TokenCredential } from "@azure/identity";
import { CachedTokenProvider, GraphClient, isGraphError, loadGraphSettings } from "../../provider/graph";
import { FakeClock, json, mockAgent } from "./helpers";
import { AUTHORITY, CLIENT, mockAuthority, TENANT, tokenBody } from "./identityMock";

class CountingCredential implements TokenCredential {
  calls = 0;
  next: () => Promise<AccessToken | null>;
  constructor(private readonly clock: FakeClock, lifetimeMs = 3_600_000) {
    this.next = async () => ({ token: `token-${this.calls}`, expiresOnTimestamp: this.clock.now() + lifetimeMs });
  }
  async getToken(): Promise<AccessToken | null> {
    this.calls++;
    await new Promise((r) => setImmediate(r));
    return this.next();
  }
}

const describe_ = { kind: "ClientSecretCredential" as const, tenantId: "t", clientId: "c", authorityHost: AUTHORITY };

describe("CachedTokenProvider", () => {
  it("shares one in-flight request and caches until 5 minutes before expiry", async () => {
    const clock = new FakeClock();
    const cred = new CountingCredential(clock);
    const p = new CachedTokenProvider(cred, { scope: "s/.default", clock, describe: describe_ });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => p.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    expect(cred.calls).toBe(1);

    clock.current += 54 * 60_000; // 6 min left
    expect(await p.getToken()).toBe("token-1");
    clock.current += 2 * 60_000; // 4 min left: refresh
    expect(await p.getToken()).toBe("token-2");
    expect(cred.calls).toBe(2);

    p.invalidate();
    expect(await p.getToken()).toBe("token-3");
  });

  it("keeps using a still-valid token when an early refresh fails", async () => {
    const clock = new FakeClock();
    const cred = new CountingCredential(clock);
    const p = new CachedTokenProvider(cred, { scope: "s/.default", clock, describe: describe_ });
    await p.getToken();
    clock.current += 57 * 60_000;
    cred.next = async () => {
      throw new Error("authority down");
    };
    expect(await p.getToken()).toBe("token-1");
  });

  it("wraps credential failures as GRAPH_AUTH with what to check", async () => {
    const clock = new FakeClock();
    const cred = new CountingCredential(clock);
    cred.next = async () => {
      throw new Error("AADSTS7000215: Invalid client secret provided.");
    };
    const p = new CachedTokenProvider(cred, { scope: "https://graph.test/.default", clock, describe: describe_ });
    const e = await p.getToken().catch((err: unknown) => err);
    expect(isGraphError(e, "GRAPH_AUTH")).toBe(true);
    expect((e as Error).message).toContain("AADSTS7000215");
    expect((e as Error).message).toContain("Check entra:tenantId, entra:clientId and the client secret");
  });
});

describe("@azure/identity on our undici transport", () => {
  it("gets a token from a custom authority through the injected dispatcher and calls Graph with it", async () => {
    const agent = mockAgent();
    let tokenRequest = "";
    mockAuthority(agent, [{ status: 200, body: tokenBody("access-token-from-authority") }], (b) => (tokenRequest = b));
    const settings = loadGraphSettings(
      {
        "entra:graphEndpoint": "https://graph.test",
        "entra:authorityHost": AUTHORITY,
        "entra:tenantId": TENANT,
        "entra:clientId": CLIENT,
        "entra:clientSecret": "client-secret-for-identity-test",
      },
      {},
    );
    expect(settings.disableInstanceDiscovery).toBe(true);
    const client = new GraphClient(settings, { dispatcher: agent, logger: () => undefined });
    let auth = "";
    agent
      .get("https://graph.test")
      .intercept({ path: "/v1.0/applications/x", method: "GET" })
      .reply(200, (o) => ((auth = (o.headers as Record<string, string>).authorization), { id: "x" }), json)
      .times(2);
    await Promise.all([client.get({ path: "/applications/x" }), client.get({ path: "/applications/x" })]);
    expect(auth).toBe("Bearer access-token-from-authority");
    expect(tokenRequest).toContain("grant_type=client_credentials");
    expect(decodeURIComponent(tokenRequest)).toContain("scope=https://graph.test/.default");
    await agent.close();
  });
});

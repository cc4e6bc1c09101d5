import { inspect } from "node:util";
import { endpoints, formatLogEvent, GraphClient, loadGraphSettings, redact, type GraphLogEvent } from "../../provider/graph";
import { graphErrorBody, json, mockAgent } from "./helpers";
import { AUTHORITY, CLIENT, mockAuthority, TENANT, tokenBody } from "./identityMock";

const CLIENT_SECRET = "Cl1ent~Secret.Value_0123456789";
const ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJncmFwaCJ9.c2lnbmF0dXJlLXZhbHVl";
const SCIM_TOKEN = "scim-bearer-token-5f4dcc3b5aa765d61d8327deb882cf99";
const SF_PASSWORD = "Pa55w0rd!salesforce";
const SECRETS = [CLIENT_SECRET, ACCESS_TOKEN, SCIM_TOKEN, SF_PASSWORD];

function settings() {
  return loadGraphSettings(
    {
      "entra:graphEndpoint": "https://graph.test",
      "entra:authorityHost": AUTHORITY,
      "entra:tenantId": TENANT,
      "entra:clientId": CLIENT,
      "entra:clientSecret": CLIENT_SECRET,
      "entra:maxRetries": "2",
    },
    {},
  );
}

function texts(e: unknown, logs: GraphLogEvent[]): string[] {
  return [
    String(e),
    (e as Error).stack ?? "",
    inspect(e, { depth: 10 }),
    JSON.stringify(e),
    ...logs.map(formatLogEvent),
    ...logs.map((l) => JSON.stringify(l)),
  ];
}

function expectNoSecrets(all: string[]): void {
  for (const text of all) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe("no credential reaches a log line or error text", () => {
  it("failing auth whose error echoes the client secret", async () => {
    const agent = mockAgent();
    mockAuthority(agent, [
      {
        status: 401,
        body: {
          error: "invalid_client",
          error_description: `AADSTS7000215: Invalid client secret provided. Received client_secret=${CLIENT_SECRET} "clientSecret": "${CLIENT_SECRET}"`,
          error_codes: [7000215],
        },
      },
    ]);
    const logs: GraphLogEvent[] = [];
    const client = new GraphClient(settings(), { dispatcher: agent, logger: (l) => logs.push(l) });
    const e = await client.get({ endpoint: endpoints.applications }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: "GRAPH_AUTH" });
    expect(String(e)).toContain("AADSTS7000215");
    expectNoSecrets(texts(e, logs));
    await agent.close();
  });

  it("failing requests with secrets in bodies and headers", async () => {
    const agent = mockAgent();
    mockAuthority(agent, [{ status: 200, body: tokenBody(ACCESS_TOKEN) }]);
    const pool = agent.get("https://graph.test");
    const sp = "11111111-2222-3333-4444-555555555555";
    // Graph echoing the secret values we sent, and our own bearer token, in its error message.
    pool
      .intercept({ path: `/v1.0/servicePrincipals/${sp}/synchronization/secrets`, method: "PUT" })
      .reply(
        400,
        graphErrorBody("Request_BadRequest", `Invalid credentials: SecretToken=${SCIM_TOKEN}; Password '${SF_PASSWORD}'; Authorization: Bearer ${ACCESS_TOKEN}`),
        json,
      );
    pool
      .intercept({ path: `/v1.0/servicePrincipals/${sp}/synchronization/jobs/J/validateCredentials`, method: "POST" })
      .reply(503, graphErrorBody("serviceNotAvailable", `down while checking ${SF_PASSWORD}`), json)
      .times(3);
    const logs: GraphLogEvent[] = [];
    const client = new GraphClient(settings(), { dispatcher: agent, logger: (l) => logs.push(l), retry: { random: () => 0 } });

    const e1 = await client
      .put({
        endpoint: endpoints.secrets,
        params: { spId: sp },
        body: {
          value: [
            { key: "BaseAddress", value: "https://scim.example" },
            { key: "SecretToken", value: SCIM_TOKEN },
            { key: "Password", value: SF_PASSWORD },
          ],
        },
        headers: { "x-custom-credential": CLIENT_SECRET },
      })
      .catch((err: unknown) => err);
    expect(e1).toMatchObject({ code: "GRAPH_BAD_REQUEST" });
    expect(String(e1)).toContain("Invalid credentials");
    const e2 = await client
      .post({
        endpoint: endpoints.jobValidateCredentials,
        params: { spId: sp, jobId: "J" },
        body: { useSavedCredentials: false, credentials: [{ key: "Password", value: SF_PASSWORD }] },
      })
      .catch((err: unknown) => err);
    expect(e2).toMatchObject({ code: "GRAPH_UNAVAILABLE" });
    expect(logs.length).toBe(4);
    expectNoSecrets([...texts(e1, logs), ...texts(e2, logs)]);
    await agent.close();
  });

  it("redact() removes bearer tokens, JWTs, form secrets and credential-named JSON members", () => {
    const out = redact(
      `Authorization: Bearer abc.def.ghi client_secret=xyz&grant_type=client_credentials {"clientSecret":"v1","SecretToken":"v2"} ${ACCESS_TOKEN}`,
    );
    expect(out).not.toMatch(/abc\.def|xyz|v1|v2|eyJ/);
    expect(out).toContain("grant_type=client_credentials");
  });
});

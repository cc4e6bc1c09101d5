// Issue 16 end to end: provisioning settings live in the secrets set. Typed settings round-trip
// and drift; keys an admin set survive a credential change; a missing synchronization
// permission (Graph answers 401, not 403) produces an error naming it.
import * as path from "node:path";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(600_000);

const TOKEN = "scim-token-settings-51c2";

describe("provisioning settings through the real CLI", () => {
  let h: Harness;
  let run: ProgramRun;
  const cli = async (...args: string[]) => {
    const r = await runPulumi(run, args);
    return { code: r.code, all: r.stdout + r.stderr };
  };
  const expectOk = (r: { code: number; all: string }) => {
    if (r.code !== 0) throw new Error(`pulumi exited ${r.code}:\n${r.all.slice(-4000)}`);
  };
  const secrets = async (): Promise<Record<string, string>> => {
    const spId = (await run.stack.outputs()).servicePrincipalId.value as string;
    const body = (await h.call("GET", `/servicePrincipals/${spId}/synchronization/secrets`)).body;
    return Object.fromEntries(body.value.map((kv: { key: string; value: string }) => [kv.key, kv.value]));
  };
  const putSecrets = async (set: Record<string, string>) => {
    const spId = (await run.stack.outputs()).servicePrincipalId.value as string;
    const r = await h.call("PUT", `/servicePrincipals/${spId}/synchronization/secrets`, { value: Object.entries(set).map(([key, value]) => ({ key, value })) });
    expect(r.status).toBe(204);
  };

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 500 });
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "lifecycle"), {
      config: {
        ...emulatorConfig(h.emu),
        secretToken: { value: TOKEN, secret: true },
        settings: { value: JSON.stringify({ scope: "all", deleteThreshold: 25, notifications: { enabled: true, recipients: "idm@contoso.com" } }) },
      },
    });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("writes the typed settings into the secrets set", async () => {
    expectOk(await cli("up", "--yes", "--skip-preview"));
    const set = await secrets();
    expect(set.SyncAll).toBe("true");
    expect(JSON.parse(set.SyncNotificationSettings)).toEqual({ Enabled: true, Recipients: "idm@contoso.com", DeleteThresholdEnabled: true, DeleteThresholdValue: 25 });
    expect(set.SecretToken).toBe("*");
    expectOk(await cli("preview", "--refresh", "--expect-no-changes"));
  });

  it("reports a setting changed in the portal as drift, naming it, and up restores it", async () => {
    const set = await secrets();
    await putSecrets({ ...set, SecretToken: TOKEN, SyncNotificationSettings: JSON.stringify({ Enabled: true, Recipients: "idm@contoso.com", DeleteThresholdEnabled: false }) });
    const drift = await cli("preview", "--refresh", "--expect-no-changes");
    expect(drift.code).not.toBe(0);
    expect(drift.all).toMatch(/the setting deleteThreshold was changed outside Pulumi \(now false\)/);
    expectOk(await cli("up", "--yes", "--refresh", "--skip-preview"));
    expect(JSON.parse((await secrets()).SyncNotificationSettings).DeleteThresholdValue).toBe(25);
    expectOk(await cli("preview", "--refresh", "--expect-no-changes"));
  });

  it("keeps keys an admin set when a credential changes", async () => {
    await putSecrets({ ...(await secrets()), SecretToken: TOKEN, SkipOutOfScopeDeletions: "True" });
    await run.stack.setConfig("baseAddress", { value: "https://scim.example.com/moved" });
    expectOk(await cli("up", "--yes", "--skip-preview"));
    const set = await secrets();
    expect(set.SkipOutOfScopeDeletions).toBe("True");
    expect(set.BaseAddress).toBe("https://scim.example.com/moved");
    expect(set.SyncAll).toBe("true");
  });

  it("names Synchronization.ReadWrite.All when the app lacks it (Graph answers 401)", async () => {
    const restricted = (await h.admin("POST", "/clients", { roles: ["Application.ReadWrite.All"] })).body;
    await run.stack.setAllConfig({
      "entra:clientId": { value: restricted.clientId },
      "entra:clientSecret": { value: restricted.clientSecret, secret: true },
      rotationTrigger: { value: "after-permission-change" },
    });
    const denied = await cli("up", "--yes", "--skip-preview");
    expect(denied.code).not.toBe(0);
    expect(denied.all).toMatch(/Graph answers 401 on the synchronization API when the app lacks its permission: grant Synchronization\.ReadWrite\.All/);
    expect(denied.all).not.toMatch(/Check entra:tenantId/);
    expect(denied.all).not.toContain(restricted.clientSecret);
    // With the permission back (here: the full client), the same up goes through; destroy then
    // runs with the provider config that up recorded.
    await run.stack.setAllConfig({ "entra:clientId": { value: h.emu.clientId }, "entra:clientSecret": { value: h.emu.clientSecret, secret: true } });
    expectOk(await cli("up", "--yes", "--skip-preview"));
    expectOk(await cli("destroy", "--yes", "--skip-preview"));
    expect((await h.admin("GET", "/state")).body.applications.count).toBe(0);
  });
});

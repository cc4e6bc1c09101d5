// The CLI's building blocks without a stack or an emulator: --app matching with suggestions, how
// `wait` judges stopped jobs, --user/--group lookups through Graph (answers mocked), and finding
// the Pulumi project of the current directory.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProjectDir, selectApp } from "../../provider/cli/common";
import { resolveSubject } from "../../provider/cli/subjects";
import { judge } from "../../provider/cli/wait";
import type { ProvisioningJobStatus } from "../../provider/functions/status";
import { graphErrorBody, json, testClient, V1, type TestClient } from "../graph/helpers";

describe("--app", () => {
  const targets = [
    { servicePrincipalId: "sp0", jobId: "j0", displayName: "Zoom — sales", resourceName: "zoom-sales" },
    { servicePrincipalId: "sp1", jobId: "j1", displayName: "Zoom — support", resourceName: "zoom-support" },
    { servicePrincipalId: "sp2", jobId: "j2", displayName: "Dropbox", resourceName: "dropbox" },
  ];

  it("matches a display name or a Pulumi resource name, exactly, else ignoring case", () => {
    expect(selectApp(targets, "Dropbox", "prod").map((t) => t.jobId)).toEqual(["j2"]);
    expect(selectApp(targets, "zoom-support", "prod").map((t) => t.jobId)).toEqual(["j1"]);
    expect(selectApp(targets, "ZOOM — SALES", "prod").map((t) => t.jobId)).toEqual(["j0"]);
  });

  it("suggests the closest names when nothing matches", () => {
    expect(() => selectApp(targets, "Dropbx", "prod")).toThrow('--app: no application in stack "prod" is named "Dropbx"; did you mean "Dropbox"?');
    expect(() => selectApp(targets, "zoom-sale", "prod")).toThrow(/did you mean "zoom-sales"/);
    expect(() => selectApp(targets, "Salesforce production EU", "prod")).toThrow(/is named "Salesforce production EU" \(display names or resource names of its 3 job\(s\)/);
    expect(() => selectApp([], "x", "dev")).toThrow(/the stack has no ProvisioningJob/);
  });
});

describe("wait's verdict on stopped jobs", () => {
  const row = (jobId: string, health: ProvisioningJobStatus["health"]): ProvisioningJobStatus => ({
    displayName: `App ${jobId}`,
    servicePrincipalId: `sp-${jobId}`,
    jobId,
    health,
    code: health === "stopped" ? "Paused" : "Active",
    countSuccessiveCompleteFailures: 0,
    countImported: 0,
    countExported: 0,
    countEscrowed: 0,
    synchronizedEntries: {},
  });
  const rows = [row("a", "healthy"), row("b", "stopped"), row("c", "stopped"), row("d", "quarantined"), row("e", "pending")];
  // b and d are declared enabled: false; c is not (paused out of band).
  const targets = [{ servicePrincipalId: "sp-b", jobId: "b", declaredEnabled: false as const }, { servicePrincipalId: "sp-c", jobId: "c" }, { servicePrincipalId: "sp-d", jobId: "d", declaredEnabled: false as const }];

  it("counts a stopped job declared enabled: false as healthy, and fails on other stopped jobs", () => {
    const v = judge(rows, targets, false);
    expect(v.disabled.map((r) => r.jobId)).toEqual(["b"]);
    expect(v.bad.map((r) => r.jobId)).toEqual(["c", "d"]); // a quarantined job fails whatever its declaration
    expect(v.skipped).toEqual([]);
    expect(v.healthy).toBe(1);
  });

  it("--ignore-disabled leaves out every stopped job, declared or not", () => {
    const v = judge(rows, [], true);
    expect(v.skipped.map((r) => r.jobId)).toEqual(["b", "c"]);
    expect(v.bad.map((r) => r.jobId)).toEqual(["d"]);
    const both = judge(rows, targets, true);
    expect([both.disabled.map((r) => r.jobId), both.skipped.map((r) => r.jobId)]).toEqual([["b"], ["c"]]);
  });
});

describe("--user / --group lookup", () => {
  let t: TestClient;
  beforeEach(() => (t = testClient()));
  afterEach(async () => {
    t.agent.assertNoPendingInterceptors();
    await t.agent.close();
  });
  const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
  const users = (q: string) => `${V1}/users?%24filter=${q}&%24select=id%2CdisplayName%2CuserPrincipalName&%24top=6`;
  const user = (i: number) => ({ id: `00000000-0000-0000-0000-00000000000${i}`, displayName: "Adele Vance", userPrincipalName: `AdeleV${i}@contoso.com` });

  it("takes an object id as is, without asking Graph", async () => {
    expect(await resolveSubject(t.client, "User", ID)).toEqual({ objectId: ID });
    expect(await resolveSubject(t.client, "Group", ` ${ID.toUpperCase()} `)).toEqual({ objectId: ID.toUpperCase() });
  });

  it("looks a user up by userPrincipalName when the value has an @, else by displayName (quotes doubled)", async () => {
    t.pool.intercept({ path: users("userPrincipalName%20eq%20'AdeleV0%40contoso.com'"), method: "GET" }).reply(200, { value: [user(0)] }, json);
    expect(await resolveSubject(t.client, "User", "AdeleV0@contoso.com")).toEqual({ objectId: user(0).id, matched: "AdeleV0@contoso.com" });
    t.pool.intercept({ path: users("displayName%20eq%20'Dara%20O''Brien'"), method: "GET" }).reply(200, { value: [user(1)] }, json);
    expect((await resolveSubject(t.client, "User", "Dara O'Brien")).objectId).toBe(user(1).id);
  });

  it("says so when nothing matches", async () => {
    t.pool.intercept({ path: users("displayName%20eq%20'Nobody'"), method: "GET" }).reply(200, { value: [] }, json);
    await expect(resolveSubject(t.client, "User", "Nobody")).rejects.toThrow('--user: no user has the displayName "Nobody"; pass the object id (or the exact display name).');
  });

  it("refuses an ambiguous name, listing up to 5 matches (UPN and id)", async () => {
    t.pool.intercept({ path: users("displayName%20eq%20'Adele%20Vance'"), method: "GET" }).reply(200, { value: [user(1), user(2)] }, json);
    const two = await resolveSubject(t.client, "User", "Adele Vance").then(() => "", (e: Error) => e.message);
    expect(two).toBe(
      `--user: "Adele Vance" is ambiguous: 2 users have that displayName:\n  AdeleV1@contoso.com ${user(1).id}\n  AdeleV2@contoso.com ${user(2).id}\npass the object id of the one you mean (--user ID).`,
    );
    t.pool.intercept({ path: users("displayName%20eq%20'Adele%20Vance'"), method: "GET" }).reply(200, { value: [1, 2, 3, 4, 5, 6].map(user) }, json);
    const many = await resolveSubject(t.client, "User", "Adele Vance").then(() => "", (e: Error) => e.message);
    expect(many).toMatch(/^--user: "Adele Vance" is ambiguous: more than 5 users/);
    expect(many.match(/^ {2}AdeleV\d@contoso\.com /gm)).toHaveLength(5);
    expect(many).toContain("… and more");
  });

  it("looks a group up by displayName, and names the permission a 403 means", async () => {
    const groups = (q: string) => `${V1}/groups?%24filter=${q}&%24select=id%2CdisplayName&%24top=6`;
    t.pool.intercept({ path: groups("displayName%20eq%20'Sales%20and%20Marketing'"), method: "GET" }).reply(200, { value: [{ id: ID, displayName: "Sales and Marketing" }] }, json);
    expect(await resolveSubject(t.client, "Group", "Sales and Marketing")).toEqual({ objectId: ID, matched: "Sales and Marketing" });
    t.pool.intercept({ path: groups("displayName%20eq%20'Finance'"), method: "GET" }).reply(403, graphErrorBody("Authorization_RequestDenied", "Insufficient privileges to complete the operation."), json);
    await expect(resolveSubject(t.client, "Group", "Finance")).rejects.toThrow(/^--group "Finance": looking up groups by displayName needs the Group\.Read\.All permission, which Graph refused; pass the object id instead/);
  });
});

describe("the Pulumi project of the current directory", () => {
  it("is the nearest directory upward with Pulumi.yaml or Pulumi.yml", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-project-"));
    try {
      fs.mkdirSync(path.join(tmp, "a", "b", "c"), { recursive: true });
      expect(findProjectDir(path.join(tmp, "a", "b", "c"))).toBeUndefined();
      fs.writeFileSync(path.join(tmp, "a", "Pulumi.yaml"), "name: a\nruntime: nodejs\n");
      expect(findProjectDir(path.join(tmp, "a", "b", "c"))).toBe(path.join(tmp, "a"));
      fs.writeFileSync(path.join(tmp, "a", "b", "Pulumi.yml"), "name: b\nruntime: nodejs\n");
      expect(findProjectDir(path.join(tmp, "a", "b", "c"))).toBe(path.join(tmp, "a", "b"));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

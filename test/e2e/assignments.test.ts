// Issue 17 end to end: a fleet whose file assigns groups converges; one provisioning cycle
// provisions exactly the members of each app's assigned groups (and nobody for an app with no
// assignment); removing a group from the file removes exactly that assignment; an assignment
// deleted out of band is caught as drift and restored.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { harness, Harness } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";

jest.setTimeout(900_000);

const N = Number(process.env.E2E_ASSIGNMENT_APPS ?? 50);
const GROUPS = ["Sales and Marketing", "Engineering", "Self-service Pilot", "Finance"];

interface Entry {
  name: string;
  template: string;
  credentials: Record<string, string | { secret: string }>;
  assignments?: { groups: string[] };
}

/** App i serves GROUPS[i % 4], every third also the next group; the last app serves nobody. */
function fleet(): Entry[] {
  return Array.from({ length: N + 1 }, (_, i) => ({
    name: `app-${i}`,
    template: "Non-gallery application",
    credentials: { BaseAddress: `https://scim.example.com/${i}`, SecretToken: { secret: "token" } },
    ...(i === N ? {} : { assignments: { groups: i % 3 === 0 ? [GROUPS[i % 4], GROUPS[(i + 1) % 4]] : [GROUPS[i % 4]] } }),
  }));
}

describe(`assignments for a fleet of ${N} apps through the real CLI`, () => {
  let h: Harness;
  let run: ProgramRun;
  let file: string;
  let entries: Entry[];
  type Instances = Record<string, { spId: string; jobId: string }>;
  let instances: Instances;
  const members = new Map<string, string[]>();

  const write = () => fs.writeFileSync(file, stringify({ instances: entries }));
  const cli = async (...args: string[]) => {
    const r = await runPulumi(run, args);
    return { code: r.code, all: r.stdout + r.stderr };
  };
  const expectOk = (r: { code: number; all: string }) => {
    if (r.code !== 0) throw new Error(`pulumi exited ${r.code}:\n${r.all.slice(-4000)}`);
  };
  const assignedGroups = async (spId: string): Promise<string[]> =>
    ((await h.call("GET", `/servicePrincipals/${spId}/appRoleAssignedTo`)).body.value as { principalDisplayName: string }[])
      .map((a) => a.principalDisplayName)
      .sort();

  beforeAll(async () => {
    h = await harness({ cycleIntervalMs: 3_600_000 });
    const groups = (await h.call("GET", "/groups?$top=999")).body.value as { id: string; displayName: string }[];
    for (const name of GROUPS) {
      const group = groups.find((g) => g.displayName === name)!;
      const list = (await h.call("GET", `/groups/${group.id}/members?$top=999`)).body.value as { id: string }[];
      members.set(name, list.map((m) => m.id));
    }
    run = await openProgram(path.join(repoRoot, "test", "fixtures", "assignments"), {
      config: { ...emulatorConfig(h.emu), token: { value: "scim-token-assignments", secret: true } },
    });
    file = path.join(run.workDir, "fleet.yaml");
    entries = fleet();
    write();
    await run.stack.setConfig("fleetFile", { value: file });
  });
  afterAll(async () => {
    run?.cleanup();
    await h?.close();
  });

  it("converges, and one cycle provisions exactly the members of each app's groups", async () => {
    const up = await cli("up", "--yes", "--skip-preview", "--parallel", "32");
    expectOk(up);
    instances = (await run.stack.outputs()).instances.value as Instances;
    for (const e of entries) {
      expect([e.name, await assignedGroups(instances[e.name].spId)]).toEqual([e.name, [...(e.assignments?.groups ?? [])].sort()]);
    }
    for (const e of entries) expect((await h.admin("POST", `/jobs/${instances[e.name].jobId}/run-cycle`)).status).toBe(204);
    const logs = (await h.call("GET", "/auditLogs/provisioning?$top=999")).body.value as {
      jobId: string;
      sourceIdentity: { id: string; identityType: string };
    }[];
    for (const e of entries) {
      const expected = [...new Set((e.assignments?.groups ?? []).flatMap((g) => members.get(g)!))].sort();
      const provisioned = [
        ...new Set(logs.filter((l) => l.jobId === instances[e.name].jobId && l.sourceIdentity.identityType === "User").map((l) => l.sourceIdentity.id)),
      ].sort();
      expect([e.name, provisioned]).toEqual([e.name, expected]);
    }
    expectOk(await cli("preview", "--refresh", "--expect-no-changes"));
  });

  it("removing a group from the file removes exactly that assignment", async () => {
    const e = entries[0];
    expect(e.assignments!.groups).toHaveLength(2);
    const [kept, dropped] = e.assignments!.groups;
    e.assignments = { groups: [kept] };
    write();
    const up = await cli("up", "--yes", "--skip-preview");
    expectOk(up);
    expect(up.all).toMatch(/1 deleted/);
    expect(await assignedGroups(instances[e.name].spId)).toEqual([kept]);
    expect(dropped).not.toBe(kept);
  });

  it("an assignment deleted out of band is drift, and up restores it", async () => {
    const spId = instances["app-1"].spId;
    const [assignment] = (await h.call("GET", `/servicePrincipals/${spId}/appRoleAssignedTo`)).body.value as { id: string }[];
    expect((await h.call("DELETE", `/servicePrincipals/${spId}/appRoleAssignedTo/${assignment.id}`)).status).toBe(204);
    const drift = await cli("preview", "--refresh", "--expect-no-changes");
    expect(drift.code).not.toBe(0);
    expect(drift.all).toMatch(/AppRoleAssignment/);
    expectOk(await cli("up", "--yes", "--refresh", "--skip-preview"));
    expect(await assignedGroups(spId)).toEqual([entries[1].assignments!.groups[0]]);
    expectOk(await cli("preview", "--refresh", "--expect-no-changes"));
  });

  it("destroy removes every assignment with its app", async () => {
    expectOk(await cli("destroy", "--yes", "--skip-preview", "--parallel", "32"));
    expect((await h.admin("GET", "/state")).body.applications.count).toBe(0);
  });
});

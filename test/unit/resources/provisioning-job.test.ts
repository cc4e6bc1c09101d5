// ProvisioningJob read and diff against a mocked Graph: a job paused outside Pulumi, state of an
// earlier version, a job deleted outside Pulumi, and which input changes replace the job.
import { provider } from "../../../provider/resources/provisioning-job";
import { mockGraph, notFound, providerModule, type MockGraph } from "./mock-graph";

const SP = "5b5b5b5b-0000-4000-8000-000000000002";
const JOB = "BoxOutDelta.0123456789abcdef0123456789abcdef";

const state = (overrides: Record<string, unknown> = {}) => ({
  stateVersion: 1,
  servicePrincipalId: SP,
  templateId: "BoxOutDelta",
  enabled: true,
  declaredEnabled: true,
  validateCredentials: true,
  restartScope: "Full",
  templateIdGiven: false,
  createdAt: "2025-01-01T00:00:00.000Z",
  effectiveTemplateId: "BoxOutDelta",
  scheduleState: "Active",
  status: { code: "Active" },
  onDestroy: "delete",
  __provider: providerModule("job"),
  ...overrides,
});
/** A synchronizationJob as GET …/synchronization/jobs/{id} returns it. */
const liveJob = (scheduleState: string) => ({
  id: JOB,
  templateId: "BoxOutDelta",
  schedule: { expiration: null, interval: "PT40M", state: scheduleState },
  status: {
    code: scheduleState === "Active" ? "Active" : "Paused",
    countSuccessiveCompleteFailures: 0,
    escrowsPruned: false,
    lastExecution: { state: "Succeeded", timeEnded: "2025-06-01T10:00:00Z" },
    lastSuccessfulExecution: { timeEnded: "2025-06-01T10:00:00Z" },
    quarantine: null,
  },
  synchronizationJobSettings: [],
});

let g: MockGraph;
beforeEach(() => (g = mockGraph()));
afterEach(async () => {
  g.agent.assertNoPendingInterceptors();
  await g.close();
});

describe("ProvisioningJob read", () => {
  it("shows a job paused outside Pulumi as scheduleState drift, keeping enabled as declared", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/jobs/${JOB}`, 200, liveJob("Paused"));
    const result = await provider.read(JOB, state());
    expect(result.props).toMatchObject({ enabled: false, scheduleState: "Paused", status: { code: "Paused", lastExecutionState: "Succeeded" } });
    // The program's `enabled: true` derives scheduleState "Active": Pulumi shows "Paused" => "Active".
    expect(result.inputs).toEqual({ servicePrincipalId: SP, scheduleState: "Paused", __provider: providerModule("job") });
  });

  it("reads a running job back without drift", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/jobs/${JOB}`, 200, liveJob("Active"));
    const result = await provider.read(JOB, state());
    expect(result.props).toMatchObject({ enabled: true, scheduleState: "Active" });
    expect(result.inputs).toEqual({ servicePrincipalId: SP, scheduleState: "Active", __provider: providerModule("job") });
  });

  it("drops the job settings of state written before they were removed, and fills in onDestroy", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/jobs/${JOB}`, 200, liveJob("Active"));
    const old = state({ settings: { QuarantineTooManyDeletesThreshold: "500" } });
    delete (old as Record<string, unknown>).onDestroy;
    const result = await provider.read(JOB, old);
    expect(result.props).not.toHaveProperty("settings");
    expect(result.props).toMatchObject({ onDestroy: "delete", stateVersion: 1 });
  });

  it("is gone when the job answers 404 and its service principal is readable", async () => {
    g.reply("GET", `/servicePrincipals/${SP}/synchronization/jobs/${JOB}`, 404, notFound(JOB));
    g.reply("GET", `/servicePrincipals/${SP}`, 200, { id: SP });
    expect(await provider.read(JOB, state())).toEqual({});
  });
});

describe("ProvisioningJob diff", () => {
  const inputs = (overrides: Record<string, unknown> = {}) => ({ servicePrincipalId: SP, scheduleState: "Active", __provider: providerModule("job"), ...overrides });

  it("pauses in place, and replaces on another template", async () => {
    expect(await provider.diff(JOB, state(), inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    expect(await provider.diff(JOB, state(), inputs({ enabled: false }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(await provider.diff(JOB, state(), inputs({ templateId: "scim" }))).toEqual({ changes: true, replaces: ["templateId"], deleteBeforeReplace: true });
  });
});

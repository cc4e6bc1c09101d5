import { Agent, request } from "undici";
import { readFileSync } from "node:fs";
import { RunningEmulator, startEmulator } from "../../emulator";
import { credential, secretsSet } from "./helpers";

/**
 * The walkthrough "Configure provisioning using Microsoft Graph APIs" (steps 1–5,
 * https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api) plus
 * provisionOnDemand, end to end: token from @azure/identity's ClientSecretCredential,
 * every Graph call with plain undici, documented property names checked on every response.
 */
describe('the "Configure provisioning using Microsoft Graph APIs" walkthrough against the emulator', () => {
  let emu: RunningEmulator;
  let dispatcher: Agent;
  let token: string;

  beforeAll(async () => {
    emu = await startEmulator({ seed: 7, cycleIntervalMs: 50 });
    dispatcher = new Agent({ connect: { ca: readFileSync(emu.caFile!, "utf8") } });
    const t = await credential(emu).getToken("https://graph.microsoft.com/.default");
    token = t.token;
  });
  afterAll(async () => {
    await emu.close();
    await dispatcher.close();
  });

  async function graph(method: string, path: string, body?: unknown) {
    const r = await request(`${emu.graphUrl}/beta${path}`, {
      method: method as "GET",
      dispatcher,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? JSON.parse(text) : undefined };
  }

  it("runs steps 1-5 and provision on demand", async () => {
    // Step 1: retrieve the gallery template and instantiate it.
    const templates = await graph("GET", "/applicationTemplates?$filter=displayName eq 'Amazon Web Services (AWS)'");
    expect(templates.status).toBe(200);
    expect(templates.body.value).toHaveLength(1);
    const tpl = templates.body.value[0];
    expect(tpl).toMatchObject({ id: "8b1025e4-1dd2-430b-a150-2ef79cd700f5", displayName: "Amazon Web Services (AWS)", publisher: "Amazon", categories: ["developerServices"], supportedProvisioningTypes: ["sync"] });
    for (const k of ["homePageUrl", "supportedSingleSignOnModes", "logoUrl", "description"]) expect(tpl).toHaveProperty(k);

    const inst = await graph("POST", `/applicationTemplates/${tpl.id}/instantiate`, { displayName: "AWS Contoso" });
    expect(inst.status).toBe(201);
    const { application, servicePrincipal } = inst.body;
    expect(application).toMatchObject({ applicationTemplateId: tpl.id, displayName: "AWS Contoso", signInAudience: "AzureADMyOrg", deletedDateTime: null });
    expect(servicePrincipal).toMatchObject({
      appId: application.appId, applicationTemplateId: tpl.id, appDisplayName: "AWS Contoso", displayName: "AWS Contoso",
      appRoleAssignmentRequired: true, accountEnabled: true, servicePrincipalType: "Application",
      servicePrincipalNames: [application.appId], tags: ["WindowsAzureActiveDirectoryIntegratedApp"], appOwnerOrganizationId: emu.tenantId,
    });
    expect(servicePrincipal.id).not.toBe(application.id);
    // beta: publishedPermissionScopes replaces oauth2PermissionScopes
    expect(servicePrincipal).toHaveProperty("publishedPermissionScopes");
    expect(servicePrincipal).not.toHaveProperty("oauth2PermissionScopes");
    const sp = servicePrincipal.id as string;

    // Step 2: synchronization templates, then the job.
    const syncTemplates = await graph("GET", `/servicePrincipals/${sp}/synchronization/templates`);
    expect(syncTemplates.status).toBe(200);
    expect(syncTemplates.body.value[0]).toMatchObject({ id: "aws", factoryTag: "aws" });
    expect(syncTemplates.body.value[0].schema.directories.length).toBeGreaterThan(0);
    const rules = syncTemplates.body.value[0].schema.synchronizationRules;
    expect(rules[0].id).toMatch(/^[0-9a-f-]{36}$/);

    const job = await graph("POST", `/servicePrincipals/${sp}/synchronization/jobs`, { templateId: "aws" });
    expect(job.status).toBe(201);
    expect(job.body.id).toMatch(/^aws\.[0-9a-f]{32}$/);
    expect(job.body.templateId).toBe("aws");
    expect(job.body.schedule).toEqual({ expiration: null, interval: "P10675199DT2H48M5.4775807S", state: "Disabled" });
    expect(job.body.status).toMatchObject({
      code: "NotConfigured", countSuccessiveCompleteFailures: 0, escrowsPruned: false, synchronizedEntryCountByType: [],
      lastExecution: null, lastSuccessfulExecution: null, lastSuccessfulExecutionWithExports: null,
      steadyStateFirstAchievedTime: "0001-01-01T00:00:00Z", steadyStateLastAchievedTime: "0001-01-01T00:00:00Z", quarantine: null, troubleshootingUrl: null,
    });
    const jobId = job.body.id as string;

    // Step 3: test the connection, then save the credentials.
    const creds = [{ key: "ClientSecret", value: "s3cret" }, { key: "SecretToken", value: "t0ken" }];
    expect((await graph("POST", `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/validateCredentials`, { credentials: creds })).status).toBe(204);
    expect((await graph("PUT", `/servicePrincipals/${sp}/synchronization/secrets`, secretsSet(creds))).status).toBe(204);

    // Assign users to the app (a new service principal has none): two users with the AWS app's msiam_access role.
    const role = (servicePrincipal.appRoles as { id: string }[])[0].id;
    const someUsers = (await graph("GET", "/users?$top=3")).body.value as { id: string }[];
    for (const u of [someUsers[0], someUsers[2]]) { // users[1] is the seeded conflict user
      const a = await graph("POST", `/servicePrincipals/${sp}/appRoleAssignedTo`, { principalId: u.id, resourceId: sp, appRoleId: role });
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ principalId: u.id, resourceId: sp, appRoleId: role, principalType: "User", resourceDisplayName: "AWS Contoso" });
    }

    // Step 4: start.
    expect((await graph("POST", `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/start`)).status).toBe(204);

    // Step 5: monitor the job until a cycle completed.
    let status: Record<string, unknown> = {};
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const j = await graph("GET", `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/`);
      expect(j.status).toBe(200);
      status = j.body.status;
      if (status.code === "Active" && status.lastSuccessfulExecution) {
        expect(j.body.schedule.state).toBe("Active");
        expect(j.body.synchronizationJobSettings).toEqual([{ name: "QuarantineTooManyDeletesThreshold", value: "500" }]);
        break;
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(status.code).toBe("Active");
    expect(status.lastExecution).toMatchObject({ state: expect.stringMatching(/Succeeded|EntryLevelErrors/) });
    for (const k of ["activityIdentifier", "countEntitled", "countExported", "countImported", "timeBegan", "timeEnded"]) expect(status.lastExecution).toHaveProperty(k);
    expect(status.steadyStateFirstAchievedTime).not.toBe("0001-01-01T00:00:00Z");
    expect((status.synchronizedEntryCountByType as { key: string; value: number }[]).some((e) => e.key === "user to User" && e.value > 0)).toBe(true);
    expect((status.progress as unknown[]).length).toBe(1);

    const logs = await graph("GET", `/auditLogs/provisioning?$filter=jobId eq '${jobId}'`);
    expect(logs.status).toBe(200);
    expect(logs.body["@odata.context"]).toContain("$metadata#auditLogs/provisioning");
    expect(logs.body.value.length).toBeGreaterThan(0);
    const rec = logs.body.value[0];
    for (const k of ["id", "activityDateTime", "tenantId", "jobId", "cycleId", "changeId", "provisioningAction", "durationInMilliseconds",
      "sourceSystem", "targetSystem", "initiatedBy", "sourceIdentity", "targetIdentity", "provisioningStatusInfo", "provisioningSteps", "modifiedProperties", "servicePrincipal"]) {
      expect(rec).toHaveProperty(k);
    }
    expect(rec.jobId).toBe(jobId);
    expect(rec.servicePrincipal.id).toBe(sp);
    expect(rec.targetSystem.details).toMatchObject({ ServicePrincipalId: sp, ApplicationId: application.appId });
    expect(rec.initiatedBy).toMatchObject({ displayName: "Azure AD Provisioning Service", initiatorType: "system" });
    expect(["success", "failure", "skipped"]).toContain(rec.provisioningStatusInfo.status);

    // Seed 004: provision a user on demand.
    const users = await graph("GET", "/users?$top=999");
    const state = await request(`${emu.adminUrl}/state`, { dispatcher }).then((r) => r.body.json() as Promise<{ assignments: Record<string, string[]> }>);
    const assigned = users.body.value.find((u: { id: string }) => state.assignments[sp].includes(u.id));
    const pod = await graph("POST", `/servicePrincipals/${sp}/synchronization/jobs/${jobId}/provisionOnDemand`, {
      parameters: [{ subjects: [{ objectId: assigned.id, objectTypeName: "User" }], ruleId: rules[0].id }],
    });
    expect(pod.status).toBe(200);
    expect(pod.body["@odata.context"]).toContain("microsoft.graph.stringKeyStringValuePair");
    const key = JSON.parse(pod.body.key);
    expect(["Success", "Skipped", "Failure"]).toContain(key.result);
    expect(key).toHaveProperty("details");
    const value = JSON.parse(pod.body.value);
    for (const k of ["action", "changeId", "startTime", "endTime", "modifiedProperties", "provisioningSteps", "reportableIdentifier", "statusInfo", "sourceIdentity", "sourceSystem", "targetIdentity", "targetSystem"]) {
      expect(value).toHaveProperty(k);
    }
    expect(value.provisioningSteps[0]).toEqual(expect.objectContaining({ name: expect.any(String), type: "Import", status: expect.any(String), timestamp: expect.any(String) }));
    expect(value.sourceIdentity).toMatchObject({ id: assigned.id, type: "User" });
  });
});

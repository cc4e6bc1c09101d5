// Bad-input catalogue. Every case asserts the exact message the user sees — it names the property
// or config key and says what to do — and that nothing was created in the emulator.
//
// The engine stops a preview at the first resource whose check() fails, so one preview per case
// would cost ~5-10 s each. The catalogue therefore runs check() of the very implementation the
// dynamic-provider process loads, in process, against the emulator (~40 cases in a few seconds),
// and a handful of cases run through the real CLI (in parallel) to prove the message reaches the
// user verbatim and that config, authentication and permission failures create nothing.
import * as path from "node:path";
import { harness, Harness, instantiate } from "../emulator/helpers";
import { emulatorConfig, openProgram, ProgramRun, repoRoot, runPulumi } from "../helpers/pulumi";
import { configure } from "../../provider/resources/runtime";
import { provider as appProvider } from "../../provider/resources/gallery-application";
import { provider as secretsProvider } from "../../provider/resources/provisioning-secrets";
import { provider as jobProvider } from "../../provider/resources/provisioning-job";
import { provider as assignmentProvider } from "../../provider/resources/app-role-assignment";
import { loadGraphSettings } from "../../provider/graph";
import { emulatorObjects } from "./helpers";
import { hostConfig } from "../helpers/dynamic-host";

jest.setTimeout(300_000);

const ZOOM = "Zoom";
const AWS = "8b1025e4-1dd2-430b-a150-2ef79cd700f5";
const NIL = "00000000-0000-0000-0000-00000000beef";
const PRINT = process.env.RELIABILITY_PRINT_MESSAGES === "1";

type Provider = { check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ failures?: { property: string; reason: string }[] }> };

describe("bad-input catalogue", () => {
  let h: Harness;
  let zoomTemplate: string;
  let zoom: { appObjectId: string; spId: string; appId: string };
  let aws: { appObjectId: string; spId: string };
  let awsJob: string;
  let before: string;
  let contractors: string[];

  beforeAll(async () => {
    h = await harness({ seed: 11 });
    const cfg = emulatorConfig(h.emu);
    configure({ config: hostConfig(Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, v.value]))) });
    zoomTemplate = (await h.call("GET", `/applicationTemplates?$filter=displayName eq 'Zoom'`)).body.value[0].id as string;
    zoom = await instantiate(h, zoomTemplate, "Existing Zoom");
    aws = await instantiate(h, AWS, "Existing AWS");
    const jobs = await h.call("POST", `/servicePrincipals/${aws.spId}/synchronization/jobs`, { templateId: "aws" });
    awsJob = jobs.body.id;
    contractors = ((await h.call("GET", `/groups?$filter=displayName eq 'Contractors'`)).body.value as { id: string }[]).map((g) => g.id);
    before = JSON.stringify(await emulatorObjects(h));
  });
  afterAll(async () => {
    await h?.close();
  });

  // [provider, inputs, property, exact reason]
  type Case = [string, Provider, () => Record<string, unknown>, string, string | (() => string)];
  const app = appProvider as unknown as Provider;
  const secrets = secretsProvider as unknown as Provider;
  const job = jobProvider as unknown as Provider;
  const assign = assignmentProvider as unknown as Provider;
  const cases: Case[] = [
    // AppRoleAssignment
    ["assign: no principal", assign, () => ({ servicePrincipalId: zoom.spId }), "principalId", "AppRoleAssignment.principalId: set exactly one of principalId, user and group."],
    ["assign: user and group", assign, () => ({ servicePrincipalId: zoom.spId, user: "a@b.com", group: "Engineering" }), "group", "AppRoleAssignment.group: set exactly one of principalId, user and group (got user and group)."],
    ["assign: unknown group", assign, () => ({ servicePrincipalId: zoom.spId, group: "Engineerng" }), "group", `AppRoleAssignment.group: no group is named "Engineerng"; did you mean "Engineering"? Display names are matched exactly (ignoring case); or pass principalId.`],
    ["assign: ambiguous group", assign, () => ({ servicePrincipalId: zoom.spId, group: "Contractors" }), "group", () => `AppRoleAssignment.group: 2 groups are named "Contractors" (${contractors.join(", ")}); pass the object id of the one you mean as principalId.`],
    ["assign: unknown user", assign, () => ({ servicePrincipalId: zoom.spId, user: "nobody@emulator.onmicrosoft.com" }), "user", `AppRoleAssignment.user: no user has the user principal name "nobody@emulator.onmicrosoft.com". Check the spelling, or pass principalId.`],
    ["assign: unknown role", assign, () => ({ servicePrincipalId: zoom.spId, group: "Engineering", appRole: "msiam" }), "appRole", `AppRoleAssignment.appRole: the application has no role "msiam"; did you mean "msiam_access"? Use one of: msiam_access.`],
    ["assign: principal id of no user or group", assign, () => ({ servicePrincipalId: zoom.spId, principalId: NIL }), "principalId", `AppRoleAssignment.principalId: no user or group has object id ${NIL}; pass the object id of a user or a group.`],
    // GalleryApplication
    ["app: template missing", app, () => ({ displayName: "x" }), "template", "GalleryApplication.template: is required; set it to a non-empty string."],
    ["app: template of the wrong type", app, () => ({ template: 42, displayName: "x" }), "template", "GalleryApplication.template: must be a string, got number 42."],
    ["app: unknown template name", app, () => ({ template: "Zoomm", displayName: "x" }), "template", `GalleryApplication.template: no gallery application template is named "Zoomm". Did you mean "Zoom"?`],
    ["app: unknown template id", app, () => ({ template: NIL, displayName: "x" }), "template", `GalleryApplication.template: no gallery application template has id ${NIL}; use a template's display name (e.g. "Box") or an id from \`GET /applicationTemplates\`.`],
    ["app: blank displayName", app, () => ({ template: ZOOM, displayName: "  " }), "displayName", "GalleryApplication.displayName: must not be empty or only whitespace."],
    ["app: displayName too long", app, () => ({ template: ZOOM, displayName: "x".repeat(300) }), "displayName", "GalleryApplication.displayName: must be at most 256 characters, got 300; shorten it."],
    ["app: unknown key", app, () => ({ template: ZOOM, displayName: "x", displayNmae: "y" }), "displayNmae", `GalleryApplication.displayNmae: is not a property of this resource; did you mean "displayName"?`],
    ["app: boolean as string", app, () => ({ template: ZOOM, displayName: "x", permanentlyDeleteOnDestroy: "yes" }), "permanentlyDeleteOnDestroy", `GalleryApplication.permanentlyDeleteOnDestroy: must be true or false, got the string "yes".`],
    ["app: adopt id not a GUID", app, () => ({ template: ZOOM, displayName: "x", adoptApplicationObjectId: "my-app" }), "adoptApplicationObjectId", `GalleryApplication.adoptApplicationObjectId: must be an object id (a GUID like 00000000-0000-0000-0000-000000000000), got "my-app".`],
    ["app: adopt unknown id", app, () => ({ template: ZOOM, displayName: "x", adoptApplicationObjectId: NIL }), "adoptApplicationObjectId", `GalleryApplication.adoptApplicationObjectId: no application has object id ${NIL}; use the "Object ID" of the app registration (not its client/app id).`],
    ["app: adopt, wrong template", app, () => ({ template: "Amazon Web Services (AWS)", displayName: "Existing Zoom", adoptApplicationObjectId: zoom.appObjectId }), "adoptApplicationObjectId", () => `GalleryApplication.adoptApplicationObjectId: application ${zoom.appObjectId} ("Existing Zoom") is an instance of template ${zoomTemplate}, not of "Amazon Web Services (AWS)" (${AWS}); set template to the one it was created from, or adopt another application.`],
    ["app: adopt, wrong name", app, () => ({ template: ZOOM, displayName: "Zoom (prod)", adoptApplicationObjectId: zoom.appObjectId }), "adoptApplicationObjectId", () => `GalleryApplication.adoptApplicationObjectId: application ${zoom.appObjectId} is named "Existing Zoom", not "Zoom (prod)"; set displayName to its current name to adopt it (rename it afterwards if you like).`],
    ["app: adopt a service principal id", app, () => ({ template: ZOOM, displayName: "Existing Zoom", adoptApplicationObjectId: zoom.spId }), "adoptApplicationObjectId", () => `GalleryApplication.adoptApplicationObjectId: ${zoom.spId} is a service principal (enterprise application); pass the object id of its application instead: ${zoom.appObjectId}.`],
    ["app: onDestroy invalid", app, () => ({ template: ZOOM, displayName: "x", onDestroy: "destroy" }), "onDestroy", `GalleryApplication.onDestroy: must be "keep" (leave the application in Entra, only drop it from the stack) or "delete", got "destroy".`],
    // ProvisioningSecrets
    ["secrets: servicePrincipalId missing", secrets, () => ({ credentials: { SecretToken: "t" } }), "servicePrincipalId", "ProvisioningSecrets.servicePrincipalId: is required; set it to a non-empty string."],
    ["secrets: servicePrincipalId not a GUID", secrets, () => ({ servicePrincipalId: "Existing Zoom", credentials: { SecretToken: "t" } }), "servicePrincipalId", `ProvisioningSecrets.servicePrincipalId: must be an object id (a GUID like 00000000-0000-0000-0000-000000000000), got "Existing Zoom".`],
    ["secrets: credentials missing", secrets, () => ({ servicePrincipalId: zoom.spId }), "credentials", "ProvisioningSecrets.credentials: is required; set it to a map of names to string values."],
    ["secrets: credentials not a map", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: "SecretToken=abc" }), "credentials", `ProvisioningSecrets.credentials: must be a map of names to string values, got the string "SecretToken=abc".`],
    ["secrets: credentials a list", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: [{ key: "SecretToken", value: "t" }] }), "credentials", "ProvisioningSecrets.credentials: must be a map of names to string values, got a list."],
    ["secrets: credentials empty", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: {} }), "credentials", "ProvisioningSecrets.credentials: must name at least one key, e.g. { BaseAddress, SecretToken }."],
    ["secrets: misspelled key", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretTokn: "t" } }), "credentials.SecretTokn", `ProvisioningSecrets.credentials.SecretTokn: is not a Graph synchronization secret key; did you mean "SecretToken"? Valid keys include BaseAddress, SecretToken, ClientSecret, UserName, Password (Graph's synchronizationSecret names).`],
    ["secrets: value not a string", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: 12345 } }), "credentials.SecretToken", "ProvisioningSecrets.credentials.SecretToken: must be a string, got number 12345 (quote numbers and booleans)."],
    ["secrets: a setting as a credential", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t", SyncAll: "true" } }), "credentials.SyncAll", "ProvisioningSecrets.credentials.SyncAll: is a provisioning setting: set the scope input instead (typed, validated and drift-checked)."],
    ["secrets: bearer and OAuth mixed", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t", Oauth2ClientId: "c", Oauth2ClientSecret: "s" } }), "credentials", "ProvisioningSecrets.credentials: mixes a bearer token (SecretToken) with OAuth keys (Oauth2ClientId, Oauth2ClientSecret); Graph rejects such a set. Keep one authentication method."],
    ["secrets: scope typo", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t" }, scope: "assigned" }), "scope", `ProvisioningSecrets.scope: must be "assignedOnly" (users and groups assigned to the app) or "all", got the string "assigned".`],
    ["secrets: delete threshold zero", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t" }, deleteThreshold: 0 }), "deleteThreshold", "ProvisioningSecrets.deleteThreshold: must be a whole number of accounts (at least 1) or false to turn the accidental-deletions check off, got number 0."],
    ["secrets: notifications without recipient", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t" }, notifications: { enabled: true } }), "notifications.recipients", "ProvisioningSecrets.notifications.recipients: is required when notifications are enabled: set the email address to notify."],
    ["secrets: unknown key", secrets, () => ({ servicePrincipalId: zoom.spId, credentials: { SecretToken: "t" }, secrets: {} }), "secrets", "ProvisioningSecrets.secrets: is not a property of this resource."],
    // ProvisioningJob
    ["job: servicePrincipalId missing", job, () => ({}), "servicePrincipalId", "ProvisioningJob.servicePrincipalId: is required; set it to a non-empty string."],
    ["job: no such service principal", job, () => ({ servicePrincipalId: NIL }), "servicePrincipalId", `ProvisioningJob.servicePrincipalId: no service principal has id ${NIL}; pass GalleryApplication.servicePrincipalId.`],
    ["job: template not offered", job, () => ({ servicePrincipalId: aws.spId, templateId: "scim" }), "templateId", () => `ProvisioningJob.templateId: "scim" is not offered by service principal ${aws.spId}; use one of: aws.`],
    ["job: enabled as string", job, () => ({ servicePrincipalId: aws.spId, enabled: "true" }), "enabled", `ProvisioningJob.enabled: must be true or false, got the string "true".`],
    ["job: settings not a map", job, () => ({ servicePrincipalId: aws.spId, settings: ["QuarantineTooManyDeletesThreshold=5"] }), "settings", "ProvisioningJob.settings: must be a map of names to string values, got a list."],
    ["job: delete threshold as a job setting", job, () => ({ servicePrincipalId: aws.spId, settings: { QuarantineTooManyDeletesThreshold: "500" } }), "settings.QuarantineTooManyDeletesThreshold", "ProvisioningJob.settings.QuarantineTooManyDeletesThreshold: cannot be written: Graph has no update method for job settings. Set the accidental-deletions threshold with ProvisioningSecrets.deleteThreshold (or ProvisionedApplication.deleteThreshold) instead."],
    ["job: any other job setting", job, () => ({ servicePrincipalId: aws.spId, settings: { SomeSetting: "1" } }), "settings.SomeSetting", "ProvisioningJob.settings.SomeSetting: cannot be written: Graph has no update method for job settings. Scope, out-of-scope deletions and notifications are ProvisioningSecrets inputs (scope, skipOutOfScopeDeletions, notifications, deleteThreshold); remove this setting."],
    ["job: template misspelt", job, () => ({ servicePrincipalId: aws.spId, templateId: "awz" }), "templateId", () => `ProvisioningJob.templateId: "awz" is not offered by service principal ${aws.spId}; did you mean "aws"? Use one of: aws.`],
    ["job: unknown restart scope", job, () => ({ servicePrincipalId: aws.spId, restartScope: "Full,Everything" }), "restartScope", `ProvisioningJob.restartScope: has unknown scope "Everything"; use "Full" or a comma list of None, ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes.`],
    ["job: unknown key", job, () => ({ servicePrincipalId: aws.spId, template: "aws" }), "template", `ProvisioningJob.template: is not a property of this resource; did you mean "templateId"?`],
    ["job: adopt unknown job", job, () => ({ servicePrincipalId: aws.spId, adoptJobId: "aws.0000" }), "adoptJobId", () => `ProvisioningJob.adoptJobId: service principal ${aws.spId} has no synchronization job aws.0000; its jobs are: ${awsJob}.`],
    ["job: adopt on an SP without jobs", job, () => ({ servicePrincipalId: zoom.spId, adoptJobId: "zoom.0000" }), "adoptJobId", () => `ProvisioningJob.adoptJobId: service principal ${zoom.spId} has no synchronization job zoom.0000; it has no job yet: remove adoptJobId to create one.`],
    ["job: onDestroy invalid", job, () => ({ servicePrincipalId: aws.spId, onDestroy: "Keep" }), "onDestroy", `ProvisioningJob.onDestroy: must be "keep" (leave the job in Entra, only drop it from the stack) or "delete", got "Keep".`],
  ];

  it.each(cases)("%s", async (_name, provider, news, property, expected) => {
    const reason = typeof expected === "function" ? expected() : expected;
    const result = await provider.check({}, news());
    const failures = result.failures ?? [];
    if (PRINT) process.stdout.write(`${_name}\n  ${JSON.stringify(failures)}\n`);
    expect(failures).toEqual([{ property, reason }]);
  });

  // entra:* config, read once per provider process.
  const config: [string, Record<string, string>, string][] = [
    ["unknown cloud", { "entra:cloud": "azure-germany" }, "entra:cloud must be one of public, usgov, china, got \"azure-germany\"."],
    ["misspelled key", { "entra:tenantID": "x" }, "entra:tenantID is not a known setting; did you mean entra:tenantId? Valid keys: entra:graphEndpoint, entra:apiVersion, entra:tenantId, entra:clientId, entra:clientSecret, entra:clientCertificatePath, entra:authorityHost, entra:cloud, entra:maxConcurrency, entra:maxRetries, entra:operationTimeout, entra:caFile."],
    ["maxRetries not a number", { "entra:maxRetries": "many" }, "entra:maxRetries must be an integer between 0 and 20, got \"many\". Set it with `pulumi config set entra:maxRetries <n>` or remove it to use the default (10)."],
    ["negative operationTimeout", { "entra:operationTimeout": "-5" }, "entra:operationTimeout must be an integer between 1 and 86400, got \"-5\". Set it with `pulumi config set entra:operationTimeout <n>` or remove it to use the default (600)."],
    ["graphEndpoint not a URL", { "entra:graphEndpoint": "graph.microsoft.com" }, "entra:graphEndpoint must be an absolute URL of Microsoft Graph, e.g. https://graph.microsoft.com, got \"graph.microsoft.com\"."],
    ["plain-http graphEndpoint", { "entra:graphEndpoint": "http://graph.example.com" }, "entra:graphEndpoint must use https (http is allowed only for localhost), got \"http://graph.example.com\"."],
    ["tenantId not a GUID or domain", { "entra:tenantId": "my tenant" }, "entra:tenantId must be a GUID or a domain name, got \"my tenant\"."],
    ["caFile missing", { "entra:caFile": "/nonexistent/ca.pem" }, "entra:caFile must name a readable file, got \"/nonexistent/ca.pem\". Check the path and its permissions."],
    ["apiVersion unknown", { "entra:apiVersion": "v2.0" }, "entra:apiVersion must be \"v1.0\" or \"beta\", got \"v2.0\"."],
  ];

  it.each(config)("config: %s", (_name, values, message) => {
    let error: unknown;
    try {
      loadGraphSettings(values, {});
    } catch (e) {
      error = e;
    }
    if (PRINT) process.stdout.write(`config ${_name}\n  ${String((error as Error)?.message)}\n`);
    expect(error).toMatchObject({ code: "CONFIG_INVALID", message });
  });

  it("created nothing", async () => {
    expect(JSON.stringify(await emulatorObjects(h))).toBe(before);
    expect(awsJob).toMatch(/^aws\./);
  });

  describe("through the real CLI", () => {
    const runs: ProgramRun[] = [];
    afterAll(() => runs.forEach((r) => r.cleanup()));
    const SECRET = "cli-secret-token-0f9e8d";

    /** One stack per case (they differ in config); all run at once to keep CI time low. */
    const cli = async (resources: unknown[], config: Record<string, string> = {}, command = "preview") => {
      const base = emulatorConfig(h.emu);
      const run = await openProgram(path.join(repoRoot, "test", "fixtures", "reliability", "resources"), {
        config: {
          ...base,
          ...Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value, secret: k === "entra:clientSecret" }])),
          token: { value: SECRET, secret: true },
          resources: { value: JSON.stringify(resources) },
        },
      });
      runs.push(run);
      const args = command === "up" ? ["up", "--yes", "--skip-preview"] : ["preview"];
      const r = await runPulumi(run, args);
      return { ...r, all: r.stdout + r.stderr, run };
    };

    it("shows each message verbatim, leaks no secret and creates nothing", async () => {
      const limited = (await h.admin("POST", "/clients", { roles: ["Application.Read.All", "Synchronization.Read.All"] })).body as { clientId: string; clientSecret: string };
      const app = (name: string, extra: Record<string, unknown> = {}) => ({ type: "GalleryApplication", name, args: { template: ZOOM, displayName: name, ...extra } });
      const [typo, badKey, wrongSecret, cloud, forbidden] = await Promise.all([
        cli([app("typo", { displayNmae: "y" })]),
        cli([{ type: "ProvisioningSecrets", name: "s", args: { servicePrincipalId: zoom.spId, credentials: { BaseAddress: "https://x.example.com", SecretTokn: "@secret:token" } } }]),
        cli([app("auth")], { "entra:clientSecret": "wrong-client-secret-1234" }),
        cli([app("cloud")], { "entra:cloud": "azure-germany" }),
        cli([app("forbidden")], { "entra:clientId": limited.clientId, "entra:clientSecret": limited.clientSecret }, "up"),
      ]);
      if (PRINT) for (const r of [typo, badKey, wrongSecret, cloud, forbidden]) process.stdout.write(`---- ${r.code}\n${r.all}\n`);

      expect(typo.code).not.toBe(0);
      expect(typo.all).toContain(`GalleryApplication.displayNmae: is not a property of this resource; did you mean "displayName"?`);

      expect(badKey.code).not.toBe(0);
      expect(badKey.all).toContain(`ProvisioningSecrets.credentials.SecretTokn: is not a Graph synchronization secret key; did you mean "SecretToken"?`);

      expect(wrongSecret.code).not.toBe(0);
      expect(wrongSecret.all).toMatch(/Check entra:tenantId, entra:clientId and the client secret/);

      expect(cloud.code).not.toBe(0);
      expect(cloud.all).toContain(`entra:cloud must be one of public, usgov, china, got "azure-germany".`);

      expect(forbidden.code).not.toBe(0);
      expect(forbidden.all).toContain(`Grant the application permission Application.ReadWrite.All to the app registration used by the provider (client ${limited.clientId}) and give admin consent.`);

      for (const r of [typo, badKey, wrongSecret, cloud, forbidden]) {
        for (const secret of [SECRET, h.emu.clientSecret, "wrong-client-secret-1234", limited.clientSecret]) expect(r.all).not.toContain(secret);
      }
      expect(JSON.stringify(await emulatorObjects(h))).toBe(before);
    });

    it("credentials missing a key the connector needs: create-time error naming the key, nothing orphaned", async () => {
      // Graph publishes no list of a connector's required credentials, so this cannot be caught
      // at preview: validateCredentials (on by default) fails the job's create, naming the key.
      const r = await cli(
        [
          { type: "GalleryApplication", name: "aws", args: { template: "Amazon Web Services (AWS)", displayName: "Missing key" } },
          { type: "ProvisioningSecrets", name: "aws-secrets", args: { servicePrincipalId: "@ref:aws.servicePrincipalId", credentials: { SecretToken: "@secret:token" } } },
          { type: "ProvisioningJob", name: "aws-job", args: { servicePrincipalId: "@ref:aws.servicePrincipalId" }, dependsOn: ["aws-secrets"] },
        ],
        {},
        "up",
      );
      if (PRINT) process.stdout.write(`---- ${r.code}\n${r.all}\n`);
      expect(r.code).not.toBe(0);
      expect(r.all).toMatch(/ProvisioningJob: the target application rejected the saved credentials \(AWSMissingCredentials: [^)]*ClientSecret[^)]*\)\. Fix the value in the ProvisioningSecrets credentials of service principal [0-9a-f-]{36}, or set validateCredentials: false to skip this check\./);
      expect(r.all).not.toContain(SECRET);
      // Everything Graph holds for this stack is in its state (the job as a partial create, not started).
      const state = await runPulumi(r.run, ["stack", "export"]);
      const resources = JSON.parse(state.stdout).deployment.resources as { type: string; id?: string; outputs?: Record<string, unknown> }[];
      const jobInState = resources.find((x) => x.type.endsWith(":ProvisioningJob"));
      expect(jobInState?.outputs?.enabled).toBe(false);
      const live = (await emulatorObjects(h)).raw.jobs.items.find((j) => j.id === jobInState?.id);
      expect(live?.scheduleState).toBe("Disabled");
    });
  });
});

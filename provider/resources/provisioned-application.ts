// ProvisionedApplication: the common case in one declaration — a gallery application instance,
// its provisioning credentials and its started job, wired in the order provisioning needs
// (credentials saved before the job validates and starts them).
import * as pulumi from "@pulumi/pulumi";
import { AppRoleAssignment } from "./app-role-assignment";
import { GalleryApplication } from "./gallery-application";
import { ProvisioningJob, type JobStatusSummary } from "./provisioning-job";
import { ProvisioningSecrets, type SettingsArgs } from "./provisioning-secrets";

/** Who is assigned to the app (and so provisioned, unless scope is "all"). */
export interface Assignments {
  /** Group display names (each must be unique in the tenant). */
  groups?: string[];
  /** User principal names. */
  users?: string[];
  /** The app role for every assignment (value, display name or id); default as AppRoleAssignment. */
  role?: string;
}

/** The settings (scope, skipOutOfScopeDeletions, notifications, deleteThreshold) go to ProvisioningSecrets. */
export interface ProvisionedApplicationArgs extends SettingsArgs {
  /** Gallery template display name or id, e.g. "Amazon Web Services (AWS)". */
  template: pulumi.Input<string>;
  displayName: pulumi.Input<string>;
  /** Graph secret key → value, e.g. { BaseAddress, SecretToken }. Stored as secrets. */
  credentials: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Synchronization template id; optional when the application offers exactly one. */
  jobTemplateId?: pulumi.Input<string>;
  /** Start provisioning (default true) or keep the job paused. */
  enabled?: pulumi.Input<boolean>;
  /** Validate the credentials before starting the job (default true). */
  validateCredentials?: pulumi.Input<boolean>;
  /** Check on refresh that the saved credentials still validate (default: `validateCredentials`). */
  verifyOnRefresh?: pulumi.Input<boolean>;
  /** Any change re-pushes the credentials and restarts the running job (see ProvisioningSecrets). */
  rotationTrigger?: pulumi.Input<string>;
  restartTrigger?: pulumi.Input<string>;
  restartScope?: pulumi.Input<string>;
  permanentlyDeleteOnDestroy?: pulumi.Input<boolean>;
  /** Restore an application deleted outside Pulumi from deleted items instead of re-creating it (default true). */
  restoreDeleted?: pulumi.Input<boolean>;
  /** Adopt an existing instance by its application object id (see GalleryApplication). */
  adoptApplicationObjectId?: pulumi.Input<string>;
  /** Adopt the instance's existing synchronization job by id (see ProvisioningJob). */
  adoptJobId?: pulumi.Input<string>;
  /**
   * What destroy does to the application and the job: "delete" or "keep". Defaults per object:
   * "keep" for an adopted one, "delete" for one this stack created.
   */
  onDestroy?: pulumi.Input<"keep" | "delete">;
  /** Users and groups to assign: one AppRoleAssignment per principal (duplicates are ignored). */
  assignments?: Assignments;
}

export class ProvisionedApplication extends pulumi.ComponentResource {
  readonly application: GalleryApplication;
  readonly secrets: ProvisioningSecrets;
  readonly job: ProvisioningJob;
  readonly assignments: AppRoleAssignment[];
  readonly applicationObjectId: pulumi.Output<string>;
  readonly servicePrincipalId: pulumi.Output<string>;
  readonly appId: pulumi.Output<string>;
  readonly jobId: pulumi.Output<string>;
  readonly status: pulumi.Output<JobStatusSummary>;

  constructor(name: string, args: ProvisionedApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("entra:index:ProvisionedApplication", name, {}, opts);
    const parent = { parent: this };
    this.application = new GalleryApplication(
      name,
      {
        template: args.template,
        displayName: args.displayName,
        permanentlyDeleteOnDestroy: args.permanentlyDeleteOnDestroy,
        restoreDeleted: args.restoreDeleted,
        adoptApplicationObjectId: args.adoptApplicationObjectId,
        onDestroy: args.onDestroy,
      },
      parent,
    );
    this.secrets = new ProvisioningSecrets(
      `${name}-secrets`,
      {
        servicePrincipalId: this.application.servicePrincipalId,
        credentials: args.credentials,
        verifyOnRefresh: args.verifyOnRefresh ?? args.validateCredentials,
        rotationTrigger: args.rotationTrigger,
        scope: args.scope,
        skipOutOfScopeDeletions: args.skipOutOfScopeDeletions,
        notifications: args.notifications,
        deleteThreshold: args.deleteThreshold,
      },
      parent,
    );
    this.job = new ProvisioningJob(
      `${name}-job`,
      {
        servicePrincipalId: this.application.servicePrincipalId,
        templateId: args.jobTemplateId,
        enabled: args.enabled,
        validateCredentials: args.validateCredentials,
        restartTrigger: args.restartTrigger,
        restartScope: args.restartScope,
        adoptJobId: args.adoptJobId,
        onDestroy: args.onDestroy,
      },
      // Credentials must be saved before the job validates them and starts.
      { ...parent, dependsOn: [this.secrets] },
    );
    this.assignments = assignmentsFor(name, this.application.servicePrincipalId, args.assignments ?? {}, parent);
    this.applicationObjectId = this.application.applicationObjectId;
    this.servicePrincipalId = this.application.servicePrincipalId;
    this.appId = this.application.appId;
    this.jobId = this.job.jobId;
    this.status = this.job.status;
    this.registerOutputs({
      applicationObjectId: this.applicationObjectId,
      servicePrincipalId: this.servicePrincipalId,
      jobId: this.jobId,
      status: this.status,
    });
  }
}

/** One AppRoleAssignment per distinct principal, named after it (stable across reorderings of the lists). */
function assignmentsFor(name: string, spId: pulumi.Output<string>, a: Assignments, opts: pulumi.CustomResourceOptions): AppRoleAssignment[] {
  const out: AppRoleAssignment[] = [];
  const used = new Set<string>();
  const seen = new Set<string>();
  for (const [kind, list] of [["group", a.groups ?? []], ["user", a.users ?? []]] as const) {
    for (const principal of list) {
      const key = `${kind}:${principal.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const slug = principal.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
      let resourceName = `${name}-${kind}-${slug}`;
      for (let i = 2; used.has(resourceName); i++) resourceName = `${name}-${kind}-${slug}-${i}`;
      used.add(resourceName);
      out.push(new AppRoleAssignment(resourceName, { servicePrincipalId: spId, [kind]: principal, appRole: a.role }, opts));
    }
  }
  return out;
}

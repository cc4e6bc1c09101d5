// The five steps of "Configure provisioning using Microsoft Graph APIs", as one stack, for the
// Amazon Web Services (AWS) gallery application.
//
//   pulumi config set --secret walkthrough:awsClientSecret <AWS access key secret>
//   pulumi config set --secret walkthrough:awsSecretToken  <AWS secret token>
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { AppRoleAssignment, GalleryApplication, ProvisioningJob, ProvisioningSecrets } from "pulumi-entra-provisioning";

const config = new pulumi.Config("walkthrough");

// Step 1 — create the gallery application: find "Amazon Web Services (AWS)" among the
// applicationTemplates and instantiate it (an application plus its service principal).
const app = new GalleryApplication("aws", {
  template: "Amazon Web Services (AWS)",
  displayName: config.get("displayName") ?? "AWS Contoso",
});

// Step 3 — authorize access: save the credentials the AWS connector needs as the service
// principal's synchronization secrets. They are stack secrets: encrypted in config and state.
const secrets = new ProvisioningSecrets("aws-secrets", {
  servicePrincipalId: app.servicePrincipalId,
  credentials: {
    ClientSecret: config.requireSecret("awsClientSecret"),
    SecretToken: config.requireSecret("awsSecretToken"),
  },
});

// Step 2 — create the provisioning job from the synchronization template "aws" — and step 4 —
// validate the saved credentials and start it. `dependsOn` makes the job wait for step 3.
const job = new ProvisioningJob(
  "aws-job",
  { servicePrincipalId: app.servicePrincipalId, templateId: "aws", enabled: true },
  { dependsOn: [secrets] },
);

// Who is provisioned: the job provisions the users and groups assigned to the application, here
// the members of one group (its display name must be unique in the tenant).
new AppRoleAssignment("aws-group", { servicePrincipalId: app.servicePrincipalId, group: config.get("group") ?? "Engineering" });

// Step 5 — monitor: the job status is refreshed on every `pulumi refresh` (never drift), and
// `entra-provisioning status|wait|logs` read the job and its provisioning logs.
export const servicePrincipalId = app.servicePrincipalId;
export const jobId = job.jobId;
export const jobStatus = job.status;

// One reviewed attribute mapping and scoping filter, applied to every instance of a fleet.
//
//   pulumi config set attribute-mappings:count 3
//   pulumi config set --secret attribute-mappings:scimToken <token>
//   pulumi up
//
// Each instance is a custom SCIM app (gallery "Non-gallery application") with its credentials and a
// started job; its ProvisioningSchema layers `userMapping` on the job template's default schema.
// Edit the mapping here and `pulumi preview` shows the change for every instance; a mapping edited
// in the portal shows up in `pulumi preview --refresh`.
import * as pulumi from "@pulumi/pulumi";
import { GalleryApplication, ProvisioningJob, ProvisioningSchema, ProvisioningSecrets, type SchemaSpec } from "pulumi-entra-provisioning";

const config = new pulumi.Config();
const count = config.getNumber("count") ?? 3;
const token = config.getSecret("scimToken") ?? pulumi.secret("example-scim-token");

/** The mapping every instance gets. */
const mappings: SchemaSpec = {
  User: {
    attributes: [
      // "Surname, Given" as the display name downstream.
      { target: "displayName", expression: 'Join(", ", [surname], [givenName])' },
      // Match on the immutable object id instead of the mail nickname.
      { target: "externalId", source: "objectId", matchingPriority: 2 },
      // "Staff" when the job title is empty (IIF cannot test an empty attribute: Switch can).
      { target: "title", expression: 'Switch([jobTitle], [jobTitle], "", "Staff")' },
    ],
    removeAttributes: ["name.familyName"],
    // Provision enabled developers and designers only (clauses ANDed within a group; groups ORed).
    scope: [
      {
        name: "Engineering",
        clauses: [
          { attribute: "jobTitle", operator: "REGEX MATCH", values: ["^(Developer|Designer)$"] },
          { attribute: "accountEnabled", operator: "IS TRUE" },
        ],
      },
    ],
  },
  // Users only: no group provisioning.
  Group: { enabled: false },
};

export const instances: Record<string, pulumi.Output<{ servicePrincipalId: string; jobId: string }>> = {};
for (let i = 0; i < count; i++) {
  const name = `scim-${i}`;
  const app = new GalleryApplication(name, { template: "Non-gallery application", displayName: `SCIM app ${i}` });
  const secrets = new ProvisioningSecrets(`${name}-secrets`, {
    servicePrincipalId: app.servicePrincipalId,
    credentials: { BaseAddress: `https://scim.example.com/${i}/v2`, SecretToken: token },
  });
  const job = new ProvisioningJob(`${name}-job`, { servicePrincipalId: app.servicePrincipalId }, { dependsOn: [secrets] });
  new ProvisioningSchema(`${name}-schema`, { servicePrincipalId: app.servicePrincipalId, jobId: job.jobId, mappings });
  instances[name] = pulumi.all([app.servicePrincipalId, job.jobId]).apply(([servicePrincipalId, jobId]) => ({ servicePrincipalId, jobId }));
}

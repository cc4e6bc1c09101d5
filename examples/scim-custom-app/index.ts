// A custom (non-gallery) application provisioned to your own SCIM endpoint.
//
//   pulumi config set scim-custom-app:baseAddress https://scim.example.com/scim/v2
//   pulumi config set --secret scim-custom-app:secretToken <bearer token>
//   pulumi up
import * as pulumi from "@pulumi/pulumi";
import { ProvisionedApplication } from "pulumi-entra-provisioning";

const config = new pulumi.Config("scim-custom-app");

// The template id of Entra's "Non-gallery application"; its synchronization template is "scim".
const NON_GALLERY_TEMPLATE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

const scimApp = new ProvisionedApplication("contoso-scim", {
  template: NON_GALLERY_TEMPLATE,
  displayName: config.get("displayName") ?? "Contoso SCIM app",
  credentials: {
    BaseAddress: config.require("baseAddress"),
    SecretToken: config.requireSecret("secretToken"),
  },
});

export const servicePrincipalId = scimApp.servicePrincipalId;
export const jobId = scimApp.jobId;
export const jobStatus = scimApp.status;

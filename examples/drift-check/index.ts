// A small stack to run the drift check against (any stack of this package works the same way).
import * as pulumi from "@pulumi/pulumi";
import { ProvisionedApplication } from "pulumi-entra-provisioning";

const config = new pulumi.Config("drift-check");

const app = new ProvisionedApplication("zoom-drift-demo", {
  template: "Zoom",
  displayName: "Zoom (drift-checked)",
  credentials: { BaseAddress: "https://api.zoom.us/scim", SecretToken: config.requireSecret("zoomToken") },
});

export const applicationObjectId = app.applicationObjectId;
export const servicePrincipalId = app.servicePrincipalId;
export const jobId = app.jobId;

// Hundreds of application instances declared from fleet.yaml. The file holds names, templates
// and non-secret settings; every secret is a stack config secret named in the file:
//
//   pulumi config set --secret fleet:zoomToken ...      (and the other keys fleet.yaml names)
//   pulumi up
//
// `fleet:limit` declares only the first N entries (handy for a quick trial run).
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { declareFleet, loadFleet } from "pulumi-entra-provisioning";

const config = new pulumi.Config("fleet");
const file = config.get("file") ?? path.join(__dirname, "fleet.yaml");
const limit = config.getNumber("limit");

const instances = loadFleet(file).slice(0, limit ?? undefined);
const fleet = declareFleet(instances, config);

export const count = instances.length;
export const jobs = Object.fromEntries(
  Object.entries(fleet).map(([name, app]) => [name, { servicePrincipalId: app.servicePrincipalId, jobId: app.jobId }]),
);

// Functions for Pulumi programs: look up a gallery template, read job status and provisioning
// logs. They run in the program process (not the provider host), so they read Graph settings
// from the `entra:*` stack config and the AZURE_* / ENTRA_* environment, like the provider does.
import * as pulumi from "@pulumi/pulumi";
import { getGraphClient, loadGraphSettings, type GraphClient } from "../graph";
import { jobStatuses, type ProvisioningJobStatus } from "./status";
import { queryProvisioningLogs, type ProvisioningLogEntry, type ProvisioningLogQuery } from "./logs";
import { findApplicationTemplate, type ApplicationTemplateInfo } from "./templates";

export type { ProvisioningJobStatus, JobHealth } from "./status";
export type { ProvisioningLogEntry, ProvisioningLogQuery, ProvisioningStatus } from "./logs";
export type { ApplicationTemplateInfo } from "./templates";
export type { OnDemandResult, OnDemandSubject, ProvisioningStep, ModifiedProperty } from "./on-demand";

/** The Graph client of this program, from `entra:*` stack config and the environment. */
export function programGraphClient(): GraphClient {
  const all = pulumi.runtime.allConfig();
  const entra = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith("entra:")));
  return getGraphClient(loadGraphSettings(entra, process.env));
}

/** A gallery application template by id or exact display name. */
export function getApplicationTemplate(args: { id?: string; displayName?: string }): Promise<ApplicationTemplateInfo> {
  return findApplicationTemplate(programGraphClient(), args);
}

/**
 * Status of a service principal's provisioning job (or all its jobs when jobId is omitted: the
 * first one is returned). `health` is healthy, quarantined, pending, stopped or missing.
 */
export async function getProvisioningJobStatus(args: { servicePrincipalId: string; jobId?: string; displayName?: string }): Promise<ProvisioningJobStatus> {
  const rows = await jobStatuses(programGraphClient(), [args]);
  return rows[0];
}

/** Provisioning log records (newest first), within the reports limit of 5 requests per 10 s. */
export function getProvisioningLogs(args: ProvisioningLogQuery = {}): Promise<ProvisioningLogEntry[]> {
  return queryProvisioningLogs(programGraphClient(), args);
}

import { AuthService } from "./auth";
import { Permission } from "./context";
import { FaultSettings } from "./faults";
import { JobsRunner } from "./jobs-runner";
import { Rng } from "./random";
import { DirectoryStore } from "./store";
import { SyncStore } from "./sync-store";
import { WindowLimiter } from "./throttle";

/** Everything route handlers share. Built once per emulator instance in server.ts. */
export interface Services {
  rng: Rng;
  tenantId: string;
  auth: AuthService;
  dir: DirectoryStore;
  sync: SyncStore;
  runner: JobsRunner;
  faults: FaultSettings;
  /** provisionOnDemand: 5 requests per 10 s per job. */
  onDemandLimiter: WindowLimiter;
  /** Reports (auditLogs/provisioning): 5 requests per 10 s per app per tenant. */
  reportsLimiter: WindowLimiter;
}

// Application permissions per operation (the Permissions table of each Graph API page, e.g.
// https://learn.microsoft.com/graph/api/applicationtemplate-instantiate). Directory.ReadWrite.All implies the rest.
export const APP_READ: Permission = ["Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All", "Directory.ReadWrite.All"];
export const APP_WRITE: Permission = ["Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"];
export const SYNC_READ: Permission = ["Synchronization.Read.All", "Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"];
export const SYNC_WRITE: Permission = ["Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"];
export const AUDIT_READ: Permission = ["AuditLog.Read.All"];
export const DIRECTORY_READ: Permission = ["User.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];

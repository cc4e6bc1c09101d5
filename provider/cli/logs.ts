// `entra-provisioning logs`: provisioning log records (GET /auditLogs/provisioning) filtered by job,
// service principal, status and time; follows paging and stays within the reports limit.
import { Command } from "commander";
import { queryProvisioningLogs, PROVISIONING_STATUSES, type ProvisioningLogEntry, type ProvisioningStatus } from "../functions/logs";
import { graphClient, parsePositive, resolveStack, selectApp, shortTime, stackOptions, table, type TargetOptions } from "./common";
import { stackJobTargets } from "./stack-outputs";
import { usageError } from "./errors";

interface LogsOptions extends TargetOptions {
  jobId?: string;
  servicePrincipalId?: string;
  status?: string;
  since?: string;
  max: string;
  json?: boolean;
}

/** An ISO 8601 date-time, or a duration back from now: 90s, 30m, 2h, 7d. */
export function parseSince(value: string, now = Date.now()): Date {
  const rel = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(value.trim());
  if (rel) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2].toLowerCase() as "s" | "m" | "h" | "d"];
    return new Date(now - Number(rel[1]) * unit);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw usageError(`--since: "${value}" is neither a date-time (2024-05-01T00:00:00Z) nor a duration (30m, 2h, 7d).`);
  return d;
}

export function logsTable(entries: ProvisioningLogEntry[]): string {
  return table(
    ["TIME", "STATUS", "ACTION", "APP", "IDENTITY", "ERROR", "REASON / RECOMMENDED ACTION"],
    entries.map((e) => [
      shortTime(e.activityDateTime),
      e.status,
      e.action,
      e.servicePrincipalDisplayName,
      e.sourceIdentity.displayName ?? e.sourceIdentity.id ?? "",
      e.errorCode ?? "",
      e.recommendedAction ?? e.reason ?? "",
    ]),
    70,
  );
}

export function logsCommand(): Command {
  const cmd = new Command("logs").description("list provisioning log records (newest first), within Graph's reports limit of 5 requests per 10 s");
  stackOptions(cmd, false)
    .option("--job-id <id>", "only this job's records")
    .option("--service-principal-id <id>", "only this service principal's records")
    .option("--app <name>", "only the records of the stack's application with this display name (or Pulumi resource name)")
    .option("--status <status>", `only records with this status (${PROVISIONING_STATUSES.join(", ")})`)
    .option("--since <when>", "only records after a date-time or a duration back from now (30m, 2h, 7d)")
    .option("--max <n>", "stop after this many records", "1000")
    .option("--json", "print a JSON array of records")
    .action(async (opts: LogsOptions) => {
      const status = opts.status?.toLowerCase();
      if (status !== undefined && !PROVISIONING_STATUSES.includes(status as ProvisioningStatus)) {
        throw usageError(`--status: "${opts.status}" is not one of ${PROVISIONING_STATUSES.join(", ")}.`);
      }
      const explicitIds = Boolean(opts.jobId || opts.servicePrincipalId);
      if (opts.app !== undefined && explicitIds) throw usageError("--app picks an application of a stack: pass it instead of --job-id/--service-principal-id, not with them.");
      // Outside a Pulumi project and without --cwd/--stack, the whole tenant's records (AZURE_* settings).
      const ref = await resolveStack(opts, { explicitIds, optional: opts.app === undefined, idsHint: "--job-id ID or --service-principal-id ID" });
      const client = await graphClient(ref);
      // With a stack and no narrower filter, keep only the stack's service principals (--app's).
      let servicePrincipalId = opts.servicePrincipalId;
      let only: Set<string> | undefined;
      if (ref && !explicitIds) {
        const all = await stackJobTargets(ref);
        const targets = opts.app === undefined ? all : selectApp(all, opts.app, ref.stack);
        only = new Set(targets.map((t) => t.servicePrincipalId));
        // One application: Graph filters by it (fewer pages than filtering the newest --max records here).
        if (opts.app !== undefined && only.size === 1) servicePrincipalId = [...only][0];
      }
      let entries = await queryProvisioningLogs(
        client,
        {
          jobId: opts.jobId,
          servicePrincipalId,
          status: status as ProvisioningStatus | undefined,
          since: opts.since ? parseSince(opts.since) : undefined,
          max: parsePositive("--max", opts.max),
        },
        (page, records) => {
          if (process.stderr.isTTY) process.stderr.write(`\rpage ${page}, ${records} record(s)…`);
        },
      );
      if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
      if (only) entries = entries.filter((e) => only.has(e.servicePrincipalId));
      if (opts.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else process.stdout.write(entries.length ? `${logsTable(entries)}${entries.length} record(s)\n` : "no provisioning log records match\n");
    });
  return cmd;
}

// `entra-provisioning status`: one row per provisioning job (app, job id, code, last execution,
// quarantine reason, counts), once or refreshed with --watch; --json prints the rows as an array.
import { Command, Option } from "commander";
import { assignmentCoverage, describeCoverage, type AssignmentCoverage } from "../functions/assignments";
import { jobStatuses, type ProvisioningJobStatus } from "../functions/status";
import { graphClient, jobTargets, parsePositive, resolveJobsStack, shortTime, sleep, stackOptions, table, type TargetOptions } from "./common";

interface StatusOptions extends TargetOptions {
  json?: boolean;
  watch?: string | true;
  refreshes?: string;
}

const HEALTH_ORDER = { quarantined: 0, missing: 1, stopped: 2, pending: 3, healthy: 4 } as const;

export function statusTable(rows: ProvisioningJobStatus[], coverage: Map<string, AssignmentCoverage> = new Map()): string {
  const sorted = [...rows].sort((a, b) => HEALTH_ORDER[a.health] - HEALTH_ORDER[b.health] || a.displayName.localeCompare(b.displayName));
  const body = sorted.map((r) => [
    r.displayName,
    r.jobId,
    r.code,
    describeCoverage(coverage.get(r.servicePrincipalId)),
    r.lastExecutionState ? `${r.lastExecutionState} ${shortTime(r.lastExecutionTime)}` : "",
    r.quarantineReason ? `${r.quarantineReason}${r.quarantineErrorCode ? ` (${r.quarantineErrorCode})` : ""}` : "",
    String(r.countImported),
    String(r.countExported),
    String(r.countEscrowed),
    String(Object.values(r.synchronizedEntries).reduce((a, b) => a + b, 0)),
  ]);
  return table(["APP", "JOB ID", "CODE", "ASSIGNED", "LAST EXECUTION", "QUARANTINE REASON", "IMPORTED", "EXPORTED", "ESCROWED", "SYNCED"], body, 80);
}

export function statusSummary(rows: ProvisioningJobStatus[]): string {
  const parts = (Object.keys(HEALTH_ORDER) as (keyof typeof HEALTH_ORDER)[])
    .map((h) => [h, rows.filter((r) => r.health === h).length] as const)
    .filter(([, n]) => n > 0)
    .map(([h, n]) => `${n} ${h}`);
  return `${rows.length} job(s): ${parts.join(", ") || "none"}`;
}

export function statusCommand(): Command {
  const cmd = new Command("status").description("show the status of provisioning jobs (a stack's, or given service principals')");
  stackOptions(cmd)
    .option("--json", "print a JSON array of job status objects")
    .option("--watch [seconds]", "refresh every N seconds (default 5) until interrupted")
    .addOption(new Option("--refreshes <n>", "stop --watch after N refreshes").hideHelp())
    .action(async (opts: StatusOptions) => {
      const ref = await resolveJobsStack(opts);
      const client = await graphClient(ref);
      const targets = await jobTargets(opts, ref);
      const interval = typeof opts.watch === "string" ? parsePositive("--watch", opts.watch) : 5;
      const limit = opts.refreshes ? parsePositive("--refreshes", opts.refreshes) : Infinity;
      const tty = process.stdout.isTTY && !opts.json;
      for (let i = 1; ; i++) {
        const rows = await jobStatuses(client, targets);
        const coverage = await assignmentCoverage(client, rows.filter((r) => r.health !== "missing").map((r) => r.servicePrincipalId));
        if (opts.json) {
          const withCoverage = rows.map((r) => ({ ...r, assignments: coverage.get(r.servicePrincipalId) }));
          process.stdout.write(`${JSON.stringify(withCoverage, null, opts.watch ? 0 : 2)}\n`);
        }
        else {
          if (tty && opts.watch) process.stdout.write("\x1b[2J\x1b[H");
          if (opts.watch) process.stdout.write(`${new Date().toISOString()}  ${statusSummary(rows)}\n`);
          process.stdout.write(statusTable(rows, coverage));
          if (!opts.watch) process.stdout.write(`${statusSummary(rows)}\n`);
        }
        if (!opts.watch || i >= limit) break;
        await sleep(interval * 1000);
      }
    });
  return cmd;
}

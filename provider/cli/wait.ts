// `entra-provisioning wait`: poll the jobs until each is healthy (running, steady state reached)
// or settled badly (quarantined, stopped, missing), or the timeout passes. A progress bar with an
// ETA on a terminal, one line per change otherwise. Exit 0 only when every job is healthy; a job
// the stack declares `enabled: false` counts as healthy while it is stopped, and --ignore-disabled
// leaves every stopped job out.
import { Command } from "commander";
import { assignmentCoverage } from "../functions/assignments";
import { jobStatuses, type ProvisioningJobStatus } from "../functions/status";
import { graphClient, jobTargets, parsePositive, resolveJobsStack, sleep, stackOptions, type TargetOptions } from "./common";
import type { StackJobTarget } from "./stack-outputs";

interface WaitOptions extends TargetOptions {
  timeout: string;
  interval: string;
  json?: boolean;
  ignoreDisabled?: boolean;
}

/** Exit codes: 0 all healthy; 2 some quarantined, stopped or missing; 3 timed out (otherwise fine); 1 errors. */
export const EXIT_UNHEALTHY = 2;
export const EXIT_TIMEOUT = 3;

const EXIT_CODES_HELP = `
Exit codes:
  0  every job is healthy (running, steady state reached); jobs that are stopped
     on purpose count as healthy (see below)
  1  usage, configuration or Graph error
  2  some jobs are quarantined, stopped or missing: named on stdout (wins over 3)
  3  --timeout passed while some jobs were still pending: named on stdout

Stopped jobs (paused, disabled or never started):
  - a job whose ProvisioningJob declares enabled: false in the stack counts as
    healthy while it is stopped ("disabled on purpose" on stdout);
  - --ignore-disabled leaves out every stopped job, declared or not (e.g. paused
    in the portal, or --service-principal-ids jobs): "skipped" on stdout, never
    a failure. Quarantined, missing and pending jobs still count.
`;

/** How `wait` judges the settled rows: what fails it, what is stopped on purpose, what is skipped. */
export interface WaitVerdict {
  bad: ProvisioningJobStatus[];
  /** Stopped, and the stack declares enabled: false: counted as healthy. */
  disabled: ProvisioningJobStatus[];
  /** Stopped, left out by --ignore-disabled. */
  skipped: ProvisioningJobStatus[];
  healthy: number;
}

const jobKey = (spId: string, jobId: string | undefined) => `${spId}/${jobId ?? ""}`;

export function judge(rows: ProvisioningJobStatus[], targets: readonly StackJobTarget[], ignoreDisabled: boolean): WaitVerdict {
  const declaredOff = new Set(targets.filter((t) => t.declaredEnabled === false).map((t) => jobKey(t.servicePrincipalId, t.jobId)));
  const v: WaitVerdict = { bad: [], disabled: [], skipped: [], healthy: 0 };
  for (const r of rows) {
    if (r.health === "healthy") v.healthy++;
    else if (r.health === "stopped" && declaredOff.has(jobKey(r.servicePrincipalId, r.jobId))) v.disabled.push(r);
    else if (r.health === "stopped" && ignoreDisabled) v.skipped.push(r);
    else if (r.health !== "pending") v.bad.push(r);
  }
  return v;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function progressLine(rows: ProvisioningJobStatus[], elapsedS: number, settledAtStart: number, width = 30): string {
  const settled = rows.filter((r) => r.health !== "pending").length;
  const count = (h: string) => rows.filter((r) => r.health === h).length;
  const total = rows.length || 1;
  const filled = Math.round((settled / total) * width);
  const rate = (settled - settledAtStart) / Math.max(elapsedS, 0.001);
  const eta = settled === rows.length ? 0 : rate > 0 ? (rows.length - settled) / rate : Infinity;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${settled}/${rows.length} settled · ${count("healthy")} healthy · ${count("quarantined")} quarantined · ${count("pending")} pending · ${clock(elapsedS)} elapsed · ETA ${clock(eta)}`;
}

const describe = (r: ProvisioningJobStatus) => {
  if (r.health === "quarantined") return `${r.displayName} (job ${r.jobId}: ${r.quarantineReason ?? "quarantined"}${r.quarantineErrorCode ? `, ${r.quarantineErrorCode}` : ""})`;
  if (r.health === "missing") return `${r.displayName} (service principal ${r.servicePrincipalId}${r.jobId ? `, job ${r.jobId}` : ""}: not found)`;
  return `${r.displayName} (job ${r.jobId}: ${r.code})`;
};

export function waitCommand(): Command {
  const cmd = new Command("wait").description("wait until every job is healthy (steady state) or quarantined; exit non-zero naming the apps that are not healthy");
  stackOptions(cmd)
    .option("--timeout <seconds>", "give up after this many seconds", "1800")
    .option("--interval <seconds>", "seconds between polls", "5")
    .option("--json", "print the final job statuses and outcome as JSON on stdout")
    .option("--ignore-disabled", "leave out jobs that are stopped (paused, disabled, never started), whether or not the stack declares enabled: false")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (opts: WaitOptions) => {
      const timeoutS = parsePositive("--timeout", opts.timeout);
      const intervalS = parsePositive("--interval", opts.interval);
      const ref = await resolveJobsStack(opts);
      const client = await graphClient(ref);
      const targets = await jobTargets(opts, ref);
      const started = Date.now();
      const tty = Boolean(process.stderr.isTTY);
      let settledAtStart: number | undefined;
      let lastLine = "";
      let rows: ProvisioningJobStatus[];
      let timedOut = false;
      for (;;) {
        rows = await jobStatuses(client, targets);
        const elapsed = (Date.now() - started) / 1000;
        settledAtStart ??= rows.filter((r) => r.health !== "pending").length;
        const line = progressLine(rows, elapsed, settledAtStart);
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else {
          // Plain lines for logs: only when the counts change (the clock part is dropped for the comparison).
          const key = line.replace(/ · [\d:-]+ elapsed.*$/, "");
          if (key !== lastLine) process.stderr.write(`${line}\n`);
          lastLine = key;
        }
        if (rows.every((r) => r.health !== "pending")) break;
        if (elapsed + intervalS > timeoutS) {
          timedOut = true;
          break;
        }
        await sleep(intervalS * 1000);
      }
      if (tty) process.stderr.write("\n");
      const { bad, disabled, skipped, healthy } = judge(rows, targets, Boolean(opts.ignoreDisabled));
      const pending = timedOut ? rows.filter((r) => r.health === "pending") : [];
      const names = (list: ProvisioningJobStatus[]) => list.map((r) => r.displayName);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ healthy, quarantined: names(bad.filter((r) => r.health === "quarantined")), notHealthy: names(bad), timedOut: names(pending), disabled: names(disabled), skipped: names(skipped), jobs: rows }, null, 2)}\n`,
        );
      }
      const out = opts.json ? process.stderr : process.stdout;
      const section = (title: string, list: ProvisioningJobStatus[]) => {
        if (list.length) out.write(`${title}: ${list.length} app(s)\n${list.map((r) => `  ${describe(r)}`).join("\n")}\n`);
      };
      for (const h of ["quarantined", "stopped", "missing"] as const) section(h, bad.filter((r) => r.health === h));
      if (pending.length) out.write(`timed out after ${timeoutS}s waiting for ${pending.length} app(s)\n${pending.map((r) => `  ${describe(r)}`).join("\n")}\n`);
      section("disabled on purpose (enabled: false)", disabled);
      section("skipped (--ignore-disabled)", skipped);
      if (!bad.length && !pending.length) {
        const extra = [disabled.length ? `${disabled.length} disabled on purpose` : "", skipped.length ? `${skipped.length} skipped` : ""].filter(Boolean);
        out.write(`all ${healthy} job(s) healthy${extra.length ? `, ${extra.join(", ")}` : ""}\n`);
      }
      // Graph calls a job with nobody in scope healthy: say so (a warning, not a failure).
      const active = rows.filter((r) => r.code === "Active" || r.health === "healthy" || r.health === "pending");
      const coverage = await assignmentCoverage(client, active.map((r) => r.servicePrincipalId));
      for (const r of active) {
        const c = coverage.get(r.servicePrincipalId);
        if (c && !c.syncAll && c.users + c.groups === 0) {
          process.stderr.write(`warning: job ${r.jobId} of ${r.displayName} is ${r.code} but nobody is assigned; assign users or groups (AppRoleAssignment, or assignments on ProvisionedApplication) or set scope: "all".\n`);
        }
      }
      process.exitCode = bad.length ? EXIT_UNHEALTHY : pending.length ? EXIT_TIMEOUT : 0;
    });
  return cmd;
}

// `entra-provisioning wait`: poll the jobs until each is healthy (running, steady state reached)
// or settled badly (quarantined, stopped, missing), or the timeout passes. A progress bar with an
// ETA on a terminal, one line per change otherwise. Exit 0 only when every job is healthy.
import { Command } from "commander";
import { jobStatuses, type ProvisioningJobStatus } from "../functions/status";
import { graphClient, jobTargets, parsePositive, sleep, stackOptions, type TargetOptions } from "./common";

interface WaitOptions extends TargetOptions {
  timeout: string;
  interval: string;
  json?: boolean;
}

/** Exit codes: 0 all healthy; 2 some quarantined, stopped or missing; 3 timed out (otherwise fine). */
export const EXIT_UNHEALTHY = 2;
export const EXIT_TIMEOUT = 3;

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
    .action(async (opts: WaitOptions) => {
      const timeoutS = parsePositive("--timeout", opts.timeout);
      const intervalS = parsePositive("--interval", opts.interval);
      const client = await graphClient(opts);
      const targets = await jobTargets(opts);
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
      const bad = rows.filter((r) => r.health === "quarantined" || r.health === "stopped" || r.health === "missing");
      const pending = timedOut ? rows.filter((r) => r.health === "pending") : [];
      const healthy = rows.filter((r) => r.health === "healthy").length;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ healthy, quarantined: bad.filter((r) => r.health === "quarantined").map((r) => r.displayName), notHealthy: bad.map((r) => r.displayName), timedOut: pending.map((r) => r.displayName), jobs: rows }, null, 2)}\n`);
      }
      const out = opts.json ? process.stderr : process.stdout;
      for (const h of ["quarantined", "stopped", "missing"] as const) {
        const list = bad.filter((r) => r.health === h);
        if (list.length) out.write(`${h}: ${list.length} app(s)\n${list.map((r) => `  ${describe(r)}`).join("\n")}\n`);
      }
      if (pending.length) out.write(`timed out after ${timeoutS}s waiting for ${pending.length} app(s)\n${pending.map((r) => `  ${describe(r)}`).join("\n")}\n`);
      if (!bad.length && !pending.length) out.write(`all ${healthy} job(s) healthy\n`);
      process.exitCode = bad.length ? EXIT_UNHEALTHY : pending.length ? EXIT_TIMEOUT : 0;
    });
  return cmd;
}

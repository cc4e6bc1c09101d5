// `entra-provisioning report`: a self-contained HTML fleet report — job status counts as an inline
// SVG chart, the quarantined jobs, and recent provisioning failures with Graph's recommended action.
// No scripts and no external resources (a CSP forbids them), so it opens offline and archives well.
import * as fs from "node:fs";
import { Command } from "commander";
import { queryProvisioningLogs, type ProvisioningLogEntry } from "../functions/logs";
import { jobStatuses, type JobHealth, type ProvisioningJobStatus } from "../functions/status";
import { graphClient, jobTargets, parsePositive, resolveJobsStack, shortTime, stackOptions, type TargetOptions } from "./common";
import { parseSince } from "./logs";

interface ReportOptions extends TargetOptions {
  output: string;
  title?: string;
  failures: string;
  since?: string;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  jobs: ProvisioningJobStatus[];
  failures: ProvisioningLogEntry[];
}

const HEALTHS: { key: JobHealth; label: string; color: string }[] = [
  { key: "healthy", label: "Healthy", color: "#2e7d32" },
  { key: "pending", label: "Pending", color: "#f9a825" },
  { key: "quarantined", label: "Quarantined", color: "#c62828" },
  { key: "stopped", label: "Stopped", color: "#757575" },
  { key: "missing", label: "Missing", color: "#6a1b9a" },
];

const esc = (s: unknown) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function statusChart(jobs: ProvisioningJobStatus[]): string {
  const counts = HEALTHS.map((h) => ({ ...h, count: jobs.filter((j) => j.health === h.key).length }));
  const max = Math.max(1, ...counts.map((c) => c.count));
  const barW = 70, gap = 30, chartH = 180, top = 24, left = 20;
  const width = left * 2 + counts.length * barW + (counts.length - 1) * gap;
  const bars = counts
    .map((c, i) => {
      const h = Math.round((c.count / max) * chartH);
      const x = left + i * (barW + gap);
      const y = top + chartH - h;
      return (
        `<g class="bar" data-status="${c.key}" data-count="${c.count}">` +
        `<rect x="${x}" y="${y}" width="${barW}" height="${Math.max(h, 1)}" fill="${c.color}"><title>${c.label}: ${c.count}</title></rect>` +
        `<text x="${x + barW / 2}" y="${y - 6}" text-anchor="middle" class="count">${c.count}</text>` +
        `<text x="${x + barW / 2}" y="${top + chartH + 18}" text-anchor="middle">${c.label}</text></g>`
      );
    })
    .join("");
  return `<svg id="status-chart" role="img" aria-label="Provisioning jobs by status" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + chartH + 30}" viewBox="0 0 ${width} ${top + chartH + 30}">${bars}</svg>`;
}

/** The same failure (app, identity, error) repeats every cycle: one row each, newest first, with a count. */
export function groupFailures(failures: ProvisioningLogEntry[]): { last: ProvisioningLogEntry; count: number }[] {
  const byKey = new Map<string, { last: ProvisioningLogEntry; count: number }>();
  for (const f of failures) {
    const key = `${f.servicePrincipalId}|${f.sourceIdentity.id ?? ""}|${f.errorCode ?? ""}`;
    const g = byKey.get(key);
    if (!g) byKey.set(key, { last: f, count: 1 });
    else {
      g.count++;
      if (f.activityDateTime > g.last.activityDateTime) g.last = f;
    }
  }
  return [...byKey.values()].sort((a, b) => b.last.activityDateTime.localeCompare(a.last.activityDateTime));
}

/** Our hint when Graph gives no recommended action (shown in italics, marked as ours). */
function hint(code?: string): string {
  if (!code) return "";
  if (/InvalidCredentials$|MissingCredentials$/.test(code)) return "Hint: fix the credentials in ProvisioningSecrets, then restart the job (restartTrigger).";
  if (/EntryConflict$/.test(code)) return "Hint: an account with the same identifier already exists in the target; match or remove it.";
  return "Graph gave no recommended action; see the error.";
}

export function renderReport(d: ReportData): string {
  const q = d.jobs.filter((j) => j.health === "quarantined").sort((a, b) => a.displayName.localeCompare(b.displayName));
  const notHealthy = d.jobs.filter((j) => j.health === "stopped" || j.health === "missing");
  const codes = new Map<string, number>();
  for (const j of d.jobs) codes.set(j.code, (codes.get(j.code) ?? 0) + 1);
  const rows = (cells: string[][]) => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  const quarantined = q.length
    ? `<table id="quarantined"><thead><tr><th>Application</th><th>Job id</th><th>Reason</th><th>Error</th><th>Since</th><th>Next attempt</th></tr></thead><tbody>
${rows(q.map((j) => [esc(j.displayName), `<code>${esc(j.jobId)}</code>`, esc(j.quarantineReason), `<b>${esc(j.quarantineErrorCode)}</b> ${esc(j.quarantineErrorMessage)}`, esc(shortTime(j.quarantineSince)), esc(shortTime(j.quarantineNextAttempt))]))}
</tbody></table>`
    : `<p id="quarantined" class="ok">No job is in quarantine.</p>`;
  const groups = groupFailures(d.failures);
  const failures = groups.length
    ? `<table id="failures"><thead><tr><th>Last seen</th><th>Application</th><th>Identity</th><th>Times</th><th>Error</th><th>Recommended action</th></tr></thead><tbody>
${rows(groups.map((g) => [esc(shortTime(g.last.activityDateTime)), esc(g.last.servicePrincipalDisplayName), esc(g.last.sourceIdentity.displayName ?? g.last.sourceIdentity.id), String(g.count), `<b>${esc(g.last.errorCode)}</b> ${esc(g.last.reason)}`, g.last.recommendedAction ? esc(g.last.recommendedAction) : `<i>${esc(hint(g.last.errorCode))}</i>`]))}
</tbody></table>`
    : `<p id="failures" class="ok">No provisioning failures in the period.</p>`;
  const other = notHealthy.length
    ? `<h2>Stopped or missing jobs (${notHealthy.length})</h2><ul>${notHealthy.map((j) => `<li>${esc(j.displayName)} — <code>${esc(j.jobId || j.servicePrincipalId)}</code>: ${esc(j.code)}</li>`).join("")}</ul>`
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;background:#fff}
h1{margin:0 0 4px;font-size:22px} h2{font-size:17px;margin:28px 0 8px}
.meta{color:#666;font-size:13px} .ok{color:#2e7d32}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;font-size:13px;width:100%} th,td{border-bottom:1px solid #e3e3e3;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5} code{font-size:12px} svg text{font-size:12px;fill:#333} svg text.count{font-weight:bold}
</style></head>
<body>
<h1>${esc(d.title)}</h1>
<div class="meta">Generated ${esc(shortTime(d.generatedAt))} UTC · ${d.jobs.length} provisioning job(s) · status codes: ${[...codes].map(([c, n]) => `${esc(c)} ${n}`).join(", ") || "none"}</div>
<div class="summary" id="summary">${HEALTHS.map((h) => `<div class="card" data-status="${h.key}"><b style="color:${h.color}">${d.jobs.filter((j) => j.health === h.key).length}</b>${h.label}</div>`).join("")}</div>
<h2>Jobs by status</h2>
${statusChart(d.jobs)}
<h2>Quarantined jobs (${q.length})</h2>
${quarantined}
${other}
<h2>Recent provisioning failures (${d.failures.length} records, ${groups.length} distinct)</h2>
${failures}
</body></html>
`;
}

export function reportCommand(): Command {
  const cmd = new Command("report").description("write a self-contained HTML fleet report (status chart, quarantined jobs, recent failures)");
  stackOptions(cmd)
    .option("-o, --output <file>", "the HTML file to write", "provisioning-report.html")
    .option("--title <text>", "report title")
    .option("--failures <n>", "how many recent failure records to read (repeats are grouped)", "1000")
    .option("--since <when>", "failures after a date-time or a duration back from now (default 24h)", "24h")
    .action(async (opts: ReportOptions) => {
      const ref = await resolveJobsStack(opts);
      const client = await graphClient(ref);
      const targets = await jobTargets(opts, ref);
      const jobs = await jobStatuses(client, targets);
      const sps = new Set(jobs.map((j) => j.servicePrincipalId));
      const max = parsePositive("--failures", opts.failures);
      const since = opts.since ? parseSince(opts.since) : undefined;
      const general = await queryProvisioningLogs(client, { status: "failure", since, max });
      // A busy fleet's entry-level failures can push the quarantined apps' records out of the
      // newest `max`: ask for those apps' failures directly (a few, paced like every reports call).
      const quarantinedSps = [...new Set(jobs.filter((j) => j.health === "quarantined").map((j) => j.servicePrincipalId))].slice(0, 10);
      const targeted = (
        await Promise.all(quarantinedSps.map((servicePrincipalId) => queryProvisioningLogs(client, { status: "failure", since, servicePrincipalId, max: 20 })))
      ).flat();
      const seen = new Set<string>();
      const failures = [...targeted, ...general]
        .filter((f) => sps.has(f.servicePrincipalId) && !seen.has(f.id) && seen.add(f.id))
        .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
      const title = opts.title ?? (ref && !opts.servicePrincipalIds ? `Provisioning report — stack ${ref.stack}` : "Provisioning report");
      fs.writeFileSync(opts.output, renderReport({ title, generatedAt: new Date().toISOString(), jobs, failures }));
      const q = jobs.filter((j) => j.health === "quarantined").length;
      process.stdout.write(`wrote ${opts.output}: ${jobs.length} job(s), ${q} quarantined, ${failures.length} recent failure(s)\n`);
    });
  return cmd;
}

// `entra-provisioning drift`: runs `pulumi preview --refresh` on the stack and prints one line per
// real drift — the object, the property, declared and live values (never a secret value), who
// changed it and when (Microsoft Entra directory audit logs), and what `pulumi up` will do.
import { execFile } from "node:child_process";
import { Command } from "commander";
import { endpoints, isGraphError, type GraphClient } from "../graph";
import { graphClient, resolveStack, shortTime } from "./common";
import { analyzePreview, formatMarkdown, formatText, type Attribution, type DriftItem, type PreviewStep } from "./drift-report";
import { pulumiBinary, type StackRef } from "./stack-outputs";
import { pulumiFailed } from "./errors";

export const EXIT_CLEAN = 0;
export const EXIT_ERROR = 1;
export const EXIT_DRIFT = 7;

const HELP = `
Exit codes:
  0  no drift: every resource matches the program
  7  drift: the lines above say what differs and what \`pulumi up\` will do
  1  the check could not run (the preview failed, no stack, no Graph access)

The check is \`pulumi preview --refresh\` on the stack (nothing is changed). Dependents whose only
difference is an output of a drifted resource (not known until it updates) are folded, not listed.
"Who" comes from the directory audit logs (AuditLog.Read.All and Directory.Read.All); without them the drift
is still reported and the line says why attribution is unavailable.
`;

interface DriftOptions {
  cwd?: string;
  stack?: string;
  json?: boolean;
  markdown?: boolean;
}

/**
 * `pulumi preview --refresh --json`, spawned rather than run through the Automation API: its JSON
 * is already structured (nothing here scrapes text), and its steps carry the old state's
 * `modified` time, which says which audit records are newer than the last deployment; the
 * Automation API's engine events (StepEventStateMetadata) leave that field out.
 */
function preview(ref: StackRef): Promise<{ steps: PreviewStep[]; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      pulumiBinary(),
      ["preview", "--refresh", "--json", "--non-interactive", "--stack", ref.stack, "--cwd", ref.cwd],
      { env: { PULUMI_SKIP_UPDATE_CHECK: "true", ...process.env }, maxBuffer: 1024 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let parsed: { steps?: PreviewStep[]; diagnostics?: { message?: string }[] } | undefined;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          parsed = undefined;
        }
        const diagnostics = (parsed?.diagnostics ?? []).map((d) => d.message ?? "").join("\n");
        if (!parsed?.steps || (error && (parsed.diagnostics ?? []).some((d) => /error/i.test(d.message ?? "") && !/warning/i.test(d.message ?? "")))) {
          const tail = `${diagnostics}\n${stderr}`.trim().split("\n").slice(-8).join("\n");
          return reject(pulumiFailed(`pulumi preview --refresh failed for stack "${ref.stack}" in ${ref.cwd}:\n${tail || error?.message || "no output"}`, error ?? undefined));
        }
        resolve({ steps: parsed.steps, output: `${diagnostics}\n${stderr}` });
      },
    );
  });
}

interface AuditRecord {
  activityDisplayName?: string;
  activityDateTime?: string;
  initiatedBy?: { app?: { displayName?: string; appId?: string | null; servicePrincipalId?: string | null } | null; user?: { userPrincipalName?: string; displayName?: string } | null };
}

/**
 * The most recent directory audit record that touched `targetId` after `since`: who made the
 * change (https://learn.microsoft.com/graph/api/directoryaudit-list, AuditLog.Read.All).
 */
async function lastChange(client: GraphClient, targetId: string, since: string | undefined): Promise<Attribution | undefined> {
  const filter = [`targetResources/any(t:t/id eq '${targetId}')`, ...(since ? [`activityDateTime ge ${new Date(since).toISOString()}`] : [])].join(" and ");
  const res = await client.get<{ value?: AuditRecord[] }>({ endpoint: endpoints.directoryAudits, query: { $filter: filter, $orderby: "activityDateTime desc", $top: 1 } });
  const newest = res.body.value?.[0];
  if (!newest) return undefined;
  const by = newest.initiatedBy;
  // Live records leave initiatedBy.app.appId null and carry the app's service principal id instead.
  const appRef = by?.app?.appId ?? by?.app?.servicePrincipalId;
  const app = by?.app ? [by.app.displayName, appRef && `(${appRef})`].filter(Boolean).join(" ") : undefined;
  const actor = by?.user?.userPrincipalName ?? by?.user?.displayName ?? (app ? `app ${app}` : "unknown");
  return { actor, activity: newest.activityDisplayName ?? "change", time: shortTime(newest.activityDateTime) };
}

/** Adds who/when to every item; a missing permission is said once per item, never fatal. */
async function attribute(client: GraphClient, drift: DriftItem[]): Promise<void> {
  let unavailable: string | undefined;
  for (const d of drift) {
    if (unavailable) {
      d.attribution = { unavailable };
      continue;
    }
    const targets = [d.graphId, d.servicePrincipalId].filter((x): x is string => Boolean(x));
    try {
      // The newest change to any of the objects behind the resource (an app rename is recorded on
      // the application, an enterprise-app rename on the service principal).
      let newest: { actor: string; activity: string; time: string } | undefined;
      for (const t of targets) {
        const found = await lastChange(client, t, d.lastDeployed);
        if (found && "time" in found && (!newest || found.time > newest.time)) newest = found;
      }
      if (newest) d.attribution = newest;
      d.attribution ??= { unavailable: "no directory audit record since the last deployment (the change may be older than the log's retention, or not audited)" };
    } catch (e) {
      if (!isGraphError(e)) throw e;
      // Drift is reported all the same; attribution says why it is missing.
      const denied = e.code === "GRAPH_FORBIDDEN" || e.code === "GRAPH_AUTH";
      unavailable = denied
        ? "the app registration lacks AuditLog.Read.All and Directory.Read.All, which directory audit logs need"
        : `the directory audit logs could not be read (${e.code}${e.status ? ` ${e.status}` : ""})`;
      d.attribution = { unavailable };
    }
  }
}

export function driftCommand(): Command {
  const cmd = new Command("drift")
    .description("check the stack for drift: what differs from the program, who changed it, and what `pulumi up` will do")
    .option("--cwd <dir>", "the Pulumi project directory of the stack (default: the project in the current directory)")
    .option("--stack <name>", "the stack to check (default: the project's selected stack)")
    .option("--json", "print the report as JSON")
    .option("--markdown", "print the report as a Markdown table (for a pull-request comment)")
    .addHelpText("after", HELP)
    .action(async (opts: DriftOptions) => {
      try {
        const ref = (await resolveStack(opts, { explicitIds: false, idsHint: "--cwd DIR --stack NAME" }))!;
        const { steps, output } = await preview(ref);
        const report = analyzePreview(steps, output);
        if (report.drift.length) await attribute(await graphClient(ref), report.drift);
        if (opts.json) process.stdout.write(`${JSON.stringify({ stack: ref.stack, drifted: report.drift.length, ...report }, null, 2)}\n`);
        else if (opts.markdown) process.stdout.write(formatMarkdown(report, ref.stack));
        else process.stdout.write(formatText(report));
        process.exitCode = report.drift.length ? EXIT_DRIFT : EXIT_CLEAN;
      } catch (e) {
        process.stderr.write(`entra-provisioning drift: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = EXIT_ERROR;
      }
    });
  return cmd;
}

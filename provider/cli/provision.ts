// `entra-provisioning provision`: provision one user or group on demand through a job and print
// Graph's answer step by step. Exit 1 when Graph reports a failure.
import { Command } from "commander";
import { provisionOnDemand, type OnDemandResult } from "../functions/on-demand";
import { jobStatuses } from "../functions/status";
import { graphClient, resolveStack, selectApp, stackOptions, table, type TargetOptions } from "./common";
import { stackJobTargets } from "./stack-outputs";
import { resolveSubject } from "./subjects";
import { usageError } from "./errors";

interface ProvisionOptions extends TargetOptions {
  servicePrincipalId?: string;
  jobId?: string;
  app?: string;
  user?: string;
  group?: string;
  ruleId?: string;
  json?: boolean;
}

export function formatOnDemand(r: OnDemandResult & { ruleId: string }, app: string): string {
  const lines = [
    `${app}: ${r.result}${r.action ? ` (action ${r.action})` : ""} for ${r.subject.objectTypeName} ${r.reportableIdentifier ?? r.subject.objectId}`,
  ];
  if (r.errorCode || r.errorMessage) lines.push(`error: ${r.errorCode ?? ""}${r.errorMessage ? `: ${r.errorMessage}` : ""}`);
  if (r.statusInfo?.recommendedAction) lines.push(`recommended action: ${r.statusInfo.recommendedAction}`);
  lines.push(`rule: ${r.ruleId}`, "");
  let out = lines.join("\n") + "\n";
  out += table(["#", "STEP", "TYPE", "STATUS", "DESCRIPTION"], r.provisioningSteps.map((s, i) => [String(i + 1), s.name, s.type, s.status, s.description]), 120);
  if (r.modifiedProperties.length) {
    out += "\n" + table(["PROPERTY", "OLD", "NEW"], r.modifiedProperties.map((p) => [p.displayName, p.oldValue ?? "", p.newValue ?? ""]), 80);
  }
  return out;
}

export function provisionCommand(): Command {
  const cmd = new Command("provision").description("provision one user or group on demand and print Graph's per-step result");
  stackOptions(cmd, false)
    .option("--service-principal-id <id>", "the application's service principal")
    .option("--job-id <id>", "the provisioning job (default: the service principal's only job)")
    .option("--app <name>", "the stack's application by display name (or Pulumi resource name) instead of ids")
    .option("--user <user>", "the user to provision: object id, user principal name or display name")
    .option("--group <group>", "the group to provision: object id or display name")
    .option("--rule-id <id>", "synchronization rule (default: the job schema's one rule for the subject type)")
    .option("--json", "print Graph's parsed result as JSON")
    .action(async (opts: ProvisionOptions) => {
      if (!opts.user === !opts.group) throw usageError("pass exactly one of --user USER or --group GROUP (an object id, or a user principal name or display name to look up).");
      if (!opts.app && !opts.servicePrincipalId) throw usageError("say which application: --app NAME (the stack's) or --service-principal-id ID.");
      const ref = await resolveStack(opts, { explicitIds: Boolean(opts.servicePrincipalId), idsHint: "--service-principal-id ID" });
      const client = await graphClient(ref);
      let spId = opts.servicePrincipalId;
      let jobId = opts.jobId;
      let app = opts.app;
      if (opts.app && !spId) {
        if (!ref) throw usageError("--app needs a stack (to find the application in it): run in the project's directory, or pass --cwd/--stack.");
        const found = selectApp(await stackJobTargets(ref), opts.app, ref.stack);
        if (found.length !== 1) throw usageError(`--app: ${found.length} ProvisioningJobs of stack "${ref.stack}" belong to applications named "${opts.app}"; pass --service-principal-id and --job-id.`);
        spId = found[0].servicePrincipalId;
        jobId ??= found[0].jobId;
        app = found[0].displayName ?? app;
      }
      if (!spId) throw usageError("say which application: --app NAME (the stack's) or --service-principal-id ID."); // (narrows spId)
      if (!jobId || !app) {
        const jobs = await jobStatuses(client, [{ servicePrincipalId: spId, jobId }]);
        if (!jobId) {
          if (jobs.length !== 1 || jobs[0].health === "missing") throw usageError(`service principal ${spId} has ${jobs[0]?.health === "missing" ? "no" : jobs.length} provisioning job(s); pass --job-id.`);
          jobId = jobs[0].jobId;
        }
        app ??= jobs[0]?.displayName ?? spId;
      }
      const objectTypeName = opts.user ? "User" : "Group";
      const { objectId } = await resolveSubject(client, objectTypeName, (opts.user ?? opts.group)!);
      const subject = { objectId, objectTypeName };
      const result = await provisionOnDemand(client, { servicePrincipalId: spId, jobId, subject, ruleId: opts.ruleId });
      if (opts.json) process.stdout.write(`${JSON.stringify({ app, servicePrincipalId: spId, jobId, ...result }, null, 2)}\n`);
      else process.stdout.write(formatOnDemand(result, app));
      if (!/^(success|skipped)$/i.test(result.result)) process.exitCode = 1;
    });
  return cmd;
}

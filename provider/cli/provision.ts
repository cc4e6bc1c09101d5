// `entra-provisioning provision`: provision one user or group on demand through a job and print
// Graph's answer step by step. Exit 1 when Graph reports a failure.
import { Command } from "commander";
import { provisionOnDemand, type OnDemandResult } from "../functions/on-demand";
import { jobStatuses } from "../functions/status";
import { graphClient, stackOptions, stackRef, table, type TargetOptions } from "./common";
import { stackJobTargets } from "./stack-outputs";

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
    .option("--app <displayName>", "with --cwd/--stack: the application by display name instead of ids")
    .option("--user <objectId>", "the user to provision")
    .option("--group <objectId>", "the group to provision")
    .option("--rule-id <id>", "synchronization rule (default: the job schema's one rule for the subject type)")
    .option("--json", "print Graph's parsed result as JSON")
    .action(async (opts: ProvisionOptions) => {
      if (!opts.user === !opts.group) throw new Error("pass exactly one of --user OBJECT_ID or --group OBJECT_ID.");
      const client = await graphClient(opts);
      let spId = opts.servicePrincipalId;
      let jobId = opts.jobId;
      let app = opts.app;
      if (opts.app && !spId) {
        const ref = stackRef(opts);
        if (!ref) throw new Error("--app needs --cwd and --stack (to find the application in the stack).");
        const found = (await stackJobTargets(ref)).filter((t) => t.displayName === opts.app);
        if (found.length !== 1) throw new Error(`--app: ${found.length === 0 ? "no" : found.length} ProvisioningJob(s) of stack "${ref.stack}" belong to an application named "${opts.app}"; pass --service-principal-id and --job-id.`);
        spId = found[0].servicePrincipalId;
        jobId ??= found[0].jobId;
      }
      if (!spId) throw new Error("pass --service-principal-id (or --app with --cwd/--stack).");
      if (!jobId || !app) {
        const jobs = await jobStatuses(client, [{ servicePrincipalId: spId, jobId }]);
        if (!jobId) {
          if (jobs.length !== 1 || jobs[0].health === "missing") throw new Error(`service principal ${spId} has ${jobs[0]?.health === "missing" ? "no" : jobs.length} provisioning job(s); pass --job-id.`);
          jobId = jobs[0].jobId;
        }
        app ??= jobs[0]?.displayName ?? spId;
      }
      const subject = opts.user ? { objectId: opts.user, objectTypeName: "User" } : { objectId: opts.group!, objectTypeName: "Group" };
      const result = await provisionOnDemand(client, { servicePrincipalId: spId, jobId, subject, ruleId: opts.ruleId });
      if (opts.json) process.stdout.write(`${JSON.stringify({ app, servicePrincipalId: spId, jobId, ...result }, null, 2)}\n`);
      else process.stdout.write(formatOnDemand(result, app));
      if (!/^(success|skipped)$/i.test(result.result)) process.exitCode = 1;
    });
  return cmd;
}

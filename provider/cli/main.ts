#!/usr/bin/env node
// The `entra-provisioning` command. Subcommands live in their own modules and are loaded only
// when used, so `entra-provisioning --help` stays fast.
import { Command } from "commander";

const program = new Command();
program
  .name("entra-provisioning")
  .description("Operate Microsoft Entra app provisioning declared with pulumi-entra-provisioning")
  .version(require("../../../package.json").version);

// Each command's module loads on use, and parses its own flags with commander.
for (const [name, description, factory] of [
  ["emulator", "run the local Microsoft Graph emulator (see `entra-provisioning emulator --help`)", () => require("../../emulator/cli").emulatorCommand()],
  ["demo", "run the end-to-end demo against a local Graph emulator", () => require("./demo").demoCommand()],
  ["status", "show the status of provisioning jobs (a stack's, or given service principals')", () => require("./status").statusCommand()],
  ["wait", "wait until every job is healthy or quarantined; non-zero exit naming the apps that are not healthy", () => require("./wait").waitCommand()],
  ["logs", "list provisioning log records by job, service principal, status and time", () => require("./logs").logsCommand()],
  ["provision", "provision one user or group on demand and print Graph's per-step result", () => require("./provision").provisionCommand()],
  ["report", "write a self-contained HTML fleet report", () => require("./report").reportCommand()],
  ["drift", "check the stack for drift: what differs, who changed it, what `pulumi up` will do (exit 7 on drift)", () => require("./drift").driftCommand()],
] as const) {
  // `entra-provisioning help wait` shows the real command's help too.
  if ((process.argv[2] === "help" ? process.argv[3] : process.argv[2]) === name) program.addCommand(factory());
  else program.command(name).description(description).allowUnknownOption(true).helpOption(false).argument("[args...]");
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`entra-provisioning: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

#!/usr/bin/env node
// The `entra-provisioning` command. Subcommands live in their own modules and are loaded only
// when used, so `entra-provisioning --help` stays fast.
import { Command } from "commander";

const program = new Command();
program
  .name("entra-provisioning")
  .description("Operate Microsoft Entra app provisioning declared with pulumi-entra-provisioning")
  .version(require("../../../package.json").version);

program
  .command("emulator")
  .description("run the local Microsoft Graph emulator (see `entra-provisioning emulator --help`)")
  .helpOption(false)
  .allowUnknownOption(true)
  .argument("[args...]")
  .action(async (args: string[]) => {
    const { runEmulatorCli } = require("../../emulator/cli");
    await runEmulatorCli(args);
  });

program
  .command("demo")
  .description("run the end-to-end demo against a local Graph emulator")
  .allowUnknownOption(true)
  .argument("[args...]")
  .action(async (args: string[]) => {
    const { runDemo } = require("./demo");
    process.exitCode = await runDemo(args);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`entra-provisioning: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

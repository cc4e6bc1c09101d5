// `entra-provisioning emulator [flags]`. Starts the emulator, prints where it listens (one JSON line
// with --json, for scripts), and shuts down gracefully on SIGINT/SIGTERM: pending state-file writes
// are flushed and the server is closed before the returned promise resolves (exit code 0). The flags
// are commander options (emulator/README.md lists them); main.ts loads this command when it is used.
import { Command } from "commander";
import { parseThrottle } from "./faults";
import { EmulatorOptions } from "./options";
import { startEmulator } from "./server";

function num(name: string, v: string, opts: { rate?: boolean; int?: boolean } = {}): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (opts.rate && n > 1) || (opts.int && !Number.isInteger(n))) {
    // A plain Error (not commander's InvalidArgumentError) reaches main.ts's handler as it is:
    // "entra-provisioning: Invalid value for --fault-rate: '3' (…)", exit code 1.
    throw new Error(`Invalid value for --${name}: '${v}'${opts.rate ? " (expected a number between 0 and 1)" : ""}`);
  }
  return n;
}

const count = (name: string) => (v: string) => num(name, v, { int: true });
const amount = (name: string) => (v: string) => num(name, v);
const share = (name: string) => (v: string) => num(name, v, { rate: true });

/** The flags, parsed by commander into EmulatorOptions fields; unset flags stay undefined (the emulator's defaults). */
function withEmulatorFlags(cmd: Command): Command {
  return cmd
    .option("--port <n>", "listen port (0 = any free port; default 0)", count("port"))
    .option("--host <addr>", "listen address (default 127.0.0.1)")
    .option("--http", "plain HTTP instead of HTTPS (MSAL-based clients need HTTPS)")
    .option("--latency-ms <ms>", "mean added latency per request (lognormal)", amount("latency-ms"))
    .option("--replication-lag-ms <ms>", "max replication delay per replica (eventual consistency)", amount("replication-lag-ms"))
    .option("--list-lag-ms <ms>", "max extra delay before lists and $filter see a write (default 2x replication lag)", amount("list-lag-ms"))
    .option("--throttle <mode>", "off | identity-default | <requests per second>", (v: string) => parseThrottle(v))
    .option("--fault-rate <0..1>", "share of requests answered 5xx or reset", share("fault-rate"))
    .option("--throttle-rate <0..1>", "share of requests answered 429 at random", share("throttle-rate"))
    .option("--instantiate-404-rate <0..1>", "share of instantiate calls that create objects but answer 404", share("instantiate-404-rate"))
    .option("--seed <n>", "reproducible randomness", count("seed"))
    .option("--state-file <path>", "persist state across restarts")
    .option("--cycle-interval-ms <ms>", "interval between provisioning cycles of started jobs (default 2000)", amount("cycle-interval-ms"))
    .option("--users <n>", "size of the seeded directory (default 20)", count("users"))
    .option("--json", "print one JSON line with the connection details");
}

/** What commander parses: the EmulatorOptions fields named after the flags (--latency-ms → latencyMs), and --json. */
type EmulatorFlags = EmulatorOptions & { json?: boolean };

function emulatorOptions(flags: EmulatorFlags): { options: EmulatorOptions; json: boolean } {
  const { json, ...options } = flags;
  return { options, json: json === true };
}

/** The `emulator` command: its flags, help and action. */
export function emulatorCommand(): Command {
  return withEmulatorFlags(new Command("emulator"))
    .description("run the local Microsoft Graph emulator")
    .action(async (flags: EmulatorFlags) => {
      const { options, json } = emulatorOptions(flags);
      await serve(options, json);
    });
}

/** Parses the flags without running anything (invalid values and unknown flags throw). */
export function parseEmulatorArgs(argv: string[]): { options: EmulatorOptions; json: boolean } {
  const cmd = withEmulatorFlags(new Command("emulator"))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .parse(argv, { from: "user" });
  return emulatorOptions(cmd.opts<EmulatorFlags>());
}

/** Runs the command with `argv` (the flags after `emulator`); resolves once it has shut down. */
export async function runEmulatorCli(argv: string[]): Promise<void> {
  await emulatorCommand().parseAsync(argv, { from: "user" });
}

async function serve(options: EmulatorOptions, json: boolean): Promise<void> {
  const emu = await startEmulator(options);
  const info = {
    graphUrl: emu.graphUrl,
    authorityHost: emu.authorityHost,
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    caFile: emu.caFile ?? null,
    adminUrl: emu.adminUrl,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(info)}\n`);
  } else {
    process.stdout.write(
      [
        `Microsoft Graph emulator listening on ${emu.graphUrl} (Graph: ${emu.graphUrl}/v1.0, ${emu.graphUrl}/beta)`,
        `  authority host: ${emu.authorityHost}   tenant: ${emu.tenantId}`,
        `  client id:      ${emu.clientId}`,
        `  client secret:  ${emu.clientSecret}`,
        emu.caFile ? `  CA file:        ${emu.caFile}   (e.g. export NODE_EXTRA_CA_CERTS=${emu.caFile})` : "  plain HTTP (no TLS)",
        `  admin API:      ${emu.adminUrl}`,
        "Press Ctrl+C to stop.",
        "",
      ].join("\n"),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void emu.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.exitCode = 0;
}

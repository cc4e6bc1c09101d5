import { parseArgs } from "node:util";
import { parseThrottle } from "./faults";
import { EmulatorOptions } from "./options";
import { startEmulator } from "./server";

/**
 * `entra-provisioning emulator [flags]`. Starts the emulator, prints where it listens (one JSON line
 * with --json, for scripts), and shuts down gracefully on SIGINT/SIGTERM: pending state-file writes
 * are flushed and the server is closed before the returned promise resolves (exit code 0).
 */
const USAGE = `Usage: entra-provisioning emulator [options]
  --port <n>                   listen port (0 = any free port; default 0)
  --host <addr>                listen address (default 127.0.0.1)
  --http                       plain HTTP instead of HTTPS (MSAL-based clients need HTTPS)
  --latency-ms <ms>            mean added latency per request (lognormal)
  --replication-lag-ms <ms>    max replication delay per replica (eventual consistency)
  --list-lag-ms <ms>           max extra delay before lists and $filter see a write (default 2x replication lag)
  --throttle <mode>            off | identity-default | <requests per second>
  --fault-rate <0..1>          share of requests answered 5xx or reset
  --throttle-rate <0..1>       share of requests answered 429 at random
  --instantiate-404-rate <0..1> share of instantiate calls that create objects but answer 404
  --seed <n>                   reproducible randomness
  --state-file <path>          persist state across restarts
  --cycle-interval-ms <ms>     interval between provisioning cycles of started jobs (default 2000)
  --users <n>                  size of the seeded directory (default 20)
  --json                       print one JSON line with the connection details
  --help                       show this help`;

function num(name: string, v: string | undefined, opts: { rate?: boolean; int?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (opts.rate && n > 1) || (opts.int && !Number.isInteger(n))) {
    throw new Error(`Invalid value for --${name}: '${v}'${opts.rate ? " (expected a number between 0 and 1)" : ""}`);
  }
  return n;
}

export function parseEmulatorArgs(argv: string[]): { options: EmulatorOptions; json: boolean; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      http: { type: "boolean" },
      "latency-ms": { type: "string" },
      "replication-lag-ms": { type: "string" },
      "list-lag-ms": { type: "string" },
      throttle: { type: "string" },
      "fault-rate": { type: "string" },
      "throttle-rate": { type: "string" },
      "instantiate-404-rate": { type: "string" },
      seed: { type: "string" },
      "state-file": { type: "string" },
      "cycle-interval-ms": { type: "string" },
      users: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  const options: EmulatorOptions = {
    port: num("port", values.port, { int: true }),
    host: values.host,
    http: values.http,
    latencyMs: num("latency-ms", values["latency-ms"]),
    replicationLagMs: num("replication-lag-ms", values["replication-lag-ms"]),
    listLagMs: num("list-lag-ms", values["list-lag-ms"]),
    throttle: values.throttle === undefined ? undefined : parseThrottle(values.throttle),
    faultRate: num("fault-rate", values["fault-rate"], { rate: true }),
    throttleRate: num("throttle-rate", values["throttle-rate"], { rate: true }),
    instantiate404Rate: num("instantiate-404-rate", values["instantiate-404-rate"], { rate: true }),
    seed: num("seed", values.seed, { int: true }),
    stateFile: values["state-file"],
    cycleIntervalMs: num("cycle-interval-ms", values["cycle-interval-ms"]),
    users: num("users", values.users, { int: true }),
  };
  for (const k of Object.keys(options) as (keyof EmulatorOptions)[]) if (options[k] === undefined) delete options[k];
  return { options, json: values.json === true, help: values.help === true };
}

export async function runEmulatorCli(argv: string[]): Promise<void> {
  const { options, json, help } = parseEmulatorArgs(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
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

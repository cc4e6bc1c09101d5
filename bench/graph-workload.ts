/**
 * Graph client workload benchmark against the emulator: the same mixed lifecycle as test/graph/emulator.test.ts
 * (instantiate, immediate read-backs, PATCH, sync templates, job create, secrets PUT, job/secrets GET, delete),
 * run with faults off and with faults on (20% 429, 10% 5xx/resets, replication lag up to 2 s), printing wall time,
 * request counts and how many writes reached the emulator.
 *
 *   npx ts-node --transpile-only bench/graph-workload.ts [apps=100] [parallel=32] [maxConcurrency=16]
 */
import { GALLERY, startEmulator, type EmulatorOptions } from "../emulator";
import { closeSharedDispatchers, GraphClient } from "../provider/graph";
import { admin, emulatorSettings, runWorkload } from "../test/graph/workload";

interface Stats {
  requests: Array<{ method: string; route: string; status: number; count: number }>;
  total: number;
}

const apps = Number(process.argv[2] ?? 100);
const parallel = Number(process.argv[3] ?? 32);
const maxConcurrency = process.argv[4] ?? "16";

const template = GALLERY.find((a) => a.syncTemplates.some((t) => t.requiredKeys.includes("BaseAddress") && t.requiredKeys.includes("SecretToken")))!;

async function run(label: string, options: EmulatorOptions): Promise<void> {
  const emu = await startEmulator({ seed: 42, ...options });
  try {
    const settings = emulatorSettings(emu, { "entra:maxConcurrency": maxConcurrency, "entra:operationTimeout": "300" });
    const client = new GraphClient(settings, { logger: () => undefined });
    const result = await runWorkload(client, { apps, parallel, applicationTemplateId: template.id, prefix: `bench-${label}`, settleMs: 4000 });
    const stats = await admin<Stats>(settings, emu, "GET", "/stats");
    const writes = (route: string): number =>
      stats.requests.filter((r) => r.method === "POST" && r.route === route && r.status === 201).reduce((n, r) => n + r.count, 0);
    const c = result.counters;
    console.log(`\n== ${label}: ${JSON.stringify(options)}`);
    console.log(`operations ${result.operations} in ${(result.elapsedMs / 1000).toFixed(1)} s (${((result.operations / result.elapsedMs) * 1000).toFixed(1)} ops/s), errors surfaced: ${result.errors.length}`);
    console.log(
      `client: ${c.totalRequests} requests (${(c.totalRequests / result.operations).toFixed(2)} per operation), ${c.retries} retries, ` +
        `${c.throttled} × 429, ${c.consistencyRetries} consistency retries, backoff ${(c.backoffMs / 1000).toFixed(1)} s summed, ` +
        `limiter queue ${(c.queueMs / 1000).toFixed(1)} s summed, final limit ${client.limiter.limit}/${maxConcurrency}`,
    );
    console.log(`statuses: ${JSON.stringify(c.statuses)}`);
    console.log(`emulator: ${stats.total} requests; instantiate 201 × ${writes("/applicationTemplates/{id}/instantiate")}, job create 201 × ${writes("/servicePrincipals/{id}/synchronization/jobs")} (expected ${apps} each)`);
    for (const e of result.errors.slice(0, 5)) console.log(`  error: ${e}`);
  } finally {
    await emu.close();
    await closeSharedDispatchers();
  }
}

async function main(): Promise<void> {
  console.log(`graph workload: ${apps} apps (~${apps * 10.5} operations), ${parallel} lifecycles at once, entra:maxConcurrency ${maxConcurrency}`);
  await run("faults-off", {});
  await run("faults-on", { throttleRate: 0.2, faultRate: 0.1, replicationLagMs: 2000 });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

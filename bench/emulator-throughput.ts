import { readFileSync } from "node:fs";
import { Pool } from "undici";
import { startEmulator } from "../emulator";

/**
 * Emulator throughput: N keep-alive connections (undici Pool) drive a fixed number of mixed Graph
 * requests (GET application by id, list templates, GET job) with faults off, then print requests/s
 * and p50/p99 latency.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/emulator-throughput.js [--http] [--requests N] [--connections N]
 */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const http = process.argv.includes("--http");
  const total = arg("requests", 20000);
  const connections = arg("connections", 32);
  const emu = await startEmulator({ http, seed: 1, cycleIntervalMs: 3_600_000 });
  const ca = emu.caFile ? readFileSync(emu.caFile, "utf8") : undefined;
  const pool = new Pool(emu.graphUrl, { connections, pipelining: 1, connect: ca ? { ca } : undefined });
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: emu.clientId, client_secret: emu.clientSecret, scope: "https://graph.microsoft.com/.default" });
  const tok = await pool.request({ method: "POST", path: `/${emu.tenantId}/oauth2/v2.0/token`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
  const token = ((await tok.body.json()) as { access_token: string }).access_token;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await pool.request({ method: method as "GET", path, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? JSON.parse(text) : undefined };
  };
  const inst = await call("POST", "/v1.0/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate", { displayName: "Bench" });
  const appId = inst.body.application.id as string;
  const spId = inst.body.servicePrincipal.id as string;
  const job = await call("POST", `/v1.0/servicePrincipals/${spId}/synchronization/jobs`, { templateId: "scim" });
  const paths = [`/v1.0/applications/${appId}`, "/v1.0/applicationTemplates?$top=20", `/v1.0/servicePrincipals/${spId}/synchronization/jobs/${job.body.id}`];

  const latencies: number[] = new Array(total);
  let next = 0;
  let errors = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t = performance.now();
      const r = await pool.request({ method: "GET", path: paths[i % paths.length], headers });
      await r.body.text();
      if (r.statusCode !== 200) errors++;
      latencies[i] = performance.now() - t;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  console.log(JSON.stringify({
    transport: http ? "http" : "https",
    requests: total,
    connections,
    errors,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(total / seconds),
    p50Ms: Number(pct(50)),
    p99Ms: Number(pct(99)),
  }));
  await pool.close();
  await emu.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

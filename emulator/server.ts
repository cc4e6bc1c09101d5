import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { AddressInfo } from "node:net";
import { ALL_ROLES, AuthService } from "./auth";
import { AuditRecorder, DirectoryAuditLog } from "./directory-audits";
import { ApiVersion } from "./entities";
import { errorBody, GraphError } from "./errors";
import { FaultSettings, parseThrottle } from "./faults";
import { GraphDispatcher, newRequestIds, RequestIds } from "./graph-dispatch";
import { JobsRunner } from "./jobs-runner";
import { EmulatorOptions, RunningEmulator } from "./options";
import { StateFile, StateSnapshot } from "./persistence";
import { Rng } from "./random";
import { ReplicationModel } from "./replication";
import { Router } from "./router";
import { handleAdmin } from "./routes/admin";
import { registerAppRoleAssignmentRoutes } from "./routes/app-role-assignments";
import { registerAuditLogRoutes } from "./routes/audit-logs";
import { registerBatchRoute } from "./routes/batch";
import { registerDeletedItemRoutes } from "./routes/deleted-items";
import { registerDirectoryObjectRoutes } from "./routes/directory-objects";
import { handleIdentity } from "./routes/identity";
import { registerOnDemandRoutes } from "./routes/on-demand";
import { registerSecretRoutes } from "./routes/secrets";
import { registerSynchronizationRoutes } from "./routes/synchronization";
import { registerTemplateRoutes } from "./routes/templates";
import { registerUserGroupRoutes } from "./routes/users-groups";
import { Services } from "./services";
import { RequestStats } from "./stats";
import { DirectoryStore } from "./store";
import { SyncStore } from "./sync-store";
import { Throttler, WindowLimiter } from "./throttle";
import { generateTls, TlsMaterial } from "./tls";

/**
 * Wires the emulator together and serves it: /v1.0 and /beta go through the Graph pipeline
 * (graph-dispatch.ts), /_emulator to the admin API, everything else to the identity endpoints.
 */
const JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const MAX_BODY = 4 * 1024 * 1024;
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";

function generatedSecret(rng: Rng): string {
  // Shaped like an Entra client secret value: three chars, "8Q~", then 37 more.
  let s = "";
  for (let i = 0; i < 40; i++) s += SECRET_ALPHABET[rng.int(SECRET_ALPHABET.length)];
  return `${s.slice(0, 3)}8Q~${s.slice(3)}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new GraphError(413, "Request_BadRequest", "The request body is too large."));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function send(res: ServerResponse, status: number, body: unknown, ids: RequestIds, headers: Record<string, string> = {}, contentType = JSON_TYPE): void {
  const h: Record<string, string> = { "request-id": ids.requestId, "client-request-id": ids.clientRequestId, "cache-control": "no-cache", ...headers };
  if (body === undefined || status === 204) {
    res.writeHead(status, h);
    res.end();
    return;
  }
  h["content-type"] = contentType;
  res.writeHead(status, h);
  res.end(JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const saved = options.stateFile ? StateFile.read(options.stateFile) : undefined;
  const rng = new Rng(options.seed);
  const tenantId = options.tenantId ?? saved?.tenantId ?? rng.guid();
  const clientId = options.clientId ?? saved?.clientId ?? rng.guid();
  const clientSecret = options.clientSecret ?? saved?.clientSecret ?? generatedSecret(rng);

  const faults: FaultSettings = {
    latencyMs: options.latencyMs ?? 0,
    replicationLagMs: options.replicationLagMs ?? 0,
    throttle: parseThrottle(options.throttle ?? "off"),
    faultRate: options.faultRate ?? 0,
    throttleRate: options.throttleRate ?? 0,
    instantiate404Rate: options.instantiate404Rate ?? 0,
    listLagMs: options.listLagMs ?? null,
    failures: [],
  };
  const replication = new ReplicationModel(rng, Math.max(1, options.replicas ?? 3), faults.replicationLagMs);
  replication.listLagMs = faults.listLagMs;
  const dir = new DirectoryStore(rng, replication, options.users ?? 20);
  const sync = new SyncStore();
  const auth = new AuthService(tenantId, saved ? Buffer.from(saved.signingKey, "base64") : randomBytes(32));
  for (const c of saved?.clients ?? []) auth.register(c);
  auth.register({ clientId, clientSecret, roles: [...ALL_ROLES] });
  const runner = new JobsRunner(rng, tenantId, dir, sync, options.cycleIntervalMs ?? 2000);
  dir.onServicePrincipalGone = (id) => sync.dropServicePrincipal(id);
  const throttler = new Throttler(faults.throttle);
  const stats = new RequestStats();
  const router = new Router();
  const services: Services = {
    rng, tenantId, auth, dir, sync, runner, faults,
    onDemandLimiter: new WindowLimiter(5, 10_000),
    reportsLimiter: new WindowLimiter(5, 10_000),
  };
  // Literal routes before `{id}` routes of the same length (e.g. deletedItems/microsoft.graph.application).
  registerTemplateRoutes(router, services);
  registerDeletedItemRoutes(router, services);
  registerDirectoryObjectRoutes(router, services);
  registerSynchronizationRoutes(router, services);
  registerSecretRoutes(router, services);
  registerOnDemandRoutes(router, services);
  // Its own random stream: audit ids must not shift the ids and faults a seed reproduces.
  const audits = new DirectoryAuditLog(new Rng(options.seed === undefined ? undefined : options.seed + 1));
  registerAuditLogRoutes(router, services, audits);
  registerUserGroupRoutes(router, services);
  registerAppRoleAssignmentRoutes(router, services);
  registerBatchRoute(router, () => dispatcher);
  const dispatcher = new GraphDispatcher(router, services, auth, throttler, stats, new AuditRecorder(services, audits));

  if (saved) {
    dir.load(saved.directory);
    sync.load(saved.sync);
  }
  let stateFile: StateFile | undefined;
  if (options.stateFile) {
    const file = new StateFile(options.stateFile, (): StateSnapshot => ({
      format: 1, tenantId, clientId, clientSecret,
      signingKey: auth.signingKey.toString("base64"),
      clients: [...auth.clients.values()].filter((c) => c.clientId !== clientId),
      directory: dir.snapshot(),
      sync: sync.snapshot(),
    }));
    stateFile = file;
    dir.onChange = () => file.changed();
    sync.onChange = () => file.changed();
    file.changed(); // write the initial state (and credentials) right away
  }
  for (const job of sync.allJobs()) if (job.schedule.state === "Active") runner.start(job);

  const tls: TlsMaterial | undefined = options.http ? undefined : await generateTls(host);
  let graphUrl = "";

  const adminDeps = {
    s: services,
    stats,
    audits,
    defaultClientId: clientId,
    setFaults: (f: FaultSettings) => {
      const throttleChanged = f.throttle !== faults.throttle;
      Object.assign(faults, f);
      replication.lagMs = f.replicationLagMs;
      replication.listLagMs = f.listLagMs;
      if (throttleChanged) throttler.mode = f.throttle;
    },
    reset: () => {
      runner.stopAll();
      sync.reset();
      dir.reset();
      stats.reset();
      throttler.reset();
      services.onDemandLimiter.reset();
      services.reportsLimiter.reset();
      audits.clear();
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = req.headers as Record<string, string | undefined>;
    const ids = newRequestIds(headers["client-request-id"]);
    const raw = req.url ?? "/";
    const qi = raw.indexOf("?");
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const query = new URLSearchParams(qi < 0 ? "" : raw.slice(qi + 1));
    const method = (req.method ?? "GET").toUpperCase();
    try {
      const buf = await readBody(req);
      if (path === "/_emulator" || path.startsWith("/_emulator/")) {
        const r = handleAdmin(adminDeps, method, path, parseJson(buf));
        send(res, r.status, r.body, ids, r.headers);
        return;
      }
      const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(path);
      if (!m) {
        const r = handleIdentity(auth, graphUrl, method, path, buf);
        stats.record(method, r.template, r.status);
        send(res, r.status, r.body, ids, {}, "application/json; charset=utf-8");
        return;
      }
      if (faults.latencyMs > 0) await sleep(rng.lognormal(faults.latencyMs));
      const body = parseJson(buf);
      const result = await dispatcher.dispatch(
        { method, version: m[1].toLowerCase() as ApiVersion, path: m[2] ?? "/", query, headers, body, baseUrl: graphUrl },
        headers.authorization,
        ids,
        true,
      );
      if (result.reset) {
        req.socket.destroy();
        return;
      }
      send(res, result.status, result.body, ids, result.headers);
    } catch (e) {
      const err = e instanceof GraphError ? e : new GraphError(500, "generalException", (e as Error).message);
      if (!res.headersSent) send(res, err.status, errorBody(err, ids.requestId, ids.clientRequestId), ids, err.headers);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  graphUrl = `${tls ? "https" : "http"}://${urlHost}:${port}`;

  const sweeper = setInterval(() => {
    dir.applications.sweep();
    dir.servicePrincipals.sweep();
  }, 5000);
  sweeper.unref();

  let closed: Promise<void> | undefined;
  return {
    graphUrl,
    authorityHost: graphUrl,
    tenantId,
    clientId,
    clientSecret,
    caFile: tls?.caFile,
    adminUrl: `${graphUrl}/_emulator`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        runner.stopAll();
        stateFile?.flush();
        server.close(() => {
          tls?.dispose();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new GraphError(400, "BadRequest", `Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. (${(e as Error).message})`);
  }
}

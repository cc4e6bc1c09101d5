import { randomBytes, randomUUID } from "node:crypto";
import { ALL_ROLES } from "../auth";
import { GraphResponse } from "../context";
import { DirectoryAuditLog } from "../directory-audits";
import { asObject, badRequest, GraphError } from "../errors";
import { applyFaultPatch, FaultSettings } from "../faults";
import { Services } from "../services";
import { RequestStats } from "../stats";

/**
 * The emulator's own API under /_emulator (no Graph token; the leading underscore segment cannot be
 * a Graph path because Graph paths start with /v1.0 or /beta).
 *
 *   POST  /_emulator/reset     clear all tenant state (gallery, credentials and fault settings stay)
 *   GET   /_emulator/stats     request counters by method + route template + status
 *   GET   /_emulator/faults    current fault settings;  PATCH to change them at run time
 *   GET   /_emulator/state     summary of applications, service principals, jobs, secrets, deleted items,
 *                              users, groups (with members) and app role assignments per service principal
 *   POST  /_emulator/clients   register a client {clientId?, clientSecret?, roles?, displayName?} → 201 with the credentials
 *   POST  /_emulator/jobs/{jobId}/run-cycle   run one provisioning cycle now (tests, demos)
 *   POST  /_emulator/tokens    a delegated token for a seeded user {userPrincipalName | userId, clientId?, scopes?}
 *   GET   /_emulator/directoryAudits   directory audit settings; PATCH {latencyMs} to change them
 */
export interface AdminDeps {
  s: Services;
  stats: RequestStats;
  setFaults: (f: FaultSettings) => void;
  reset: () => void;
  audits?: DirectoryAuditLog;
  /** The emulator's own client (`clientId` of the connection details): the default for /tokens. */
  defaultClientId?: string;
}

const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * POST /_emulator/tokens: a delegated access token (emulator-defined; Entra issues these through a
 * user sign-in the emulator does not have). The client's consented permissions become the token's
 * `scp` unless `scopes` names a subset.
 */
function delegatedToken(s: Services, body: unknown, defaultClientId: string | undefined): GraphResponse {
  const b = body === undefined ? {} : asObject(body, "POST /_emulator/tokens");
  for (const k of Object.keys(b)) if (!["userPrincipalName", "userId", "clientId", "scopes"].includes(k)) throw badRequest(`Unknown property '${k}'. Known: userPrincipalName, userId, clientId, scopes.`);
  const key = typeof b.userPrincipalName === "string" ? b.userPrincipalName.toLowerCase() : typeof b.userId === "string" ? b.userId.toLowerCase() : undefined;
  if (!key) throw badRequest("'userPrincipalName' or 'userId' is required.");
  const user = [...s.dir.users.values()].find((u) => u.userPrincipalName.toLowerCase() === key || u.id.toLowerCase() === key);
  if (!user) throw new GraphError(404, "NotFound", `No user '${key}' in the directory (GET /_emulator/state lists them).`);
  const clientId = typeof b.clientId === "string" ? b.clientId : defaultClientId;
  const client = clientId === undefined ? undefined : s.auth.clients.get(clientId.toLowerCase());
  if (!client) throw new GraphError(404, "NotFound", `No client '${String(clientId)}'.`);
  if (b.scopes !== undefined && !stringList(b.scopes)) throw badRequest("'scopes' must be an array of permission names.");
  const scopes = b.scopes ?? client.roles;
  const missing = scopes.filter((x) => !client.roles.includes(x));
  if (missing.length) throw badRequest(`The client has not been granted ${missing.join(", ")}.`);
  return {
    status: 200,
    body: { token_type: "Bearer", scope: scopes.join(" "), expires_in: 3599, access_token: s.auth.issueDelegated(client, user, scopes) },
  };
}

export function handleAdmin(deps: AdminDeps, method: string, path: string, body: unknown): GraphResponse {
  const { s } = deps;
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "POST /_emulator/reset":
      deps.reset();
      return { status: 204 };
    case "GET /_emulator/stats":
      return { status: 200, body: deps.stats.toJSON() };
    case "GET /_emulator/faults":
      return { status: 200, body: s.faults };
    case "PATCH /_emulator/faults":
      deps.setFaults(applyFaultPatch(s.faults, asObject(body, "PATCH /_emulator/faults")));
      return { status: 200, body: s.faults };
    case "GET /_emulator/state":
      return { status: 200, body: { ...stateSummary(s), directoryAudits: { count: deps.audits?.size ?? 0 } } };
    case "POST /_emulator/clients": {
      const b = body === undefined ? {} : asObject(body, "POST /_emulator/clients");
      for (const k of Object.keys(b)) if (!["clientId", "clientSecret", "roles", "displayName"].includes(k)) throw badRequest(`Unknown property '${k}'. Known: clientId, clientSecret, roles, displayName.`);
      const roles = b.roles === undefined ? [...ALL_ROLES] : b.roles;
      if (!Array.isArray(roles) || roles.some((r) => typeof r !== "string")) throw badRequest("'roles' must be an array of permission names.");
      const reg = {
        clientId: typeof b.clientId === "string" ? b.clientId : randomUUID(),
        clientSecret: typeof b.clientSecret === "string" ? b.clientSecret : randomBytes(24).toString("base64url"),
        roles: roles as string[],
        ...(typeof b.displayName === "string" ? { displayName: b.displayName } : {}),
      };
      s.auth.register(reg);
      s.sync.onChange();
      return { status: 201, body: reg };
    }
    case "POST /_emulator/tokens":
      return delegatedToken(s, body, deps.defaultClientId);
    case "GET /_emulator/directoryAudits":
    case "PATCH /_emulator/directoryAudits": {
      const audits = deps.audits;
      if (!audits) throw new GraphError(404, "NotFound", "Directory audit logs are not enabled.");
      if (method === "PATCH") {
        const b = asObject(body, "PATCH /_emulator/directoryAudits");
        for (const k of Object.keys(b)) if (k !== "latencyMs") throw badRequest(`Unknown property '${k}'. Known: latencyMs.`);
        if (typeof b.latencyMs !== "number" || !Number.isFinite(b.latencyMs) || b.latencyMs < 0) throw badRequest("'latencyMs' must be a number ≥ 0.");
        audits.latencyMs = b.latencyMs;
      }
      return { status: 200, body: { latencyMs: audits.latencyMs, count: audits.size } };
    }
  }
  const cycle = /^POST \/_emulator\/jobs\/([^/]+)\/run-cycle$/.exec(route);
  if (cycle) {
    const job = [...s.sync.allJobs()].find((j) => j.id === decodeURIComponent(cycle[1]));
    if (!job) throw new GraphError(404, "ResourceNotFound", `No job '${cycle[1]}'.`);
    s.runner.runCycle(job);
    return { status: 204 };
  }
  throw new GraphError(404, "NotFound", `Unknown emulator admin endpoint ${method} ${path}.`);
}

function assignedPrincipals(s: Services, spId: string): string[] {
  const ids = s.dir.assignments.ofResource(spId).map((a) => a.principalId).filter((id) => s.dir.users.has(id) || s.dir.groups.has(id) || !!s.dir.servicePrincipals.primary(id));
  return [...new Set(ids)];
}

function stateSummary(s: Services): Record<string, unknown> {
  const apps = [...s.dir.applications.primaries()];
  const sps = [...s.dir.servicePrincipals.primaries()];
  const jobs = [...s.sync.allJobs()];
  const deleted = [...s.dir.deleted.values()];
  return {
    tenantId: s.tenantId,
    applications: { count: apps.length, ids: apps.map((a) => a.id) },
    servicePrincipals: { count: sps.length, ids: sps.map((sp) => sp.id) },
    jobs: {
      count: jobs.length,
      items: jobs.map((j) => ({ id: j.id, servicePrincipalId: j.servicePrincipalId, templateId: j.templateId, status: j.status.code, scheduleState: j.schedule.state, running: s.runner.isRunning(j) })),
    },
    secrets: { count: s.sync.secrets.size, items: [...s.sync.secrets].map(([spId, kv]) => ({ servicePrincipalId: spId, keys: kv.map((x) => x.key) })) },
    deletedItems: { count: deleted.length, items: deleted.map((d) => ({ id: d.data.id, type: d.type, displayName: d.data.displayName })) },
    users: { count: s.dir.users.size, ids: [...s.dir.users.keys()] },
    groups: {
      count: s.dir.groups.size,
      ids: [...s.dir.groups.keys()],
      items: [...s.dir.groups.values()].map((g) => ({ id: g.id, displayName: g.displayName, members: [...g.members] })),
    },
    // Per service principal: the ids of the users, groups and service principals assigned to it
    // (app role assignments; a new service principal has none).
    assignments: Object.fromEntries(sps.map((sp) => [sp.id, assignedPrincipals(s, sp.id)])),
    provisioningLogs: { count: [...s.sync.logs.values()].reduce((n, l) => n + l.length, 0) },
  };
}

import { randomBytes, randomUUID } from "node:crypto";
import { ALL_ROLES } from "../auth";
import { GraphResponse } from "../context";
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
 *   POST  /_emulator/clients   register a client {clientId?, clientSecret?, roles?} → 201 with the credentials
 *   POST  /_emulator/jobs/{jobId}/run-cycle   run one provisioning cycle now (tests, demos)
 */
export interface AdminDeps {
  s: Services;
  stats: RequestStats;
  setFaults: (f: FaultSettings) => void;
  reset: () => void;
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
      return { status: 200, body: stateSummary(s) };
    case "POST /_emulator/clients": {
      const b = body === undefined ? {} : asObject(body, "POST /_emulator/clients");
      for (const k of Object.keys(b)) if (!["clientId", "clientSecret", "roles"].includes(k)) throw badRequest(`Unknown property '${k}'. Known: clientId, clientSecret, roles.`);
      const roles = b.roles === undefined ? [...ALL_ROLES] : b.roles;
      if (!Array.isArray(roles) || roles.some((r) => typeof r !== "string")) throw badRequest("'roles' must be an array of permission names.");
      const reg = {
        clientId: typeof b.clientId === "string" ? b.clientId : randomUUID(),
        clientSecret: typeof b.clientSecret === "string" ? b.clientSecret : randomBytes(24).toString("base64url"),
        roles: roles as string[],
      };
      s.auth.register(reg);
      s.sync.onChange();
      return { status: 201, body: reg };
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

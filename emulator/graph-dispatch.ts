import { randomUUID } from "node:crypto";
import { AuthService, grantedPermissions } from "./auth";
import { GraphResponse, RequestContext } from "./context";
import { AuditRecorder, PendingAudit } from "./directory-audits";
import { drawFault, Fault, FAULT_ERRORS, takeFailure } from "./faults";
import { denied, errorBody, GraphError, syncNoRoute, syncUnauthorized, tooManyRequests, unauthenticated } from "./errors";
import { PRIMARY } from "./replication";
import { Router } from "./router";
import { Services } from "./services";
import { RequestStats } from "./stats";
import { resourceUnitCost, Throttler } from "./throttle";

/**
 * One Graph request through the emulator's pipeline, in the order a real front door applies it:
 * random fault (5xx / reset) → route lookup (501 if not implemented) → token (401) → permission
 * → random 429 → token-bucket throttling → handler. Errors become Graph error bodies here so
 * $batch can embed them. Every outcome is counted under its route template.
 *
 * Synchronization routes (/servicePrincipals/{id}/synchronization/…, /applications/{id}/synchronization/…)
 * are served by a separate backend and fail differently (sources in FIDELITY.md):
 * - a token without the permission the route needs gets 401 {"code":"UnknownError","message":""}
 *   (403 Authorization_RequestDenied only when it holds Synchronization.Read.All on a write route);
 * - a method the backend has no route for (PATCH on a job or a job schema, PATCH/DELETE on secrets…)
 *   gets 404 UnknownError whose message is the backend's "No HTTP resource was found…" JSON.
 * Elsewhere a missing permission is 403 Authorization_RequestDenied. A token whose only matching
 * permission is Application.ReadWrite.OwnedBy must own the object in the path (the emulator's
 * stand-in for ownership: the app that created it, `createdByAppId`).
 *
 * Permissions are the token's application permissions (`roles`) or, for a delegated token, its
 * `scp`; handlers see them as `ctx.claims.roles` either way. After the handler, a write the
 * directory accepted is recorded in the directory audit log (directory-audits.ts): the recorder
 * captures what it needs before the handler runs and writes the records from the outcome.
 */
const SYNC_ROUTE = /^\/(servicePrincipals|applications)\/\{id\}\/synchronization(\/|$)/;
const OWNED_BY = "Application.ReadWrite.OwnedBy";

/** The synchronization backend's own URI for a Graph path, as its routing-miss message quotes it. */
function backendUri(path: string, tenantId: string): string {
  const parts = path.split("/").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i];
    const next = parts[i + 1];
    if (next !== undefined && /^(servicePrincipals|applications|jobs|templates)$/i.test(seg)) {
      out.push(`${seg}('${seg.toLowerCase() === "jobs" ? `${next}.${tenantId}` : next}')`);
      i++;
    } else out.push(seg);
  }
  return `https://syncfabric.windowsazure.com/api/${out.join("/")}?api-version=2.0`;
}
export type BaseRequest = Omit<RequestContext, "params" | "claims" | "replica">;

export interface DispatchResult extends GraphResponse {
  template: string;
  reset?: boolean;
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

const UNMATCHED = "(not implemented)";

export class GraphDispatcher {
  constructor(
    private readonly router: Router,
    private readonly s: Services,
    private readonly auth: AuthService,
    private readonly throttler: Throttler,
    private readonly stats: RequestStats,
    private readonly audits?: AuditRecorder,
  ) {}

  private owns(appId: string, template: string, params: Record<string, string>): boolean {
    return ownerCheck(this.s, appId, template, params);
  }

  async dispatch(base: BaseRequest, authorization: string | undefined, ids: RequestIds, allowFaults: boolean): Promise<DispatchResult> {
    const match = this.router.match(base.method, base.path);
    const template = match.kind === "ok" ? match.route.template : match.kind === "method" && SYNC_ROUTE.test(match.template) ? match.template : UNMATCHED;
    const result = await this.run(base, authorization, ids, allowFaults, match);
    this.stats.record(base.method, template, result.reset ? 0 : result.status);
    return { ...result, template };
  }

  private async run(base: BaseRequest, authorization: string | undefined, ids: RequestIds, allowFaults: boolean, match: ReturnType<Router["match"]>): Promise<GraphResponse & { reset?: boolean }> {
    const extraHeaders: Record<string, string> = {};
    let audit: PendingAudit | undefined;
    try {
      const fault: Fault | undefined = allowFaults ? drawFault(this.s.rng, this.s.faults.faultRate) : undefined;
      if (fault?.kind === "reset") return { status: 0, reset: true };
      if (fault) {
        const [code, message] = FAULT_ERRORS[fault.status];
        throw new GraphError(fault.status, code, message, fault.status === 503 ? { "Retry-After": "1" } : {});
      }
      if (match.kind === "method" && SYNC_ROUTE.test(match.template)) {
        const claims = this.auth.verify(authorization);
        if (typeof claims === "string") throw unauthenticated(claims);
        throw syncNoRoute(backendUri(base.path, this.s.tenantId));
      }
      if (match.kind !== "ok") {
        throw new GraphError(501, "NotImplemented",
          `The Microsoft Graph emulator does not implement ${base.method} /${base.version}${base.path}. ` +
          "See emulator/README.md for the supported endpoints.");
      }
      const injected = takeFailure(this.s.faults, base.method, match.route.template);
      if (injected) throw new GraphError(...injected);
      const claims = this.auth.verify(authorization);
      if (typeof claims === "string") throw unauthenticated(claims);
      const route = match.route;
      if (route.permission !== "anyToken") {
        const roles = grantedPermissions(claims);
        const held = route.permission.filter((p) => roles.includes(p));
        const sync = SYNC_ROUTE.test(route.template);
        if (held.length === 0) {
          if (sync && !(base.method !== "GET" && roles.includes("Synchronization.Read.All"))) throw syncUnauthorized();
          throw denied();
        }
        if (held.every((p) => p === OWNED_BY) && !this.owns(claims.appid, route.template, match.params)) {
          throw sync ? syncUnauthorized() : denied();
        }
      }
      if (this.s.rng.chance(this.s.faults.throttleRate)) throw tooManyRequests(1 + this.s.rng.int(3));
      const decision = this.throttler.check({
        appId: claims.appid,
        tenantId: claims.tid,
        cost: resourceUnitCost(base.method, route.template, base.query),
        write: base.method !== "GET",
        identity: route.identity === true,
      });
      Object.assign(extraHeaders, decision.headers);
      if (decision.retryAfter) throw tooManyRequests(decision.retryAfter, decision.headers);
      const ctx: RequestContext = { ...base, params: match.params, claims: { ...claims, roles: grantedPermissions(claims) }, replica: this.s.dir.replication.pickReplica() };
      audit = this.audits?.prepare(ctx, route.template, ids.clientRequestId);
      const res = await route.handler(ctx);
      audit?.commit(res.status, res.body);
      return { ...res, headers: { ...extraHeaders, ...res.headers } };
    } catch (e) {
      const err = e instanceof GraphError ? e : new GraphError(500, "generalException", `Unexpected emulator error: ${(e as Error).message}`);
      // A failed write is not audited, except where the directory changed anyway (instantiate's 404 fault).
      audit?.commit(err.status);
      if (!(e instanceof GraphError)) console.error("graph emulator: handler failed", e);
      return { status: err.status, body: errorBody(err, ids.requestId, ids.clientRequestId), headers: { ...extraHeaders, ...err.headers } };
    }
  }
}

/**
 * Whether `appId` owns the application or service principal the path names (Application.ReadWrite.OwnedBy).
 * Paths that name neither, or an object that does not exist (the handler answers 404), pass.
 */
function ownerCheck(s: Services, appId: string, template: string, params: Record<string, string>): boolean {
  const type = /^\/servicePrincipals[/(]/.test(template) ? "servicePrincipal" : /^\/applications[/(]/.test(template) ? "application" : undefined;
  if (!type || (params.id === undefined && params.appId === undefined)) return true;
  const entity = s.dir.find(type, params.id !== undefined ? { id: params.id } : { appId: params.appId }, PRIMARY);
  if (!entity) return true;
  return String(entity.createdByAppId ?? "").toLowerCase() === appId.toLowerCase();
}

export function newRequestIds(clientRequestId: string | undefined): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: clientRequestId ?? requestId };
}

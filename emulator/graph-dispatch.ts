import { randomUUID } from "node:crypto";
import { AuthService } from "./auth";
import { GraphResponse, RequestContext } from "./context";
import { drawFault, Fault, FAULT_ERRORS, takeFailure } from "./faults";
import { denied, errorBody, GraphError, tooManyRequests, unauthenticated } from "./errors";
import { Router } from "./router";
import { Services } from "./services";
import { RequestStats } from "./stats";
import { resourceUnitCost, Throttler } from "./throttle";

/**
 * One Graph request through the emulator's pipeline, in the order a real front door applies it:
 * random fault (5xx / reset) → route lookup (501 if not implemented) → token (401) → permission
 * (403) → random 429 → token-bucket throttling → handler. Errors become Graph error bodies here so
 * $batch can embed them. Every outcome is counted under its route template.
 */
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
  ) {}

  async dispatch(base: BaseRequest, authorization: string | undefined, ids: RequestIds, allowFaults: boolean): Promise<DispatchResult> {
    const match = this.router.match(base.method, base.path);
    const template = match.kind === "ok" ? match.route.template : UNMATCHED;
    const result = await this.run(base, authorization, ids, allowFaults, match);
    this.stats.record(base.method, template, result.reset ? 0 : result.status);
    return { ...result, template };
  }

  private async run(base: BaseRequest, authorization: string | undefined, ids: RequestIds, allowFaults: boolean, match: ReturnType<Router["match"]>): Promise<GraphResponse & { reset?: boolean }> {
    const extraHeaders: Record<string, string> = {};
    try {
      const fault: Fault | undefined = allowFaults ? drawFault(this.s.rng, this.s.faults.faultRate) : undefined;
      if (fault?.kind === "reset") return { status: 0, reset: true };
      if (fault) {
        const [code, message] = FAULT_ERRORS[fault.status];
        throw new GraphError(fault.status, code, message, fault.status === 503 ? { "Retry-After": "1" } : {});
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
      if (route.permission !== "anyToken" && !route.permission.some((p) => claims.roles?.includes(p))) throw denied();
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
      const ctx: RequestContext = { ...base, params: match.params, claims, replica: this.s.dir.replication.pickReplica() };
      const res = await route.handler(ctx);
      return { ...res, headers: { ...extraHeaders, ...res.headers } };
    } catch (e) {
      const err = e instanceof GraphError ? e : new GraphError(500, "generalException", `Unexpected emulator error: ${(e as Error).message}`);
      if (!(e instanceof GraphError)) console.error("graph emulator: handler failed", e);
      return { status: err.status, body: errorBody(err, ids.requestId, ids.clientRequestId), headers: { ...extraHeaders, ...err.headers } };
    }
  }
}

export function newRequestIds(clientRequestId: string | undefined): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: clientRequestId ?? requestId };
}

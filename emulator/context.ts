import { ApiVersion } from "./entities";

/** What a Graph route handler sees; built by the server, or by $batch for each batched request. */
export interface TokenClaims {
  appid: string;
  tid: string;
  roles: string[];
  exp: number;
}

export interface RequestContext {
  method: string;
  version: ApiVersion;
  /** Path below the version root, e.g. "/applications/3f…" (no query string). */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
  params: Record<string, string>;
  /** Directory replica this request reads from (replication.ts). */
  replica: number;
  claims: TokenClaims;
  /** graphUrl, used to build @odata.context and @odata.nextLink. */
  baseUrl: string;
}

export interface GraphResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => GraphResponse | Promise<GraphResponse>;

/** Application permissions (roles claim); a route is allowed when the token holds any of them. */
export type Permission = readonly string[] | "anyToken";

export const ok = (body: unknown, headers?: Record<string, string>): GraphResponse => ({ status: 200, body, headers });
export const created = (body: unknown): GraphResponse => ({ status: 201, body });
export const noContent = (): GraphResponse => ({ status: 204 });

export function odataContext(ctx: RequestContext, fragment: string): string {
  return `${ctx.baseUrl}/${ctx.version}/$metadata#${fragment}`;
}

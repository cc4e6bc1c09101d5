import { AuthService } from "../auth";

/**
 * Non-Graph paths: the token endpoint and the metadata MSAL fetches before requesting a token.
 * MSAL (used by @azure/identity) reads `/{tenant}/v2.0/.well-known/openid-configuration`; with
 * instance discovery left on it also calls `/common/discovery/instance`.
 */
export interface IdentityResult {
  status: number;
  body: unknown;
  template: string;
}

export function handleIdentity(auth: AuthService, authorityHost: string, method: string, path: string, body: Buffer): IdentityResult {
  const parts = path.split("/").filter(Boolean);
  const tenant = parts[0] ?? "";
  const rest = parts.slice(1).join("/").toLowerCase();
  if (method === "POST" && rest === "oauth2/v2.0/token") {
    const r = auth.token(tenant, new URLSearchParams(body.toString("utf8")), authorityHost);
    return { ...r, template: "/{tenant}/oauth2/v2.0/token" };
  }
  if (method === "GET" && (rest === "v2.0/.well-known/openid-configuration" || rest === ".well-known/openid-configuration")) {
    return { status: 200, body: auth.openidConfiguration(authorityHost, tenant), template: `/{tenant}/${rest}` };
  }
  if (method === "GET" && rest === "discovery/instance") {
    return { status: 200, body: auth.instanceDiscovery(authorityHost), template: "/{tenant}/discovery/instance" };
  }
  if (method === "GET" && rest === "discovery/v2.0/keys") {
    return { status: 200, body: { keys: [] }, template: "/{tenant}/discovery/v2.0/keys" };
  }
  return {
    status: 501,
    body: { error: "not_implemented", error_description: `The Graph emulator does not implement ${method} ${path}. Graph paths start with /v1.0 or /beta.` },
    template: "(not implemented)",
  };
}

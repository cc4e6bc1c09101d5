import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { TokenClaims } from "./context";

/**
 * Microsoft identity platform stand-in: the OAuth2 client-credentials token endpoint plus the
 * OpenID metadata MSAL reads before it asks for a token. Tokens are JWT-shaped (header.payload.sig)
 * and HMAC-SHA256 signed with a per-instance key, so Graph routes can tell that this emulator
 * issued them. The claims mirror Entra app-only tokens (`roles`, `appid`, `tid`, `idtyp`); delegated
 * tokens for a seeded user (`scp`, `oid`, `upn`) come from the admin API, not from a sign-in flow.
 */
export const ALL_ROLES = [
  "Application.ReadWrite.All",
  "Application.ReadWrite.OwnedBy",
  "Directory.Read.All",
  "Synchronization.ReadWrite.All",
  "AuditLog.Read.All",
  "User.Read.All",
  "Group.Read.All",
  // Assign users and groups to an app (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
  "AppRoleAssignment.ReadWrite.All",
] as const;

export const GRAPH_RESOURCE = "https://graph.microsoft.com";
const TOKEN_LIFETIME_S = 3599;

export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  roles: string[];
  /** The app's display name (`app_displayname` claim; directory audits show it as the initiating app). */
  displayName?: string;
}

/** Name of a registered client that was given none (emulator-defined). */
export const DEFAULT_CLIENT_NAME = "Graph emulator client";

/**
 * Claims beyond {@link TokenClaims} that the emulator's tokens carry. App-only tokens: `idtyp` "app",
 * `oid` (the client's service principal; the emulator uses the client id), `roles`. Delegated (user)
 * tokens, issued by the emulator-defined `POST /_emulator/tokens`: `idtyp` "user", `oid` (the user's
 * object id), `upn`, `name`, `scp` (space-separated delegated permissions) and no `roles`
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
 */
export interface IdentityClaims extends TokenClaims {
  idtyp?: string;
  oid?: string;
  upn?: string;
  unique_name?: string;
  name?: string;
  scp?: string;
  app_displayname?: string;
}

/** The permissions a token grants: application permissions (`roles`) or delegated ones (`scp`). */
export function grantedPermissions(claims: TokenClaims): string[] {
  const c = claims as IdentityClaims;
  if (Array.isArray(c.roles)) return c.roles;
  return typeof c.scp === "string" ? c.scp.split(" ").filter(Boolean) : [];
}

/** Whether the token was issued for a signed-in user (delegated) rather than for the app alone. */
export function isDelegated(claims: TokenClaims): boolean {
  return (claims as IdentityClaims).idtyp === "user";
}

export interface DelegatedUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

export interface TokenResult {
  status: number;
  body: Record<string, unknown>;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

export class AuthService {
  readonly clients = new Map<string, ClientRegistration>();
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    readonly tenantId: string,
    private readonly key: Buffer = randomBytes(32),
  ) {}

  get signingKey(): Buffer {
    return this.key;
  }

  register(reg: ClientRegistration): void {
    this.clients.set(reg.clientId.toLowerCase(), reg);
  }

  /** AADSTS-style error body, as login.microsoftonline.com sends it. */
  private aadError(status: number, error: string, code: number, description: string): TokenResult {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
    };
  }

  /** POST /{tenant}/oauth2/v2.0/token with a form body. */
  token(tenant: string, form: URLSearchParams, graphUrl: string): TokenResult {
    if (tenant.toLowerCase() !== this.tenantId.toLowerCase()) {
      return this.aadError(400, "invalid_tenant", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return this.aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type. Only 'client_credentials' is supported by the emulator.");
    }
    const clientId = form.get("client_id") ?? "";
    const client = this.clients.get(clientId.toLowerCase());
    if (!client) {
      return this.aadError(400, "unauthorized_client", 700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`);
    }
    const secret = form.get("client_secret");
    if (secret === null) {
      return this.aadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const a = Buffer.from(secret);
    const b = Buffer.from(client.clientSecret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      return this.aadError(401, "invalid_client", 7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`);
    }
    const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const accepted = new Set([`${GRAPH_RESOURCE}/.default`, `${GRAPH_RESOURCE}//.default`, `${graphUrl}/.default`, "00000003-0000-0000-c000-000000000000/.default"]);
    if (scopes.length === 0 || !scopes.every((s) => accepted.has(s) || s === "openid" || s === "profile" || s === "offline_access")) {
      return this.aadError(400, "invalid_scope", 1002012,
        `The provided value for scope ${scopes.join(" ")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_S,
        ext_expires_in: TOKEN_LIFETIME_S,
        access_token: this.issue(client),
      },
    };
  }

  /** Claims every token carries: audience, issuer, lifetime and the calling app. */
  private commonClaims(client: ClientRegistration, lifetimeS: number) {
    const now = Math.floor(Date.now() / 1000);
    return {
      aud: GRAPH_RESOURCE,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + lifetimeS,
      app_displayname: client.displayName ?? DEFAULT_CLIENT_NAME,
      appid: client.clientId,
      appidacr: "1",
    };
  }

  issue(client: ClientRegistration, lifetimeS = TOKEN_LIFETIME_S): string {
    return this.sign({
      ...this.commonClaims(client, lifetimeS),
      idtyp: "app",
      oid: client.clientId,
      roles: client.roles,
      sub: client.clientId,
      tid: this.tenantId,
      uti: randomUUID(),
      ver: "1.0",
    });
  }

  /**
   * A delegated token: `client` acting for `user` with the delegated permissions `scopes` (`scp`).
   * Emulator-defined way to get one (no interactive sign-in): `POST /_emulator/tokens`.
   */
  issueDelegated(client: ClientRegistration, user: DelegatedUser, scopes: string[], lifetimeS = TOKEN_LIFETIME_S): string {
    return this.sign({
      ...this.commonClaims(client, lifetimeS),
      idtyp: "user",
      name: user.displayName,
      oid: user.id,
      scp: scopes.join(" "),
      sub: user.id,
      tid: this.tenantId,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomUUID(),
      ver: "1.0",
    });
  }

  private sign(payload: Record<string, unknown>): string {
    const header = { typ: "JWT", alg: "HS256", kid: "graph-emulator" };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = createHmac("sha256", this.key).update(unsigned).digest("base64url");
    return `${unsigned}.${sig}`;
  }

  /** Returns the claims, or an error message for a 401. Verified tokens are cached (hot path). */
  verify(authorization: string | undefined): TokenClaims | string {
    if (!authorization) return "Access token is empty.";
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!m) return "Access token is empty.";
    const token = m[1];
    let claims = this.verified.get(token);
    if (!claims) {
      const parts = token.split(".");
      if (parts.length !== 3) return "IDX14100: JWT is not well formed, there are no dots (.).";
      const expected = createHmac("sha256", this.key).update(`${parts[0]}.${parts[1]}`).digest();
      const given = Buffer.from(parts[2], "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "Access token validation failure. Invalid signature.";
      try {
        claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenClaims;
      } catch {
        return "Access token validation failure. Invalid token payload.";
      }
      if (claims.tid !== this.tenantId) return "Access token validation failure. Invalid audience or tenant.";
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(token, claims);
    }
    if (claims.exp * 1000 <= Date.now()) return "Lifetime validation failed, the token is expired.";
    return claims;
  }

  /** OpenID configuration for /{tenant}/v2.0/.well-known/openid-configuration. */
  openidConfiguration(authorityHost: string, tenant: string): Record<string, unknown> {
    const base = `${authorityHost}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${authorityHost}/${tenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${authorityHost}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "tid", "ver", "oid", "roles"],
      tenant_region_scope: "EU",
      cloud_instance_name: new URL(authorityHost).host,
      cloud_graph_host_name: new URL(authorityHost).host,
      msgraph_host: new URL(authorityHost).host,
    };
  }

  /** /common/discovery/instance, in case a caller does not disable instance discovery. */
  instanceDiscovery(authorityHost: string): Record<string, unknown> {
    const host = new URL(authorityHost).host;
    return {
      tenant_discovery_endpoint: `${authorityHost}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }
}

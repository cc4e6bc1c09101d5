import type { MockAgent } from "undici";

export const AUTHORITY = "https://login.test";
export const TENANT = "00000000-0000-0000-0000-0000000000aa";
export const CLIENT = "00000000-0000-0000-0000-0000000000bb";

/** Scripts an Entra authority on a MockAgent: OpenID metadata plus the given token responses in order. */
export function mockAuthority(
  agent: MockAgent,
  tokenReplies: Array<{ status: number; body: object }>,
  onTokenRequest?: (body: string) => void,
): void {
  const pool = agent.get(AUTHORITY);
  const metadata = {
    token_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/token`,
    authorization_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/authorize`,
    issuer: `${AUTHORITY}/${TENANT}/v2.0`,
    jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys`,
    end_session_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/logout`,
  };
  pool
    .intercept({ path: (p) => p.startsWith(`/${TENANT}/v2.0/.well-known/openid-configuration`), method: "GET" })
    .reply(200, metadata, { headers: { "content-type": "application/json" } })
    .persist();
  for (const reply of tokenReplies) {
    pool
      .intercept({ path: (p) => p.startsWith(`/${TENANT}/oauth2/v2.0/token`), method: "POST" })
      .reply(reply.status, (opts) => {
        onTokenRequest?.(String(opts.body));
        return reply.body;
      }, { headers: { "content-type": "application/json" } });
  }
}

export function tokenBody(token: string, expiresIn = 3600): object {
  return { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
}

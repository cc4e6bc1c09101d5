import { readFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { ClientSecretCredential } from "@azure/identity";
import { Agent, request } from "undici";
import { EmulatorOptions, RunningEmulator, startEmulator } from "../../emulator";

/**
 * Test harness: an emulator on port 0 plus a tiny Graph client. HTTPS trust: undici gets the CA
 * through `connect.ca`; @azure/identity gets it through its pipeline `agent` option (a
 * node:https Agent with `ca`), which core-rest-pipeline's agentPolicy applies to MSAL's token
 * requests. Spawning a child process with NODE_EXTRA_CA_CERTS=caFile also works, but is slower.
 */
export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
  emu: RunningEmulator;
  token: string;
  dispatcher: Agent;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  admin(method: string, path: string, body?: unknown): Promise<Res>;
  tokenFor(clientId: string, clientSecret: string): Promise<string>;
  close(): Promise<void>;
}

export function credential(emu: RunningEmulator, clientId = emu.clientId, secret = emu.clientSecret): ClientSecretCredential {
  const ca = emu.caFile ? readFileSync(emu.caFile, "utf8") : undefined;
  return new ClientSecretCredential(emu.tenantId, clientId, secret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
    agent: new HttpsAgent({ ca, keepAlive: true }),
    retryOptions: { maxRetries: 0 },
  });
}

export async function raw(dispatcher: Agent, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const hasBody = body !== undefined;
  const r = await request(url, {
    method: method as "GET",
    dispatcher,
    headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...headers },
    body: hasBody ? (typeof body === "string" ? body : JSON.stringify(body)) : undefined,
  });
  const text = await r.body.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: r.statusCode, headers: r.headers, body: parsed };
}

export async function harness(options: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startEmulator({ seed: 42, cycleIntervalMs: 60, ...options });
  const ca = emu.caFile ? readFileSync(emu.caFile, "utf8") : undefined;
  const dispatcher = new Agent({ connect: ca ? { ca } : {} });
  const tokenFor = async (clientId: string, clientSecret: string): Promise<string> => {
    const r = await raw(dispatcher, "POST", `${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`,
      new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: "https://graph.microsoft.com/.default" }).toString(),
      { "content-type": "application/x-www-form-urlencoded" });
    if (r.status !== 200) throw new Error(`token failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.access_token as string;
  };
  const token = await tokenFor(emu.clientId, emu.clientSecret);
  return {
    emu,
    token,
    dispatcher,
    tokenFor,
    call: (method, path, body, headers = {}) =>
      raw(dispatcher, method, `${emu.graphUrl}${path.startsWith("/v1.0") || path.startsWith("/beta") ? "" : "/v1.0"}${path}`, body, { authorization: `Bearer ${token}`, ...headers }),
    admin: (method, path, body) => raw(dispatcher, method, `${emu.adminUrl}${path}`, body),
    close: async () => {
      await emu.close();
      await dispatcher.close();
    },
  };
}

export const AWS_TEMPLATE = "8b1025e4-1dd2-430b-a150-2ef79cd700f5";
export const CUSTOM = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

/** Instantiates a gallery app and returns its ids. */
export async function instantiate(h: Harness, templateId = CUSTOM, displayName = "Test App"): Promise<{ appObjectId: string; appId: string; spId: string }> {
  const r = await h.call("POST", `/applicationTemplates/${templateId}/instantiate`, { displayName });
  if (r.status !== 201) throw new Error(`instantiate failed ${r.status} ${JSON.stringify(r.body)}`);
  return { appObjectId: r.body.application.id, appId: r.body.application.appId, spId: r.body.servicePrincipal.id };
}

export async function createJob(h: Harness, spId: string, templateId = "scim"): Promise<string> {
  const r = await h.call("POST", `/servicePrincipals/${spId}/synchronization/jobs`, { templateId });
  if (r.status !== 201) throw new Error(`job create failed ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A secrets set as Graph keeps it: the credentials plus SyncAll and SyncNotificationSettings, without
 * which Graph drops the PUT while answering 204 (emulator/FIDELITY.md, "Secrets").
 */
export function secretsSet(credentials: { key: string; value: string }[], settings: { syncAll?: boolean; notifications?: Record<string, unknown>; skipOutOfScopeDeletions?: boolean } = {}): { value: { key: string; value: string }[] } {
  const value = [
    ...credentials,
    { key: "SyncAll", value: settings.syncAll ? "true" : "false" },
    { key: "SyncNotificationSettings", value: JSON.stringify(settings.notifications ?? { Enabled: false, DeleteThresholdEnabled: false }) },
  ];
  if (settings.skipOutOfScopeDeletions !== undefined) value.push({ key: "SkipOutOfScopeDeletions", value: settings.skipOutOfScopeDeletions ? "True" : "False" });
  return { value };
}

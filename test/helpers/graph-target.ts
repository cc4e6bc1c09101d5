// Where the tenant-facing end-to-end tests run: the emulator (default, and CI), or a real tenant
// when ENTRA_LIVE_TEST=1 (README "Testing against a real tenant"). Both give the test the same
// things: stack config for the provider, a Graph caller for out-of-band changes, the SCIM
// endpoint and token the connector validates against, and a sweep that removes whatever a run
// created, found by the marker tag every GalleryApplication puts on its service principal.
import { DefaultAzureCredential } from "@azure/identity";
import { request } from "undici";
import { harness, type Harness, type Res } from "../emulator/helpers";
import { emulatorConfig } from "./pulumi";

export const LIVE = process.env.ENTRA_LIVE_TEST === "1";

export interface GraphTarget {
  live: boolean;
  /** Stack config that points the provider at this target (secrets stay in the environment when live). */
  config: Record<string, { value: string; secret?: boolean }>;
  /** A Graph request as the test's identity, relative to /v1.0. */
  call(method: string, path: string, body?: unknown): Promise<Res>;
  /** A SCIM endpoint and a token it accepts; `rejectedToken` is one it refuses. */
  scim: { baseAddress: string; token: string; rejectedToken: string };
  /** Deletes every application whose service principal carries a marker tag starting with `markerPrefix`. */
  sweep(markerPrefix: string): Promise<number>;
  close(): Promise<void>;
  /** The emulator behind this target (undefined when live). */
  emulator?: Harness;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`ENTRA_LIVE_TEST=1 needs ${name} (see README "Testing against a real tenant").`);
  return value;
}

async function sweepWith(call: GraphTarget["call"], markerPrefix: string): Promise<number> {
  const filter = `tags/any(t:startswith(t,'${markerPrefix.replace(/'/g, "''")}'))`;
  const found = await call("GET", `/servicePrincipals?$filter=${encodeURIComponent(filter)}&$select=id,appId`);
  const sps = (found.body?.value ?? []) as { id: string; appId: string }[];
  for (const sp of sps) {
    const app = await call("GET", `/applications(appId='${sp.appId}')?$select=id`);
    if (app.status === 200) await call("DELETE", `/applications/${app.body.id}`);
  }
  return sps.length;
}

export async function openTarget(emulatorOptions: Parameters<typeof harness>[0] = {}): Promise<GraphTarget> {
  if (!LIVE) {
    const h = await harness(emulatorOptions);
    const call: GraphTarget["call"] = (method, path, body) => h.call(method, path, body);
    return {
      live: false,
      config: emulatorConfig(h.emu),
      call,
      // The emulator's convention: any token is accepted, one starting with "invalid-" is refused.
      scim: { baseAddress: "https://scim.example.com/v2", token: "scim-token-target", rejectedToken: "invalid-token-target" },
      sweep: (prefix) => sweepWith(call, prefix),
      close: () => h.close(),
      emulator: h,
    };
  }
  const tenantId = required("AZURE_TENANT_ID");
  const clientId = required("AZURE_CLIENT_ID");
  const graphOrigin = (process.env.ENTRA_GRAPH_ENDPOINT ?? "https://graph.microsoft.com").replace(/\/(v1\.0|beta)\/?$/, "");
  // Client secret, certificate or workload identity: whatever the environment provides.
  const credential = new DefaultAzureCredential();
  const call: GraphTarget["call"] = async (method, path, body) => {
    const token = await credential.getToken(`${graphOrigin}/.default`);
    const res = await request(`${graphOrigin}/v1.0${path}`, {
      method: method as "GET",
      headers: {
        authorization: `Bearer ${token.token}`,
        ConsistencyLevel: "eventual",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    live: true,
    config: {
      "entra:tenantId": { value: tenantId },
      "entra:clientId": { value: clientId },
      ...(process.env.ENTRA_GRAPH_ENDPOINT ? { "entra:graphEndpoint": { value: graphOrigin } } : {}),
    },
    call,
    scim: {
      baseAddress: required("ENTRA_LIVE_SCIM_BASE_ADDRESS"),
      token: required("ENTRA_LIVE_SCIM_TOKEN"),
      rejectedToken: `invalid-${Date.now()}`,
    },
    sweep: (prefix) => sweepWith(call, prefix),
    close: async () => {},
  };
}

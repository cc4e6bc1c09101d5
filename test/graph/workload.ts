/**
 * A mixed Graph workload run through one GraphClient against the emulator, used by the emulator test (small,
 * faults on) and by bench/graph-workload.ts (larger, faults off and on). Each "app" is 10 operations done the
 * way the resources will do them, plus a delete for every other app (so 10.5 per app on average):
 *   instantiate → read application → read service principal → PATCH application → read until the PATCH shows →
 *   list sync templates → create job → PUT secrets → GET job → GET secrets → [delete job + application].
 * Creating POSTs go through createOnce so an uncertain failure never creates a duplicate; everything that
 * touches a just-created object uses consistency retries.
 */
import { request } from "undici";
import { providerConfigValues, type EmulatorEndpoints } from "../../emulator/provider-config";
import {
  createOnce,
  endpoints,
  GraphClient,
  isGraphError,
  loadGraphSettings,
  sharedDispatcher,
  waitFor,
  type GraphCountersSnapshot,
  type GraphSettings,
} from "../../provider/graph";

export type EmulatorHandle = EmulatorEndpoints & { adminUrl: string };

export interface WorkloadOptions {
  /** Applications to drive through the lifecycle; 10 operations each. */
  apps: number;
  /** Lifecycles run at once (the engine runs 4×CPU resource operations at once). */
  parallel: number;
  /** Gallery template with a SCIM-style provisioning connector. */
  applicationTemplateId: string;
  /** Prefix of display names, unique per run. */
  prefix: string;
  /** How long createOnce looks for an object an uncertain create may have made. */
  settleMs?: number;
}

export interface WorkloadResult {
  operations: number;
  errors: string[];
  elapsedMs: number;
  kept: Array<{ appObjectId: string; spId: string; jobId: string }>;
  deleted: number;
  counters: GraphCountersSnapshot;
}

interface Application {
  id: string;
  appId: string;
  displayName: string;
  notes?: string | null;
}
interface ServicePrincipal {
  id: string;
  appId: string;
}
interface Job {
  id: string;
  templateId: string;
}

/** The provider's settings for `emu` (its providerConfig), with `extra` config on top. */
export function emulatorSettings(emu: EmulatorEndpoints, extra: Record<string, string> = {}): GraphSettings {
  return loadGraphSettings({ ...providerConfigValues(emu), ...extra }, {});
}

/** GET/PATCH on the emulator's admin API (no token), over the same trusted transport. */
export async function admin<T>(settings: GraphSettings, emu: EmulatorHandle, method: "GET" | "PATCH" | "POST", route: string, body?: unknown): Promise<T> {
  const res = await request(`${emu.adminUrl}${route}`, {
    method,
    dispatcher: sharedDispatcher(settings),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`admin ${method} ${route}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function runWorkload(client: GraphClient, options: WorkloadOptions): Promise<WorkloadResult> {
  const started = Date.now();
  const errors: string[] = [];
  const kept: WorkloadResult["kept"] = [];
  let operations = 0;
  let deleted = 0;
  // `name` documents each step at the call site; only the count is recorded.
  const op = async <T>(_name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } finally {
      operations++;
    }
  };

  const lifecycle = async (i: number): Promise<void> => {
    const displayName = `${options.prefix}-${i}`;
    const findApp = async (): Promise<{ application: Application; servicePrincipal: ServicePrincipal } | undefined> => {
      const apps = await client.list<Application>({
        endpoint: endpoints.applications,
        query: { $filter: `displayName eq '${displayName}'` },
      });
      if (apps.length === 0) return undefined;
      const sp = await client.get<ServicePrincipal>({
        endpoint: endpoints.servicePrincipalByAppId,
        params: { appId: apps[0].appId },
        consistency: "retry-not-found",
      });
      return { application: apps[0], servicePrincipal: sp.body };
    };

    // 1. instantiate, without ever creating a duplicate
    const pair = await op("instantiate", () =>
      createOnce({
        create: async () =>
          (
            await client.post<{ application: Application; servicePrincipal: ServicePrincipal }>({
              endpoint: endpoints.instantiate,
              params: { templateId: options.applicationTemplateId },
              body: { displayName },
            })
          ).body,
        find: findApp,
        isUncertain: (e) => e.mayHaveSucceeded || e.code === "GRAPH_NOT_FOUND",
        settleMs: options.settleMs,
      }),
    );
    const appObjectId = pair.application.id;
    const spId = pair.servicePrincipal.id;

    // 2-3. read back immediately
    await op("get application", () => client.get<Application>({ endpoint: endpoints.application, params: { appObjectId }, consistency: "retry-not-found" }));
    await op("get service principal", () => client.get<ServicePrincipal>({ endpoint: endpoints.servicePrincipal, params: { spId }, consistency: "retry-not-found" }));

    // 4. PATCH, then read until the change is visible (replicas may serve the old version for a while)
    const notes = `managed by ${options.prefix} #${i}`;
    await op("patch application", () =>
      client.patch({ endpoint: endpoints.application, params: { appObjectId }, body: { notes }, consistency: "retry-not-found" }),
    );
    await op("read back patch", () => waitFor(
      async () => {
        const res = await client.get<Application>({ endpoint: endpoints.application, params: { appObjectId }, query: { $select: "id,notes" }, consistency: "retry-not-found" });
        return res.body.notes === notes ? true : undefined;
      },
      { timeoutMs: client.settings.operationTimeoutMs, description: `application ${appObjectId} to show the PATCH` },
    ));

    // 5. which synchronization template the connector offers
    const templates = await op("list sync templates", () =>
      client.list<{ id: string }>({ endpoint: endpoints.syncTemplates, params: { spId }, consistency: "retry-not-found" }),
    );
    const templateId = templates[0]?.id;
    if (!templateId) throw new Error(`no synchronization template for ${displayName}`);

    // 6-9. job, secrets, read-backs — serialized per service principal like the resources do
    const job = await client.serializeBy(spId, async () => {
      const created = await op("create job", () =>
        createOnce({
          create: async () =>
            (await client.post<Job>({ endpoint: endpoints.jobs, params: { spId }, body: { templateId }, consistency: "retry-not-found" })).body,
          find: async () =>
            (await client.list<Job>({ endpoint: endpoints.jobs, params: { spId }, consistency: "retry-not-found" })).find((j) => j.templateId === templateId),
          settleMs: options.settleMs,
        }),
      );
      await op("put secrets", () =>
        client.put({
          endpoint: endpoints.secrets,
          params: { spId },
          body: {
            value: [
              { key: "BaseAddress", value: `https://scim.example.test/${i}` },
              { key: "SecretToken", value: `scim-token-${options.prefix}-${i}` },
            ],
          },
          consistency: "retry-not-found",
        }),
      );
      return created;
    });
    await op("get job", () => client.get<Job>({ endpoint: endpoints.job, params: { spId, jobId: job.id }, consistency: "retry-not-found" }));
    await op("get secrets", () => client.get({ endpoint: endpoints.secrets, params: { spId }, consistency: "retry-not-found" }));

    // 10. delete half of them (job, then application); keep the rest to count afterwards
    if (i % 2 === 0) {
      await op("delete", async () => {
        await client.delete({ endpoint: endpoints.job, params: { spId, jobId: job.id }, consistency: "retry-not-found" }).catch(ignoreNotFound);
        await client.delete({ endpoint: endpoints.application, params: { appObjectId }, consistency: "retry-not-found" }).catch(ignoreNotFound);
      });
      deleted++;
    } else {
      kept.push({ appObjectId, spId, jobId: job.id });
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.apps) {
      const i = next++;
      try {
        await lifecycle(i);
      } catch (e) {
        errors.push(`${options.prefix}-${i}: ${isGraphError(e) ? `${e.code} ${e.message}` : String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.apps) }, worker));
  return { operations, errors, elapsedMs: Date.now() - started, kept, deleted, counters: client.counters.snapshot() };
}

/** A DELETE retried after a possibly-applied failure may find the object already gone. */
function ignoreNotFound(e: unknown): void {
  if (!isGraphError(e, "GRAPH_NOT_FOUND")) throw e;
}

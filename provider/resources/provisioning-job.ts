// ProvisioningJob: the synchronization job of an application instance (seed steps 2 and 4):
// created from a synchronization template, its saved credentials validated, then started.
import * as pulumi from "@pulumi/pulumi";
import { createOnce, endpoints, isGraphError, serializeBy } from "../graph";
import { unlessGone } from "./gone";
import { Checker, immutableChange, isUnknown, sameMap, withoutDefaults } from "./inputs";
import { graph } from "./runtime";
import { defineProvider } from "./define";
import { shimProvider } from "./shim";

export interface ProvisioningJobArgs {
  servicePrincipalId: pulumi.Input<string>;
  /** Synchronization template id (e.g. "aws"). Optional when the app offers exactly one. */
  templateId?: pulumi.Input<string>;
  /** Start the job (true, the default) or keep it paused. */
  enabled?: pulumi.Input<boolean>;
  /** Validate the saved credentials before starting (default true). */
  validateCredentials?: pulumi.Input<boolean>;
  /** synchronizationJobSettings name → value, e.g. { QuarantineTooManyDeletesThreshold: "500" }. */
  settings?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Any change of this value restarts the job with `restartScope`. */
  restartTrigger?: pulumi.Input<string>;
  /** Reset scope for restarts: "Full" (default) or a comma list of ConnectorDataStore, Escrows, Watermark, QuarantineState, ForceDeletes. */
  restartScope?: pulumi.Input<string>;
}

/** Refreshed on every read, never compared: a running job's status is not drift. */
export interface JobStatusSummary {
  code: string;
  quarantineReason?: string;
  quarantineErrorCode?: string;
  lastExecutionState?: string;
  lastExecutionTime?: string;
  lastSuccessfulExecutionTime?: string;
}

interface JobState {
  stateVersion: number;
  servicePrincipalId: string;
  templateId: string;
  enabled: boolean;
  validateCredentials: boolean;
  settings: Record<string, string>;
  restartTrigger?: string;
  restartScope: string;
  /** Whether the program set templateId (read reports it as an input only then). */
  templateIdGiven?: boolean;
  scheduleState: string;
  status: JobStatusSummary;
}

interface GraphJob {
  id: string;
  templateId: string;
  schedule?: { state?: string };
  status?: {
    code?: string;
    quarantine?: { reason?: string; error?: { code?: string } } | null;
    lastExecution?: { state?: string; timeEnded?: string } | null;
    lastSuccessfulExecution?: { timeEnded?: string } | null;
  };
  synchronizationJobSettings?: { name: string; value: string }[];
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "templateId", "enabled", "validateCredentials", "settings", "restartTrigger", "restartScope"] as const;
const RESTART_SCOPES = ["None", "ConnectorDataStore", "Escrows", "Watermark", "QuarantineState", "Full", "ForceDeletes"];
const DEFAULT_RESTART_SCOPE = "Full";

/** Synchronization template ids a service principal offers, cached per process. */
const templatesBySp = new Map<string, Promise<string[]>>();
function offeredTemplates(spId: string): Promise<string[]> {
  let found = templatesBySp.get(spId);
  if (!found) {
    found = graph()
      .list<{ id: string }>({ endpoint: endpoints.syncTemplates, params: { spId }, consistency: "retry-not-found" })
      .then((ts) => ts.map((t) => t.id));
    found.catch(() => templatesBySp.delete(spId));
    templatesBySp.set(spId, found);
  }
  return found;
}

function templateProblem(spId: string, templateId: string | undefined, offered: string[]): string | undefined {
  if (offered.length === 0) return `service principal ${spId} offers no synchronization template: this application does not support provisioning.`;
  if (templateId === undefined && offered.length > 1) {
    return `service principal ${spId} offers ${offered.length} synchronization templates (${offered.join(", ")}); set templateId to one of them.`;
  }
  if (templateId !== undefined && !offered.includes(templateId)) {
    return `"${templateId}" is not offered by service principal ${spId}; use one of: ${offered.join(", ")}.`;
  }
  return undefined;
}

function summarize(job: GraphJob): JobStatusSummary {
  const s = job.status ?? {};
  const summary: JobStatusSummary = { code: s.code ?? "Unknown" };
  if (s.quarantine?.reason) summary.quarantineReason = s.quarantine.reason;
  if (s.quarantine?.error?.code) summary.quarantineErrorCode = s.quarantine.error.code;
  if (s.lastExecution?.state) summary.lastExecutionState = s.lastExecution.state;
  if (s.lastExecution?.timeEnded) summary.lastExecutionTime = s.lastExecution.timeEnded;
  if (s.lastSuccessfulExecution?.timeEnded) summary.lastSuccessfulExecutionTime = s.lastSuccessfulExecution.timeEnded;
  return summary;
}

/**
 * `fresh`: the job (or its service principal) was created moments ago, so a 404 from a replica
 * that has not caught up is retried. Never set when probing for existence (read, delete).
 */
type Fresh = { consistency?: "retry-not-found" };
const FRESH: Fresh = { consistency: "retry-not-found" };

async function getJob(spId: string, jobId: string, fresh: Fresh = {}): Promise<GraphJob> {
  return (await graph().get<GraphJob>({ endpoint: endpoints.job, params: { spId, jobId }, ...fresh })).body;
}

/** Validates the saved credentials; a rejection names the key Graph complained about. */
async function validate(spId: string, jobId: string, fresh: Fresh = {}): Promise<void> {
  try {
    await graph().post({ endpoint: endpoints.jobValidateCredentials, params: { spId, jobId }, body: { useSavedCredentials: true }, ...fresh });
  } catch (e) {
    if (!isGraphError(e, "GRAPH_BAD_REQUEST")) throw e;
    throw new Error(
      `ProvisioningJob: the target application rejected the saved credentials (${e.graphCode}: ${e.graphMessage}). ` +
        `Fix the value in the ProvisioningSecrets credentials of service principal ${spId}, or set validateCredentials: false to skip this check. (request-id ${e.requestId ?? "unknown"})`,
    );
  }
}

const start = (spId: string, jobId: string, fresh: Fresh = {}) => graph().post({ endpoint: endpoints.jobStart, params: { spId, jobId }, ...fresh });
const pause = (spId: string, jobId: string) => graph().post({ endpoint: endpoints.jobPause, params: { spId, jobId } });

async function applySettings(spId: string, jobId: string, settings: Record<string, string>, fresh: Fresh = {}): Promise<void> {
  // The collection is replaced by PATCH, so keep settings someone else manages.
  const live = (await getJob(spId, jobId, fresh)).synchronizationJobSettings ?? [];
  const merged = new Map(live.map((s) => [s.name, s.value]));
  for (const [name, value] of Object.entries(settings)) merged.set(name, value);
  await graph().patch({
    endpoint: endpoints.job,
    params: { spId, jobId },
    body: { synchronizationJobSettings: [...merged].map(([name, value]) => ({ name, value })) },
    ...fresh,
  });
}

function desired(inputs: Record<string, unknown>, templateId: string): Omit<JobState, "scheduleState" | "status"> {
  return {
    stateVersion: STATE_VERSION,
    servicePrincipalId: inputs.servicePrincipalId as string,
    templateId,
    enabled: (inputs.enabled as boolean | undefined) ?? true,
    validateCredentials: (inputs.validateCredentials as boolean | undefined) ?? true,
    settings: (inputs.settings as Record<string, string> | undefined) ?? {},
    restartTrigger: inputs.restartTrigger as string | undefined,
    restartScope: (inputs.restartScope as string | undefined) ?? DEFAULT_RESTART_SCOPE,
    templateIdGiven: inputs.templateId !== undefined,
  };
}

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("ProvisioningJob");
    c.noUnknownProperties(news, INPUTS);
    const spId = c.guid(news, "servicePrincipalId", { required: true });
    const templateId = c.string(news, "templateId");
    c.boolean(news, "enabled");
    c.boolean(news, "validateCredentials");
    c.stringMap(news, "settings");
    c.string(news, "restartTrigger");
    const scope = c.string(news, "restartScope");
    if (scope !== undefined) {
      const bad = scope.split(",").map((s) => s.trim()).filter((s) => !RESTART_SCOPES.includes(s));
      if (bad.length) c.fail("restartScope", `has unknown scope ${bad.map((b) => `"${b}"`).join(", ")}; use "Full" or a comma list of ${RESTART_SCOPES.join(", ")}.`);
    }
    // The service principal is known at preview when it already exists: check the template then.
    if (spId !== undefined && !isUnknown(news.templateId)) {
      const offered = await unlessGone(() => offeredTemplates(spId));
      if (!offered) c.fail("servicePrincipalId", `no service principal has id ${spId}; pass GalleryApplication.servicePrincipalId.`);
      else {
        const problem = templateProblem(spId, templateId, offered.value);
        if (problem) c.fail("templateId", problem);
      }
    }
    return c.result(news);
  },

  async diff(_id, olds: JobState, news) {
    const sp = immutableChange(olds, news, "servicePrincipalId");
    const template = news.templateId === undefined ? "none" : immutableChange(olds, news, "templateId");
    const replaces = [...(sp === "replace" ? ["servicePrincipalId"] : []), ...(template === "replace" ? ["templateId"] : [])];
    const changes =
      sp !== "none" ||
      template !== "none" ||
      (news.enabled ?? true) !== olds.enabled ||
      (news.validateCredentials ?? true) !== olds.validateCredentials ||
      !sameMap(news.settings ?? {}, olds.settings) ||
      news.restartTrigger !== olds.restartTrigger ||
      (news.restartScope ?? DEFAULT_RESTART_SCOPE) !== olds.restartScope;
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const spId: string = inputs.servicePrincipalId;
    return serializeBy(spId, async () => {
      let templateId: string | undefined = inputs.templateId;
      if (templateId === undefined) {
        const offered = await offeredTemplates(spId);
        const problem = templateProblem(spId, undefined, offered);
        if (problem) throw new Error(`ProvisioningJob.templateId: ${problem}`);
        templateId = offered[0];
      }
      // At most one job per service principal and template: adopt one an interrupted run made.
      const findJob = async () =>
        (await graph().list<GraphJob>({ endpoint: endpoints.jobs, params: { spId }, consistency: "retry-not-found" })).find(
          (j) => j.templateId === templateId,
        );
      const job =
        (await findJob()) ??
        (await createOnce({
          create: async () =>
            (await graph().post<GraphJob>({ endpoint: endpoints.jobs, params: { spId }, body: { templateId }, consistency: "retry-not-found" })).body,
          find: findJob,
        }));

      const want = desired(inputs, templateId);
      let scheduleState = job.schedule?.state ?? "Disabled";
      try {
        if (Object.keys(want.settings).length) await applySettings(spId, job.id, want.settings, FRESH);
        if (want.enabled) {
          if (want.validateCredentials) await validate(spId, job.id, FRESH);
          await start(spId, job.id, FRESH);
          scheduleState = "Active";
        }
      } catch (e) {
        // The job exists: report a partial create so it is in state (not orphaned) and the next
        // `pulumi up` finishes the job instead of creating another.
        const partial: JobState = { ...want, enabled: false, scheduleState, status: summarize(job) };
        const message = e instanceof Error ? e.message : String(e);
        // For a partial create the engine shows `reasons`, not the message.
        throw Object.assign(new Error(message), { id: job.id, properties: partial, reasons: [message] });
      }
      const state: JobState = { ...want, scheduleState, status: summarize(job) };
      return { id: job.id, outs: state };
    });
  },

  async read(id, props: JobState) {
    const live = await unlessGone(() => getJob(props.servicePrincipalId, id));
    if (!live) return {};
    const job = live.value;
    const liveSettings = new Map((job.synchronizationJobSettings ?? []).map((s) => [s.name, s.value]));
    const settings: Record<string, string> = {};
    for (const name of Object.keys(props.settings ?? {})) {
      const value = liveSettings.get(name);
      if (value !== undefined) settings[name] = value;
    }
    const scheduleState = job.schedule?.state ?? "Disabled";
    const state: JobState = {
      ...props,
      stateVersion: STATE_VERSION,
      templateId: job.templateId,
      // A job paused (or never started) out of band is drift on `enabled`.
      enabled: scheduleState === "Active",
      settings,
      scheduleState,
      status: summarize(job),
    };
    const { stateVersion: _v, scheduleState: _s, status: _st, templateId: _t, templateIdGiven: _g, ...declared } = state;
    const inputs = withoutDefaults(declared, { enabled: true, validateCredentials: true, settings: {}, restartScope: DEFAULT_RESTART_SCOPE });
    return { id, props: state, inputs: { ...inputs, ...(props.templateIdGiven ? { templateId: job.templateId } : {}) } };
  },

  async update(id, olds: JobState, news) {
    const spId = olds.servicePrincipalId;
    const want = desired(news, olds.templateId);
    return serializeBy(spId, async () => {
      if (!sameMap(want.settings, olds.settings)) await applySettings(spId, id, want.settings);
      if (want.restartTrigger !== olds.restartTrigger && want.restartTrigger !== undefined) {
        await graph().post({ endpoint: endpoints.jobRestart, params: { spId, jobId: id }, body: { criteria: { resetScope: want.restartScope } } });
      }
      if (want.enabled && !olds.enabled) {
        if (want.validateCredentials) await validate(spId, id);
        await start(spId, id);
      } else if (!want.enabled && olds.enabled) {
        await pause(spId, id);
      }
      const job = await getJob(spId, id);
      return { outs: { ...want, scheduleState: job.schedule?.state ?? "Disabled", status: summarize(job) } };
    });
  },

  async delete(id, props: JobState) {
    await unlessGone(() => graph().delete({ endpoint: endpoints.job, params: { spId: props.servicePrincipalId, jobId: id } }));
  },
});

const shim = shimProvider("job");

/** A provisioning (synchronization) job: created from a template, validated and started. */
export class ProvisioningJob extends pulumi.dynamic.Resource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** The job id; also this resource's id. */
  declare readonly jobId: pulumi.Output<string>;
  declare readonly templateId: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly scheduleState: pulumi.Output<string>;
  declare readonly status: pulumi.Output<JobStatusSummary>;

  constructor(name: string, args: ProvisioningJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(shim, name, { ...args, scheduleState: undefined, status: undefined }, opts, "entra", "ProvisioningJob");
    this.jobId = this.id;
  }
}


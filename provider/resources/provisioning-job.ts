// ProvisioningJob: the synchronization job of an application instance (steps 2 and 4 of https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api):
// created from a synchronization template, its saved credentials validated, then started.
import * as pulumi from "@pulumi/pulumi";
import { createOnce, DEFAULT_RESTART_SCOPE, endpoints, isGraphError, RESTART_SCOPES, serializeBy } from "../graph";
import { AsyncCache } from "../memoize";
import { instantiatedHere, recentlyCreatedRequest, type RecentlyCreatedRequest } from "./recently-created";
import { goneWindowMs, inDeletedItems, parentSettled, unlessGone } from "./gone";
import { InputError } from "../errors";
import { Checker, closest, immutableChange, isUnknown, withoutDefaults } from "./inputs";
import { graph } from "./runtime";
import { defineProvider, partialCreate } from "./define";
import { EntraResource } from "./shim";
import { claim, claimedInThisDeployment, singletonKey } from "./singletons";

export interface ProvisioningJobArgs {
  servicePrincipalId: pulumi.Input<string>;
  /** Synchronization template id (e.g. "aws"). Optional when the app offers exactly one. */
  templateId?: pulumi.Input<string>;
  /** Start the job (true, the default) or keep it paused. */
  enabled?: pulumi.Input<boolean>;
  /** Validate the saved credentials before starting (default true). */
  validateCredentials?: pulumi.Input<boolean>;
  /**
   * Removed: Graph documents no way to write a job's settings (a PATCH of the job answers 404).
   * The delete threshold is `ProvisioningSecrets.deleteThreshold`; setting this fails at preview.
   * @deprecated
   */
  settings?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Any change of this value restarts the job with `restartScope`. */
  restartTrigger?: pulumi.Input<string>;
  /** Reset scope for restarts: "Full" (default) or a comma list of ConnectorDataStore, Escrows, Watermark, QuarantineState, ForceDeletes. */
  restartScope?: pulumi.Input<string>;
  /**
   * Adopt the existing job with this id (e.g. one created in the portal) instead of creating one.
   * It must belong to `servicePrincipalId` and, when `templateId` is set, use that template. Its
   * settings and enabled state are then managed like a created job's.
   */
  adoptJobId?: pulumi.Input<string>;
  /**
   * What destroy (or a replacement) does to the job: "delete" it, or "keep" it running and only
   * drop it from the stack. Defaults to "keep" for an adopted job and "delete" otherwise.
   */
  onDestroy?: pulumi.Input<"keep" | "delete">;
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
  restartTrigger?: string;
  restartScope: string;
  /** Whether the program set templateId (read reports it as an input only then). */
  templateIdGiven?: boolean;
  /** When this resource created the job (ISO); young objects get a longer 404 confirmation window. */
  createdAt?: string;
  /** The job's templateId as Graph reports it; may differ from the requested one (customappsso → customappssoOutDelta). */
  effectiveTemplateId?: string;
  scheduleState: string;
  /** What the program declared for `enabled` at the last create/update (`enabled` is the live state). */
  declaredEnabled?: boolean;
  status: JobStatusSummary;
  /** Set when the job was adopted by `adoptJobId` (sticky). */
  adoptJobId?: string;
  onDestroy: OnDestroy;
}

type OnDestroy = "keep" | "delete";
const ON_DESTROY: readonly OnDestroy[] = ["keep", "delete"];
const defaultOnDestroy = (adopted: unknown): OnDestroy => (adopted === undefined ? "delete" : "keep");

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
}

const STATE_VERSION = 1;
const INPUTS = [
  "servicePrincipalId",
  "templateId",
  "enabled",
  "validateCredentials",
  "settings",
  "restartTrigger",
  "restartScope",
  "adoptJobId",
  "onDestroy",
  // Derived by the resource class from `enabled` ("Active" when enabled), so a job paused out of
  // band shows in Pulumi's own diff as `scheduleState: "Paused" => "Active"`.
  "scheduleState",
] as const;

/**
 * Synchronization template ids a service principal offers, cached per process. `recentlyCreated`: the
 * service principal was created moments ago, so 404s are retried until the operation deadline;
 * check() passes false and confirms a 404 with unlessGone instead (a mistyped id must fail in
 * seconds, not after entra:operationTimeout).
 */
const offeredCache = new AsyncCache<string[]>();
function offeredTemplates(spId: string, recentlyCreated = true): Promise<string[]> {
  // Every instance this process instantiated from one application template offers that template's
  // synchronization templates: ask once per application template, not once per instance.
  const here = instantiatedHere(spId);
  const key = here ? `template:${here.applicationTemplateId}` : `sp:${spId}`;
  return offeredCache.get(key, () =>
    graph()
      .list<{ id: string }>({ endpoint: endpoints.syncTemplates, params: { spId }, ...(recentlyCreated || here ? recentlyCreatedRequest(spId) : {}) })
      .then((ts) => ts.map((t) => t.id)),
  );
}

/**
 * Whether a job with template `jobTemplateId` is one created from `requested`. Graph may create a
 * job from a variant of the requested template: the non-gallery app's `customappsso` yields a
 * `customappssoOutDelta` job (emulator/FIDELITY.md), so a variant named after the request counts.
 */
function jobUsesTemplate(jobTemplateId: string, requested: string): boolean {
  return jobTemplateId.toLowerCase().startsWith(requested.toLowerCase());
}

/** The template a job gets when the program names none: the only one, or `scim` among several (the non-gallery app). */
function defaultTemplate(offered: string[]): string | undefined {
  if (offered.length === 1) return offered[0];
  return offered.find((t) => t.toLowerCase() === "scim");
}

/** The offered template `templateId` names, ignoring case (Graph's ids are case-insensitive). */
function offeredTemplate(templateId: string, offered: string[]): string | undefined {
  return offered.find((t) => t.toLowerCase() === templateId.toLowerCase());
}

function templateProblem(spId: string, templateId: string | undefined, offered: string[]): string | undefined {
  if (offered.length === 0) return `service principal ${spId} offers no synchronization template: this application does not support provisioning.`;
  if (templateId === undefined && defaultTemplate(offered) === undefined) {
    return `service principal ${spId} offers ${offered.length} synchronization templates (${offered.join(", ")}); set templateId to one of them.`;
  }
  if (templateId !== undefined && !offeredTemplate(templateId, offered)) {
    const near = closest(templateId, offered, 1)[0];
    return `"${templateId}" is not offered by service principal ${spId}; ${near ? `did you mean "${near}"? Use` : "use"} one of: ${offered.join(", ")}.`;
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
 * `recentlyCreated` (here, in validate and in start): the job (or its service principal) was created moments
 * ago, so a 404 from a replica that has not caught up is retried. Never set when probing for existence (read, delete).
 */
async function getJob(spId: string, jobId: string, recentlyCreated: RecentlyCreatedRequest = {}): Promise<GraphJob> {
  return (await graph().get<GraphJob>({ endpoint: endpoints.job, params: { spId, jobId }, ...recentlyCreated })).body;
}

/** Validates the saved credentials; a rejection names the key Graph complained about. */
async function validate(spId: string, jobId: string, recentlyCreated: RecentlyCreatedRequest = {}): Promise<void> {
  try {
    await graph().post({ endpoint: endpoints.jobValidateCredentials, params: { spId, jobId }, body: { useSavedCredentials: true }, ...recentlyCreated });
  } catch (e) {
    if (!isGraphError(e, "GRAPH_BAD_REQUEST")) throw e;
    // Still GRAPH_BAD_REQUEST with Graph's ids (appended to the message), told as the input to fix.
    throw e.rephrased(
      `ProvisioningJob: the target application rejected the saved credentials (${e.graphCode}: ${e.graphMessage}).`,
      `Fix the value in the ProvisioningSecrets credentials of service principal ${spId}, or set validateCredentials: false to skip this check.`,
    );
  }
}

const start = (spId: string, jobId: string, recentlyCreated: RecentlyCreatedRequest = {}) => graph().post({ endpoint: endpoints.jobStart, params: { spId, jobId }, ...recentlyCreated });
const pause = (spId: string, jobId: string) => graph().post({ endpoint: endpoints.jobPause, params: { spId, jobId } });

/**
 * Why each job setting cannot be written, and what to use instead. The synchronizationJob
 * resource documents no update method (https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjob),
 * and a PATCH of a job answers 404 "No HTTP resource was found" (emulator/FIDELITY.md).
 */
function settingRemoved(name: string): string {
  if (/^QuarantineTooManyDeletesThreshold$/i.test(name)) {
    return "cannot be written: Graph has no update method for job settings. Set the accidental-deletions threshold with ProvisioningSecrets.deleteThreshold (or ProvisionedApplication.deleteThreshold) instead.";
  }
  return "cannot be written: Graph has no update method for job settings. Scope, out-of-scope deletions and notifications are ProvisioningSecrets inputs (scope, skipOutOfScopeDeletions, notifications, deleteThreshold); remove this setting.";
}

function desired(inputs: Record<string, unknown>, templateId: string): Omit<JobState, "scheduleState" | "status"> {
  return {
    stateVersion: STATE_VERSION,
    servicePrincipalId: inputs.servicePrincipalId as string,
    templateId,
    enabled: (inputs.enabled as boolean | undefined) ?? true,
    declaredEnabled: (inputs.enabled as boolean | undefined) ?? true,
    validateCredentials: (inputs.validateCredentials as boolean | undefined) ?? true,
    restartTrigger: inputs.restartTrigger as string | undefined,
    restartScope: (inputs.restartScope as string | undefined) ?? DEFAULT_RESTART_SCOPE,
    templateIdGiven: inputs.templateId !== undefined,
    ...(inputs.adoptJobId === undefined ? {} : { adoptJobId: inputs.adoptJobId as string }),
    onDestroy: (inputs.onDestroy as OnDestroy | undefined) ?? defaultOnDestroy(inputs.adoptJobId),
  };
}

/** The job `adoptJobId` names, or a message saying why it cannot be adopted. */
async function adoptableJob(spId: string, jobId: string, templateId: string | undefined): Promise<{ job: GraphJob } | { problem: string }> {
  const found = await unlessGone(() => getJob(spId, jobId), 3_000);
  if (!found) {
    const jobs = (await unlessGone(() => graph().list<GraphJob>({ endpoint: endpoints.jobs, params: { spId } }), 1_000))?.value ?? [];
    return {
      problem:
        `service principal ${spId} has no synchronization job ${jobId}; ` +
        (jobs.length ? `its jobs are: ${jobs.map((j) => j.id).join(", ")}.` : "it has no job yet: remove adoptJobId to create one."),
    };
  }
  if (templateId !== undefined && !jobUsesTemplate(found.value.templateId, templateId)) {
    return { problem: `job ${jobId} uses synchronization template "${found.value.templateId}", not "${templateId}"; set templateId to "${found.value.templateId}" or remove it.` };
  }
  return { job: found.value };
}

export const provider = defineProvider({
  async check(olds, news) {
    const c = new Checker("ProvisioningJob");
    c.noUnknownProperties(news, INPUTS);
    const spId = c.guid(news, "servicePrincipalId", { required: true });
    const templateId = c.string(news, "templateId");
    c.boolean(news, "enabled");
    c.boolean(news, "validateCredentials");
    const settings = news.settings;
    if (settings && typeof settings === "object" && !Array.isArray(settings)) {
      for (const name of Object.keys(settings)) c.fail(`settings.${name}`, settingRemoved(name));
    } else c.stringMap(news, "settings");
    c.string(news, "restartTrigger");
    if (news.scheduleState !== undefined && !isUnknown(news.scheduleState) && news.scheduleState !== "Active") {
      c.fail("scheduleState", "is derived from enabled (and read from Graph); set enabled instead.");
    }
    const scope = c.string(news, "restartScope");
    if (scope !== undefined) {
      const bad = scope.split(",").map((s) => s.trim()).filter((s) => !RESTART_SCOPES.includes(s));
      if (bad.length) c.fail("restartScope", `has unknown scope ${bad.map((b) => `"${b}"`).join(", ")}; use "Full" or a comma list of ${RESTART_SCOPES.join(", ")}.`);
    }
    const adopt = c.string(news, "adoptJobId");
    const onDestroy = c.string(news, "onDestroy");
    if (onDestroy !== undefined && !ON_DESTROY.includes(onDestroy as OnDestroy)) {
      c.fail("onDestroy", `must be "keep" (leave the job in Entra, only drop it from the stack) or "delete", got "${onDestroy}".`);
    }
    // The service principal is known at preview when it already exists: check the template then
    // — once, when it or the template changes, not on every preview of an unchanged job.
    const unchanged = olds.servicePrincipalId === spId && olds.templateId === news.templateId;
    if (spId !== undefined && !isUnknown(news.templateId) && !unchanged) {
      // A service principal in deleted items belongs to an application `up` restores first
      // (GalleryApplication.restoreDeleted): checked at create, once it is back.
      const deleted = { value: false };
      const offered = await unlessGone(() => offeredTemplates(spId, false), undefined, async () => (deleted.value = await inDeletedItems(spId)));
      if (!offered) {
        if (!deleted.value) c.fail("servicePrincipalId", `no service principal has id ${spId}; pass GalleryApplication.servicePrincipalId.`);
      } else {
        const problem = templateProblem(spId, templateId, offered.value);
        if (problem) c.fail("templateId", problem);
        else {
          // The id as the service principal spells it, so state and diffs never differ by case.
          if (templateId !== undefined) news.templateId = offeredTemplate(templateId, offered.value);
          if (adopt !== undefined && !isUnknown(news.adoptJobId)) {
            const found = await adoptableJob(spId, adopt, news.templateId as string | undefined);
            if ("problem" in found) c.fail("adoptJobId", found.problem);
          }
        }
      }
    }
    return c.result(news);
  },

  async diff(id, olds: JobState, news) {
    const sp = immutableChange(olds, news, "servicePrincipalId");
    const template = news.templateId === undefined ? "none" : immutableChange(olds, news, "templateId");
    const replaces = [...(sp === "replace" ? ["servicePrincipalId"] : []), ...(template === "replace" ? ["templateId"] : [])];
    // Adoption is sticky: removing the input later does not hand the job over to this stack.
    const adopt = news.adoptJobId ?? olds.adoptJobId;
    if (adopt !== olds.adoptJobId && adopt !== id && !isUnknown(adopt)) replaces.push("adoptJobId");
    const onDestroy = olds.onDestroy ?? defaultOnDestroy(olds.adoptJobId);
    const changes =
      replaces.length > 0 ||
      adopt !== olds.adoptJobId ||
      (news.onDestroy ?? defaultOnDestroy(adopt)) !== onDestroy ||
      sp !== "none" ||
      template !== "none" ||
      (news.enabled ?? true) !== olds.enabled ||
      (news.validateCredentials ?? true) !== olds.validateCredentials ||
      news.restartTrigger !== olds.restartTrigger ||
      (news.restartScope ?? DEFAULT_RESTART_SCOPE) !== olds.restartScope;
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const spId: string = inputs.servicePrincipalId;
    return serializeBy(spId, async () => {
      // Checked at preview when the service principal was known; a new one is checked now,
      // before anything is created.
      const offered = await offeredTemplates(spId);
      const problem = templateProblem(spId, inputs.templateId, offered);
      if (problem) throw new InputError(`ProvisioningJob.templateId: ${problem}`);
      let templateId = inputs.templateId === undefined ? defaultTemplate(offered)! : offeredTemplate(inputs.templateId, offered)!;
      let adopted: GraphJob | undefined;
      if (inputs.adoptJobId !== undefined) {
        const found = await adoptableJob(spId, inputs.adoptJobId, inputs.templateId);
        if ("problem" in found) throw new InputError(`ProvisioningJob.adoptJobId: ${found.problem}`);
        adopted = found.job;
        templateId = found.job.templateId;
      }
      const recentlyCreated = recentlyCreatedRequest(spId);
      // At most one job per service principal and template: adopt one an interrupted run made.
      // A service principal this process instantiated moments ago cannot have one yet.
      const findJob = async () =>
        (await graph().list<GraphJob>({ endpoint: endpoints.jobs, params: { spId }, ...recentlyCreated })).find((j) => jobUsesTemplate(j.templateId, templateId));
      // A list lags behind deletes: a job deleted moments ago can still be listed. Take a listed
      // job over only once a read by id confirms it exists.
      const existing = async () => {
        const listed = await findJob();
        return listed && (await unlessGone(() => getJob(spId, listed.id), 0))?.value;
      };
      const job =
        adopted ??
        (instantiatedHere(spId) ? undefined : await existing()) ??
        (await createOnce({
          create: async () => (await graph().post<GraphJob>({ endpoint: endpoints.jobs, params: { spId }, body: { templateId }, ...recentlyCreated })).body,
          find: findJob,
        }));

      claim(singletonKey.job(spId, job.id));
      const want = { ...desired(inputs, templateId), ...(adopted ? {} : { createdAt: new Date().toISOString() }) };
      let live = job;
      try {
        if (want.enabled) {
          if (want.validateCredentials) await validate(spId, job.id, recentlyCreated);
          await start(spId, job.id, recentlyCreated);
          // The status a started job has (not create's "NotConfigured"), so the first refresh
          // does not report a change nobody made.
          live = await getJob(spId, job.id, recentlyCreated);
        }
      } catch (e) {
        // The job exists: report a partial create so it is in state (not orphaned) and the next
        // `pulumi up` finishes the job instead of creating another.
        throw partialCreate(e, job.id, { ...want, effectiveTemplateId: job.templateId, enabled: false, scheduleState: job.schedule?.state ?? "Disabled", status: summarize(job) });
      }
      const state: JobState = { ...want, effectiveTemplateId: job.templateId, scheduleState: live.schedule?.state ?? "Disabled", status: summarize(live) };
      return { id: job.id, outs: state };
    });
  },

  async read(id, props: JobState) {
    // A missing job is gone for sure once its service principal answers (or is in deleted items);
    // a create would adopt a job that shows up later, so nothing is duplicated either way.
    const live = await unlessGone(() => getJob(props.servicePrincipalId, id), goneWindowMs(props.createdAt), () => parentSettled(props.servicePrincipalId));
    if (!live) return {};
    const job = live.value;
    const scheduleState = job.schedule?.state ?? "Disabled";
    // `settings` of state written before job settings were removed is dropped.
    const { settings: _settings, ...kept } = props as JobState & { settings?: unknown };
    const state: JobState = {
      ...kept,
      stateVersion: STATE_VERSION,
      // The template a job was created from cannot change: the requested id stays (no drift when
      // Graph created the job from a variant of it); the live one is recorded beside it.
      templateId: props.templateId ?? job.templateId,
      effectiveTemplateId: job.templateId,
      // A job paused (or never started) out of band is drift on `enabled`.
      enabled: scheduleState === "Active",
      scheduleState,
      status: summarize(job),
      onDestroy: props.onDestroy ?? defaultOnDestroy(props.adoptJobId),
    };
    const { stateVersion: _v, scheduleState: _s, status: _st, templateId: _t, templateIdGiven: _g, effectiveTemplateId: _e, createdAt: _c, declaredEnabled, ...declared } = state;
    // What the program declared stays as declared; the live schedule shows beside it, so a paused
    // job reads as `scheduleState: "Paused" => "Active"` rather than as a change of `enabled`.
    const wantEnabled = declaredEnabled ?? props.enabled;
    const inputs = withoutDefaults({ ...declared, enabled: wantEnabled }, {
      enabled: true,
      validateCredentials: true,
      restartScope: DEFAULT_RESTART_SCOPE,
      onDestroy: defaultOnDestroy(props.adoptJobId),
    });
    return {
      id,
      props: state,
      inputs: { ...inputs, ...(props.templateIdGiven ? { templateId: state.templateId } : {}), ...(wantEnabled ? { scheduleState } : {}) },
    };
  },

  async update(id, olds: JobState, news) {
    const spId = olds.servicePrincipalId;
    const want = desired({ ...news, adoptJobId: news.adoptJobId ?? olds.adoptJobId }, olds.templateId);
    return serializeBy(spId, async () => {
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
      return { outs: { ...want, createdAt: olds.createdAt, effectiveTemplateId: job.templateId, scheduleState: job.schedule?.state ?? "Disabled", status: summarize(job) } };
    });
  },

  async delete(id, props: JobState) {
    // "keep" (the default for an adopted job): destroy only drops it from the stack.
    if ((props.onDestroy ?? defaultOnDestroy(props.adoptJobId)) === "keep") return;
    // Another resource of this deployment took the job over (singletons.ts): leave it running.
    if (claimedInThisDeployment(singletonKey.job(props.servicePrincipalId, id))) return;
    await unlessGone(() => graph().delete({ endpoint: endpoints.job, params: { spId: props.servicePrincipalId, jobId: id } }));
  },
});

/** A provisioning (synchronization) job: created from a template, validated and started. */
export class ProvisioningJob extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** The job id; also this resource's id. */
  declare readonly jobId: pulumi.Output<string>;
  declare readonly templateId: pulumi.Output<string>;
  /** The template Graph created the job from (may be a variant of templateId, e.g. customappssoOutDelta). */
  declare readonly effectiveTemplateId: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly scheduleState: pulumi.Output<string>;
  declare readonly status: pulumi.Output<JobStatusSummary>;

  constructor(name: string, args: ProvisioningJobArgs, opts?: pulumi.CustomResourceOptions) {
    const scheduleState = pulumi.output(args.enabled).apply((enabled) => (enabled === false ? undefined : "Active"));
    super("job", "ProvisioningJob", name, { ...args, effectiveTemplateId: undefined, scheduleState, status: undefined }, opts, { deleteBeforeReplace: true });
    this.jobId = this.id;
  }
}


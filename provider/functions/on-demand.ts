// provisionOnDemand (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand):
// provision one user or group now and parse Graph's answer — a stringKeyStringValuePair whose key
// and value are JSON-encoded strings.
import { endpoints, GraphError, type GraphClient } from "../graph";
import { EntraError } from "../errors";
import { onDemandPacer } from "./pace";

export interface OnDemandSubject {
  /** Object id of the user or group (or an AD distinguished name for AD-sourced apps). */
  objectId: string;
  /** "User" or "Group" (Graph also accepts "user"). */
  objectTypeName: string;
}

export interface ProvisioningStep {
  name: string;
  type: string;
  status: string;
  description: string;
  timestamp?: string;
  details: Record<string, string>;
}

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

/** Graph's verdict on one object: what this function's result and ProvisionOnDemand's outputs share. */
export interface OnDemandOutcome {
  /** "Success", "Skipped", "Failure", … (the `key`'s result). */
  result: string;
  errorCode?: string;
  errorMessage?: string;
  /** "Create", "Update", "Delete", "Other", … */
  action?: string;
  changeId?: string;
  reportableIdentifier?: string;
  provisioningSteps: ProvisioningStep[];
  modifiedProperties: ModifiedProperty[];
}

/** Graph's per-object result, parsed. */
export interface OnDemandResult extends OnDemandOutcome {
  subject: OnDemandSubject;
  startTime?: string;
  endTime?: string;
  statusInfo?: { status?: string; errorCode?: string; reason?: string; errorCategory?: string; recommendedAction?: string };
}

interface SyncRule {
  id: string;
  name?: string;
  sourceDirectoryName?: string;
  targetDirectoryName?: string;
  objectMappings?: { enabled?: boolean; sourceObjectName?: string; targetObjectName?: string }[];
}

/** A rule id that cannot be chosen automatically; the message lists the candidates. */
export class RuleSelectionError extends EntraError<"RULE_SELECTION"> {
  override readonly name = "RuleSelectionError";
  constructor(message: string) {
    super("RULE_SELECTION", message);
  }
}

const describeRules = (rules: SyncRule[]) => rules.map((r) => `${r.id} (${r.name ?? "unnamed"})`).join(", ");

/**
 * The synchronization rule of the job's schema that fits the subject type: the only rule with an
 * enabled object mapping whose source object is that type. Throws RuleSelectionError otherwise.
 */
export async function resolveRuleId(client: GraphClient, spId: string, jobId: string, objectTypeName: string): Promise<string> {
  const schema = await client.get<{ synchronizationRules?: SyncRule[] }>({ endpoint: endpoints.jobSchema, params: { spId, jobId } });
  const rules = schema.body?.synchronizationRules ?? [];
  const type = objectTypeName.toLowerCase();
  const fits = rules.filter((r) => (r.objectMappings ?? []).some((m) => m.enabled !== false && (m.sourceObjectName ?? "").toLowerCase() === type));
  if (fits.length === 1) return fits[0].id;
  if (fits.length === 0) {
    throw new RuleSelectionError(
      `no synchronization rule of job ${jobId} provisions objects of type "${objectTypeName}"` +
        (rules.length ? `; the job's rules are ${describeRules(rules)}. Set ruleId to one of them, or use a subject type they map.` : "; the job's schema has no rules."),
    );
  }
  throw new RuleSelectionError(`${fits.length} synchronization rules of job ${jobId} fit type "${objectTypeName}": ${describeRules(fits)}. Set ruleId to one of them.`);
}

function parseJson(text: unknown, what: string): Record<string, unknown> {
  if (typeof text !== "string") return {};
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    throw new GraphError({ code: "GRAPH_INVALID_RESPONSE", summary: `provisionOnDemand: Graph's ${what} is not JSON: ${text.slice(0, 200)}.` });
  }
}

const s = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Parses the stringKeyStringValuePair Graph answers with. */
export function parseOnDemandResponse(subject: OnDemandSubject, body: { key?: unknown; value?: unknown }): OnDemandResult {
  const key = parseJson(body.key, "key");
  const value = parseJson(body.value, "value");
  const details = (key.details ?? {}) as Record<string, unknown>;
  const info = (value.statusInfo ?? undefined) as Record<string, unknown> | undefined;
  const steps = Array.isArray(value.provisioningSteps) ? (value.provisioningSteps as Record<string, unknown>[]) : [];
  const props = Array.isArray(value.modifiedProperties) ? (value.modifiedProperties as Record<string, unknown>[]) : [];
  const stringMap = (d: unknown): Record<string, string> =>
    Object.fromEntries(Object.entries(d && typeof d === "object" ? (d as Record<string, unknown>) : {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  const result: OnDemandResult = {
    subject,
    result: s(key.result) ?? s(info?.status) ?? "Unknown",
    errorCode: s(details.errorCode) ?? s(info?.errorCode),
    errorMessage: s(details.errorMessage) ?? s(info?.reason),
    action: s(value.action),
    changeId: s(value.changeId),
    reportableIdentifier: s(value.reportableIdentifier),
    startTime: s(value.startTime),
    endTime: s(value.endTime),
    provisioningSteps: steps.map((st) => ({
      name: String(st.name ?? ""),
      type: String(st.type ?? st.provisioningStepType ?? ""),
      status: String(st.status ?? ""),
      description: String(st.description ?? ""),
      timestamp: s(st.timestamp),
      details: stringMap(st.details),
    })),
    modifiedProperties: props.map((p) => ({
      displayName: String(p.displayName ?? ""),
      oldValue: p.oldValue === null || p.oldValue === undefined ? null : String(p.oldValue),
      newValue: p.newValue === null || p.newValue === undefined ? null : String(p.newValue),
    })),
  };
  if (info) {
    result.statusInfo = {
      status: s(info.status),
      errorCode: s(info.errorCode),
      reason: s(info.reason),
      errorCategory: s(info.errorCategory),
      recommendedAction: s(info.recommendedAction),
    };
  }
  return result;
}

export interface ProvisionOnDemandRequest {
  servicePrincipalId: string;
  jobId: string;
  subject: OnDemandSubject;
  /** Resolved from the job's schema when omitted (see resolveRuleId). */
  ruleId?: string;
}

/** Provisions one subject now, paced at 5 calls per 10 s per job within this process. */
export async function provisionOnDemand(client: GraphClient, req: ProvisionOnDemandRequest): Promise<OnDemandResult & { ruleId: string }> {
  const { servicePrincipalId: spId, jobId, subject } = req;
  const ruleId = req.ruleId ?? (await resolveRuleId(client, spId, jobId, subject.objectTypeName));
  const res = await onDemandPacer.run(jobId, () =>
    client.post<{ key?: string; value?: string }>({
      endpoint: endpoints.jobProvisionOnDemand,
      params: { spId, jobId },
      body: { parameters: [{ ruleId, subjects: [{ objectId: subject.objectId, objectTypeName: subject.objectTypeName }] }] },
    }),
  );
  return { ...parseOnDemandResponse(subject, res.body ?? {}), ruleId };
}

// ProvisionOnDemand: provision users or groups into the target application now
// (https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand) and keep
// Graph's per-object answer as outputs — result, error, action, steps and modified properties. An
// action, not an object: read and delete do not call Graph, and any change of an input (including
// `triggers`) runs it again.
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { provisionOnDemand, resolveRuleId, type ModifiedProperty, type OnDemandOutcome, type OnDemandResult, type OnDemandSubject, type ProvisioningStep } from "../functions/on-demand";
import { EntraError, withContext } from "../errors";
import { Checker, describe, isUnknown } from "./inputs";
import { graph } from "./runtime";
import { defineProvider } from "./define";
import { EntraResource } from "./shim";

export interface ProvisionOnDemandArgs {
  servicePrincipalId: pulumi.Input<string>;
  jobId: pulumi.Input<string>;
  /** The users or groups to provision, each `{ objectId, objectTypeName: "User" | "Group" }`. */
  subjects: pulumi.Input<pulumi.Input<{ objectId: pulumi.Input<string>; objectTypeName: pulumi.Input<string> }>[]>;
  /** Synchronization rule id; by default the one rule of the job's schema that maps the subject type. */
  ruleId?: pulumi.Input<string>;
  /** Any change of this value provisions the subjects again. */
  triggers?: pulumi.Input<unknown>;
  /** Fail the deployment when Graph reports a Failure result (default false: the result is an output). */
  failOnFailure?: pulumi.Input<boolean>;
}

/** Graph's result for one subject (the function's OnDemandOutcome, with the rule it ran and the flat subject). */
export interface ProvisionOnDemandSubjectResult extends OnDemandSubject, OnDemandOutcome {
  ruleId: string;
  recommendedAction?: string;
}

/**
 * The overall outcome, from the subjects' (see overall()): `result` is Failure if any subject failed, else
 * Success if any succeeded, else Skipped (or Graph's word for one subject); steps and properties for one subject only.
 */
type OverallOutcome = Pick<OnDemandOutcome, "result" | "errorCode" | "errorMessage" | "action"> & Partial<Pick<OnDemandOutcome, "provisioningSteps" | "modifiedProperties">>;

interface PodState extends OverallOutcome {
  stateVersion: number;
  servicePrincipalId: string;
  jobId: string;
  subjects: OnDemandSubject[];
  ruleId?: string;
  triggers?: unknown;
  failOnFailure: boolean;
  results: ProvisionOnDemandSubjectResult[];
  provisionedAt: string;
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "jobId", "subjects", "ruleId", "triggers", "failOnFailure"] as const;
const TYPES = ["User", "Group"];

function toSubjectResult(r: OnDemandResult & { ruleId: string }): ProvisionOnDemandSubjectResult {
  return {
    objectId: r.subject.objectId,
    objectTypeName: r.subject.objectTypeName,
    ruleId: r.ruleId,
    result: r.result,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    action: r.action,
    changeId: r.changeId,
    reportableIdentifier: r.reportableIdentifier,
    recommendedAction: r.statusInfo?.recommendedAction,
    provisioningSteps: r.provisioningSteps,
    modifiedProperties: r.modifiedProperties,
  };
}

function overall(results: ProvisionOnDemandSubjectResult[]): OverallOutcome {
  if (results.length === 1) {
    const [r] = results;
    return { result: r.result, errorCode: r.errorCode, errorMessage: r.errorMessage, action: r.action, provisioningSteps: r.provisioningSteps, modifiedProperties: r.modifiedProperties };
  }
  const failed = results.find((r) => !/^(success|skipped)$/i.test(r.result));
  if (failed) return { result: failed.result, errorCode: failed.errorCode, errorMessage: failed.errorMessage };
  return { result: results.some((r) => /^success$/i.test(r.result)) ? "Success" : "Skipped" };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("ProvisionOnDemand");
    c.noUnknownProperties(news, INPUTS);
    c.guid(news, "servicePrincipalId", { required: true });
    c.string(news, "jobId", { required: true });
    c.string(news, "ruleId");
    c.boolean(news, "failOnFailure");
    const subjects = news.subjects;
    if (!isUnknown(subjects)) {
      if (!Array.isArray(subjects) || subjects.length === 0) {
        c.fail("subjects", "must be a non-empty list of { objectId, objectTypeName }.");
      } else {
        subjects.forEach((sub: unknown, i: number) => {
          if (isUnknown(sub)) return;
          if (!sub || typeof sub !== "object" || Array.isArray(sub)) return c.fail(`subjects[${i}]`, "must be an object { objectId, objectTypeName }.");
          const o = sub as Record<string, unknown>;
          if (!isUnknown(o.objectId) && (typeof o.objectId !== "string" || o.objectId.trim() === "")) {
            c.fail(`subjects[${i}].objectId`, "is required; set it to the object id of a user or group.");
          }
          const t = o.objectTypeName;
          if (!isUnknown(t) && (typeof t !== "string" || !TYPES.some((x) => x.toLowerCase() === t.toLowerCase()))) {
            c.fail(`subjects[${i}].objectTypeName`, `must be "User" or "Group", got ${describe(t)}.`);
          }
          for (const k of Object.keys(o)) if (k !== "objectId" && k !== "objectTypeName") c.fail(`subjects[${i}].${k}`, "is not a subject property; use objectId and objectTypeName.");
        });
      }
    }
    return c.result(news);
  },

  async diff(_id, olds: PodState, news) {
    const replaces = INPUTS.filter((k) => {
      if (k === "failOnFailure") return false;
      return !same(news[k], olds[k]);
    });
    const changes = replaces.length > 0 || (news.failOnFailure ?? false) !== olds.failOnFailure;
    return { changes, replaces: [...replaces], deleteBeforeReplace: false };
  },

  async create(inputs) {
    const spId: string = inputs.servicePrincipalId;
    const jobId: string = inputs.jobId;
    const subjects = (inputs.subjects as OnDemandSubject[]).map((x) => ({ objectId: x.objectId, objectTypeName: x.objectTypeName }));
    const client = graph();
    const results: ProvisionOnDemandSubjectResult[] = [];
    const rules = new Map<string, Promise<string>>();
    for (const subject of subjects) {
      let ruleId: string | undefined = inputs.ruleId;
      if (ruleId === undefined) {
        const type = subject.objectTypeName.toLowerCase();
        if (!rules.has(type)) rules.set(type, resolveRuleId(client, spId, jobId, subject.objectTypeName));
        try {
          ruleId = await rules.get(type)!;
        } catch (e) {
          throw withContext(e, "ProvisionOnDemand.ruleId: "); // keeps RULE_SELECTION or the Graph code
        }
      }
      results.push(toSubjectResult(await provisionOnDemand(client, { servicePrincipalId: spId, jobId, subject, ruleId })));
    }
    const state: PodState = {
      stateVersion: STATE_VERSION,
      servicePrincipalId: spId,
      jobId,
      subjects,
      ruleId: inputs.ruleId,
      triggers: inputs.triggers,
      failOnFailure: inputs.failOnFailure ?? false,
      ...overall(results),
      results,
      provisionedAt: new Date().toISOString(),
    };
    if (state.failOnFailure) {
      const failed = results.filter((r) => !/^(success|skipped)$/i.test(r.result));
      if (failed.length) {
        throw new EntraError(
          "PROVISION_ON_DEMAND_FAILED",
          `ProvisionOnDemand: Graph reported ${failed.map((r) => `${r.result} for ${r.objectTypeName} ${r.objectId} (${r.errorCode ?? "no code"}: ${r.errorMessage ?? ""})`).join("; ")}.`,
        );
      }
    }
    return { id: randomUUID(), outs: state };
  },

  // Nothing to read: the outputs are the answer Graph gave when the action ran.
  async read(id, props: PodState) {
    const { stateVersion: _v, result: _r, errorCode: _c, errorMessage: _m, action: _a, provisioningSteps: _p, modifiedProperties: _mp, results: _rs, provisionedAt: _t, ...inputs } = props;
    return { id, props, inputs };
  },

  async update(_id, olds: PodState, news) {
    // Only failOnFailure changes in place; it applies to the next run.
    return { outs: { ...olds, failOnFailure: news.failOnFailure ?? false } };
  },

  // Nothing to delete: provisioned accounts stay in the target application.
  async delete() {},
});

/**
 * Provisions users or groups on demand through a provisioning job, once, and again whenever an
 * input or `triggers` changes. Outputs Graph's result per subject.
 */
export class ProvisionOnDemand extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  declare readonly subjects: pulumi.Output<OnDemandSubject[]>;
  declare readonly ruleId: pulumi.Output<string | undefined>;
  /** Success, Skipped or Failure (for several subjects: Failure if any failed). */
  declare readonly result: pulumi.Output<string>;
  declare readonly errorCode: pulumi.Output<string | undefined>;
  declare readonly errorMessage: pulumi.Output<string | undefined>;
  declare readonly action: pulumi.Output<string | undefined>;
  /** Steps of a single subject's run (Import, Matching, Scoping, Export); see `results` for several. */
  declare readonly provisioningSteps: pulumi.Output<ProvisioningStep[] | undefined>;
  declare readonly modifiedProperties: pulumi.Output<ModifiedProperty[] | undefined>;
  declare readonly results: pulumi.Output<ProvisionOnDemandSubjectResult[]>;
  declare readonly provisionedAt: pulumi.Output<string>;

  constructor(name: string, args: ProvisionOnDemandArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "pod",
      "ProvisionOnDemand",
      name,
      {
        ...args,
        result: undefined,
        errorCode: undefined,
        errorMessage: undefined,
        action: undefined,
        provisioningSteps: undefined,
        modifiedProperties: undefined,
        results: undefined,
        provisionedAt: undefined,
      },
      opts,
    );
  }
}

// ProvisioningSchema: a provisioning job's attribute mappings and scoping filters as code
// (hashicorp/terraform-provider-azuread #1429, #1332). The spec is layered on the job template's
// default schema: create/update PUT default + spec as the job's full schema; refresh projects the
// live schema back onto the spec, so changes made elsewhere show as a diff of `mappings`; delete
// PUTs the template default back.
import * as pulumi from "@pulumi/pulumi";
import { endpoints, serializeBy } from "../graph";
import { AsyncCache } from "../memoize";
import { defineProvider } from "./define";
import { unlessGone } from "./gone";
import { InputError } from "../errors";
import { Checker, isUnknown } from "./inputs";
import { graph } from "./runtime";
import { applySpec, checkSpecAgainst, checkSpecStatic, GraphSchema, projectSpec, SchemaSpec, stableJson } from "./schema-spec";
import { EntraResource } from "./shim";
import { claim, claimedInThisDeployment, singletonKey } from "./singletons";

export type { AttributeMappingSpec, ObjectMappingSpec, ScopeClauseSpec, ScopeGroupSpec, SchemaSpec } from "./schema-spec";

export interface ProvisioningSchemaArgs {
  servicePrincipalId: pulumi.Input<string>;
  /** The synchronization job whose schema this manages (ProvisioningJob.jobId). */
  jobId: pulumi.Input<string>;
  /**
   * Changes to the template's default schema, per object mapping. Keys are the source object name
   * ("User", "Group") or the object mapping's full name. Everything not named keeps the default.
   */
  mappings: pulumi.Input<Record<string, pulumi.Input<import("./schema-spec").ObjectMappingSpec>>>;
}

interface SchemaState {
  stateVersion: number;
  servicePrincipalId: string;
  jobId: string;
  templateId: string;
  mappings: SchemaSpec;
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "jobId", "mappings"] as const;

/** Template default schemas never change: cached per process by service principal and template. */
const defaults = new AsyncCache<GraphSchema>();

function clean(body: Record<string, unknown>): GraphSchema {
  const { "@odata.context": _c, ...schema } = body;
  return schema as unknown as GraphSchema;
}

async function templateOf(spId: string, jobId: string): Promise<string> {
  const job = await graph().get<{ templateId: string }>({ endpoint: endpoints.job, params: { spId, jobId }, consistency: "retry-not-found" });
  return job.body.templateId;
}

function defaultSchema(spId: string, templateId: string): Promise<GraphSchema> {
  const found = defaults.get(`${spId}/${templateId}`, () =>
    graph()
      .get<Record<string, unknown>>({ endpoint: endpoints.syncTemplateSchema, params: { spId, templateId }, consistency: "retry-not-found" })
      .then((r) => clean(r.body)),
  );
  return found.then((s) => structuredClone(s));
}

async function liveSchema(spId: string, jobId: string): Promise<GraphSchema> {
  return clean((await graph().get<Record<string, unknown>>({ endpoint: endpoints.jobSchema, params: { spId, jobId } })).body);
}

/** `recentlyCreated`: the job may have been created moments ago, so a 404 is retried as replication lag. */
const putSchema = (spId: string, jobId: string, schema: GraphSchema, recentlyCreated: boolean) =>
  graph().put({ endpoint: endpoints.jobSchema, params: { spId, jobId }, body: schema, ...(recentlyCreated ? { consistency: "retry-not-found" as const } : {}) });

/** Validates the spec against the default schema; throws every problem at once. */
function assertValid(spec: SchemaSpec, schema: GraphSchema): void {
  const c = new Checker("ProvisioningSchema");
  checkSpecStatic(c, spec);
  checkSpecAgainst(c, spec, schema);
  if (c.failures.length) throw new InputError(c.failures.map((f) => f.reason).join("\n"));
}

async function apply(spId: string, jobId: string, spec: SchemaSpec): Promise<SchemaState> {
  return serializeBy(spId, async () => {
    const templateId = await templateOf(spId, jobId);
    const def = await defaultSchema(spId, templateId);
    assertValid(spec, def);
    await putSchema(spId, jobId, applySpec(def, spec), true);
    claim(singletonKey.schema(spId, jobId));
    return { stateVersion: STATE_VERSION, servicePrincipalId: spId, jobId, templateId, mappings: spec };
  });
}

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("ProvisioningSchema");
    c.noUnknownProperties(news, INPUTS);
    const spId = c.guid(news, "servicePrincipalId", { required: true });
    const jobId = c.string(news, "jobId", { required: true });
    if (news.mappings === undefined || news.mappings === null) c.fail("mappings", "is required; set it to a map like { User: { attributes: [...] } }.");
    else checkSpecStatic(c, news.mappings);
    // With the job known (it exists already), check names against its template's default schema;
    // otherwise create checks them before writing anything.
    if (spId !== undefined && jobId !== undefined && news.mappings !== null && typeof news.mappings === "object" && !isUnknown(news.mappings)) {
      const templateId = await unlessGone(() => templateOf(spId, jobId));
      if (!templateId) c.fail("jobId", `service principal ${spId} has no synchronization job ${jobId}; pass ProvisioningJob.jobId.`);
      else checkSpecAgainst(c, news.mappings as SchemaSpec, await defaultSchema(spId, templateId.value));
    }
    return c.result(news);
  },

  async diff(_id, olds: SchemaState, news) {
    const replaces: string[] = [];
    if (news.servicePrincipalId !== olds.servicePrincipalId) replaces.push("servicePrincipalId");
    if (news.jobId !== olds.jobId) replaces.push("jobId");
    const changes = replaces.length > 0 || stableJson(news.mappings) !== stableJson(olds.mappings);
    return { changes, replaces };
  },

  async create(inputs) {
    const state = await apply(inputs.servicePrincipalId, inputs.jobId, inputs.mappings);
    return { id: `${state.jobId}/schema`, outs: state };
  },

  async read(id, props: SchemaState) {
    const spId = props.servicePrincipalId;
    const live = await unlessGone(() => liveSchema(spId, props.jobId));
    if (!live) return {};
    const def = await defaultSchema(spId, props.templateId);
    const mappings = projectSpec(def, live.value, props.mappings ?? {});
    const state: SchemaState = { ...props, stateVersion: STATE_VERSION, mappings };
    return { id, props: state, inputs: { servicePrincipalId: spId, jobId: props.jobId, mappings } };
  },

  async update(_id, olds: SchemaState, news) {
    return { outs: await apply(olds.servicePrincipalId, olds.jobId, news.mappings) };
  },

  async delete(_id, props: SchemaState) {
    const spId = props.servicePrincipalId;
    // Another resource of this deployment wrote this job's schema after us (singletons.ts): keep it.
    if (claimedInThisDeployment(singletonKey.schema(spId, props.jobId))) return;
    await serializeBy(spId, async () => {
      const def = await defaultSchema(spId, props.templateId);
      // The job may have been deleted with (or before) this resource: then there is nothing to restore.
      await unlessGone(() => putSchema(spId, props.jobId, def, false));
    });
  },
});

/**
 * A provisioning job's attribute mappings and scoping filters, declared as changes to the job
 * template's default schema. Destroying it restores the default.
 */
export class ProvisioningSchema extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  declare readonly jobId: pulumi.Output<string>;
  /** The synchronization template whose default schema the spec is layered on. */
  declare readonly templateId: pulumi.Output<string>;
  declare readonly mappings: pulumi.Output<SchemaSpec>;

  constructor(name: string, args: ProvisioningSchemaArgs, opts?: pulumi.CustomResourceOptions) {
    super("schema", "ProvisioningSchema", name, { ...args, templateId: undefined }, opts);
  }
}

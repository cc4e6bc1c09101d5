// GalleryApplication: an instance of an Entra gallery application (step 1 of https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api): the application
// object and its service principal, instantiated from an application template.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { createOnce, endpoints, isGraphError, odataString, untilVisible } from "../graph";
import { AsyncCache } from "../memoize";
import { deletedItem, goneWindowMs, inDeletedItems, unlessGone } from "./gone";
import { InputError } from "../errors";
import { Checker, isUnknown, withoutDefaults } from "./inputs";
import { graph, operationTimeoutMs } from "./runtime";
import { defineProvider, partialCreate } from "./define";
import { recentlyCreatedRequest, recordInstantiated, recordRestored } from "./recently-created";
import { appRolesOf, type AppRole } from "./principals";
import { EntraResource } from "./shim";
import { resolveTemplate, TemplateLookupError } from "./templates";

export interface GalleryApplicationArgs {
  /** Gallery template: its display name (e.g. "Amazon Web Services (AWS)") or its id. */
  template: pulumi.Input<string>;
  /** Name of the application and its service principal (enterprise application). */
  displayName: pulumi.Input<string>;
  /** On destroy, also purge the soft-deleted objects (they are otherwise restorable for 30 days). */
  permanentlyDeleteOnDestroy?: pulumi.Input<boolean>;
  /**
   * Adopt an existing instance instead of instantiating one: the object id of its application
   * (app registration). It must be an instance of `template` and be named `displayName`;
   * nothing is written to it on adoption. `pulumi import` does not work for dynamic resources.
   */
  adoptApplicationObjectId?: pulumi.Input<string>;
  /**
   * What destroy (or a replacement) does to the application and its service principal:
   * "delete" them, or "keep" them and only drop them from the stack. Defaults to "keep" for an
   * adopted instance and "delete" for one this resource instantiated.
   */
  onDestroy?: pulumi.Input<"keep" | "delete">;
  /**
   * When the application was deleted outside Pulumi and is still in Entra's deleted items
   * (30 days), `pulumi up` restores it with its service principal — same object ids and appId,
   * assignments and sign-in history kept — instead of instantiating a new one (default true).
   */
  restoreDeleted?: pulumi.Input<boolean>;
}

/** Everything kept in state. `marker` ties Graph objects to this resource across crashes. */
interface AppState {
  stateVersion: number;
  template: string;
  displayName: string;
  permanentlyDeleteOnDestroy: boolean;
  marker: string;
  templateId: string;
  applicationObjectId: string;
  appId: string;
  servicePrincipalId: string;
  /** Set when the instance was adopted by `adoptApplicationObjectId`. */
  adoptApplicationObjectId?: string;
  /** Effective: the input, or the default for adopted/created. */
  onDestroy: OnDestroy;
  /** The roles users and groups can be assigned (AppRoleAssignment.appRole); refreshed, never drift. */
  appRoles?: AppRoleSummary[];
  /** When this resource instantiated the objects (ISO); young objects get a longer 404 confirmation window. */
  createdAt?: string;
  restoreDeleted: boolean;
  /** Set by refresh when the application is in deleted items: the next update restores it. */
  deletedDateTime?: string;
  /** false after a partial create: instantiated, but not yet renamed and tagged (the next update does it). */
  finalized?: false;
}

export interface AppRoleSummary {
  id: string;
  value?: string;
  displayName?: string;
  allowedMemberTypes: string[];
}

function summarizeRoles(roles: AppRole[]): AppRoleSummary[] {
  return roles.map((r) => ({
    id: r.id,
    ...(r.value ? { value: r.value } : {}),
    ...(r.displayName ? { displayName: r.displayName } : {}),
    allowedMemberTypes: r.allowedMemberTypes ?? [],
  }));
}

type OnDestroy = "keep" | "delete";
const ON_DESTROY: readonly OnDestroy[] = ["keep", "delete"];
const defaultOnDestroy = (adopted: unknown): OnDestroy => (adopted === undefined ? "delete" : "keep");

const STATE_VERSION = 1;
const MAX_DISPLAY_NAME = 256;
const INPUTS = ["template", "displayName", "permanentlyDeleteOnDestroy", "marker", "adoptApplicationObjectId", "onDestroy", "restoreDeleted"] as const;

interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  /** The application's displayName, as Graph mirrors it on the service principal. */
  appDisplayName?: string;
  tags?: string[];
  applicationTemplateId?: string;
  appRoles?: AppRole[];
}
interface PermissionScope {
  id: string;
  value?: string;
  adminConsentDescription?: string;
  adminConsentDisplayName?: string;
  userConsentDescription?: string;
  userConsentDisplayName?: string;
  [other: string]: unknown;
}
interface Application {
  id: string;
  appId: string;
  displayName: string;
  /** apiApplication: written back whole, since a PATCH of a complex property replaces it. */
  api?: { oauth2PermissionScopes?: PermissionScope[]; [other: string]: unknown };
}
interface Instance {
  applicationObjectId: string;
  appId: string;
  servicePrincipalId: string;
  /** The application's `api` as instantiate returned it (undefined: not known here). */
  api?: Application["api"];
  /** The service principal's app roles as instantiate returned them (undefined: not known here). */
  appRoles?: AppRole[];
}

/**
 * The tag that marks the service principal as this resource's, and the name it is created under.
 * Both start with "pulumi-entra:<stack key>." so one query finds every object of a stack.
 */
const MARKER_PREFIX = "pulumi-entra:";
const markerTag = (marker: string) => `${MARKER_PREFIX}${marker}`;
const provisionalName = (displayName: string, marker: string) => `${markerTag(marker)} ${displayName}`.slice(0, MAX_DISPLAY_NAME);
const SP_SELECT = "id,appId,displayName,tags,applicationTemplateId";

/** The marker a tag or provisional name carries, if any. */
function markerIn(text: string): string | undefined {
  return text.startsWith(MARKER_PREFIX) ? text.slice(MARKER_PREFIX.length).split(" ")[0] : undefined;
}

/**
 * Service principals of this stack that carry a marker, by marker: read once per provider process
 * (one query, not one per instance). Objects an earlier, interrupted run left are among them; this
 * process's own creates are not looked up here (each marker belongs to one resource).
 */
const markedByStack = new AsyncCache<Map<string, ServicePrincipal[]>>();
function markedServicePrincipals(stackKey: string): Promise<Map<string, ServicePrincipal[]>> {
  return markedByStack.get(stackKey, () => {
    const prefix = odataString(`${MARKER_PREFIX}${stackKey}.`);
    return graph()
      .list<ServicePrincipal>({
        endpoint: endpoints.servicePrincipals,
        query: { $filter: `tags/any(t:startswith(t,${prefix})) or startswith(displayName,${prefix})`, $select: SP_SELECT, $top: 999 },
      })
      .then((sps) => {
        const byMarker = new Map<string, ServicePrincipal[]>();
        for (const sp of sps) {
          for (const m of new Set([...(sp.tags ?? []), sp.displayName].map(markerIn))) {
            if (m !== undefined) byMarker.set(m, [...(byMarker.get(m) ?? []), sp]);
          }
        }
        return byMarker;
      });
  });
}

/**
 * Finds the objects an earlier attempt created under this marker: still under the provisional
 * name (a crash before renaming) or already tagged (a crash before Pulumi saved state). `skipIndex`
 * asks Graph now instead of using the per-process index (after this process's own uncertain write).
 */
async function findByMarker(marker: string, displayName: string, templateId: string, skipIndex = false): Promise<Instance | undefined> {
  const candidates = skipIndex
    ? await graph().list<ServicePrincipal>({
        endpoint: endpoints.servicePrincipals,
        query: {
          $filter: `tags/any(t:t eq ${odataString(markerTag(marker))}) or displayName eq ${odataString(provisionalName(displayName, marker))}`,
          $select: SP_SELECT,
        },
      })
    : ((await markedServicePrincipals(marker.split(".")[0])).get(marker) ?? []);
  // Only an instance of the same template is ours to adopt.
  const sp = candidates.find((c) => c.applicationTemplateId === templateId);
  if (!sp) return undefined;
  const app = await graph().get<Application>({
    endpoint: endpoints.applicationByAppId,
    params: { appId: sp.appId },
    query: { $select: "id,appId,displayName" },
    consistency: "retry-not-found",
  });
  return { applicationObjectId: app.body.id, appId: sp.appId, servicePrincipalId: sp.id };
}

/**
 * Instantiates the template at most once. Instantiate has no idempotency key, and Graph is known
 * to answer 404 after creating the objects (azuread PR #1406); an uncertain answer is resolved
 * by looking for the marker instead of instantiating again.
 */
async function instantiateOnce(templateId: string, displayName: string, marker: string): Promise<Instance> {
  const find = () => findByMarker(marker, displayName, templateId, true);
  const create = async (): Promise<Instance> => {
    const res = await graph().post<{ application: Application; servicePrincipal: ServicePrincipal }>({
      endpoint: endpoints.instantiate,
      params: { templateId },
      body: { displayName: provisionalName(displayName, marker) },
    });
    const { application, servicePrincipal } = res.body;
    recordInstantiated(servicePrincipal.id, templateId, Date.now());
    return {
      applicationObjectId: application.id,
      appId: application.appId,
      servicePrincipalId: servicePrincipal.id,
      api: application.api ?? {},
      ...(servicePrincipal.appRoles ? { appRoles: servicePrincipal.appRoles } : {}),
    };
  };
  // The template exists (check() resolved it), so a 404 from instantiate is the known fault:
  // look for what it created before trying again.
  // List queries lag behind reads by id, and replication takes "seconds to minutes": look for a
  // minute before concluding that the uncertain attempt created nothing.
  return createOnce({ create, find, settleMs: 60_000, isUncertain: (e) => e.mayHaveSucceeded === true || e.code === "GRAPH_NOT_FOUND" });
}

const SCOPE_TEXTS = ["adminConsentDescription", "adminConsentDisplayName", "userConsentDescription", "userConsentDisplayName"] as const;

/**
 * The scopes with the marker taken out of their texts, or undefined when none carries it. Graph
 * writes the instantiate-time name (our provisional one) into the texts of the auto-created
 * `user_impersonation` scope, and a rename does not touch them (terraform-provider-azuread PR 1406).
 */
function scopesWithoutMarker(scopes: PermissionScope[], marker: string): PermissionScope[] | undefined {
  const tag = `${markerTag(marker)} `;
  let changed = false;
  const cleaned = scopes.map((scope) => {
    const out = { ...scope };
    for (const k of SCOPE_TEXTS) {
      const text = out[k];
      if (typeof text === "string" && text.includes(tag)) {
        out[k] = text.split(tag).join("");
        changed = true;
      }
    }
    return out;
  });
  return changed ? cleaned : undefined;
}

/**
 * Gives both objects their real name, leaves no marker text behind, and adds the marker tag to
 * the service principal's tags. One after the other: once the application's PATCH found its
 * object, the service principal (created in the same instantiate) has had that much longer to
 * replicate. The tags are read first because a PATCH replaces the whole list and instantiate's
 * answer may not show them (Microsoft's v1.0 example shows `"tags": []`): writing that list back
 * would drop `WindowsAzureActiveDirectoryIntegratedApp` and hide the app from Enterprise
 * applications.
 */
async function finalize(instance: Instance, displayName: string, marker: string): Promise<void> {
  // Both objects came from one instantiate: the service principal's creation time is the application's.
  const recentlyCreated = recentlyCreatedRequest(instance.servicePrincipalId);
  const app = { endpoint: endpoints.application, params: { appObjectId: instance.applicationObjectId } };
  const api = instance.api ?? (await graph().get<Application>({ ...app, query: { $select: "id,api" }, ...recentlyCreated })).body.api ?? {};
  const cleaned = scopesWithoutMarker(api.oauth2PermissionScopes ?? [], marker);
  await graph().patch({ ...app, body: { displayName, ...(cleaned ? { api: { ...api, oauth2PermissionScopes: cleaned } } : {}) }, ...recentlyCreated });
  const sp = { endpoint: endpoints.servicePrincipal, params: { spId: instance.servicePrincipalId } };
  const live = (await graph().get<ServicePrincipal>({ ...sp, query: { $select: "id,tags" }, ...recentlyCreated })).body.tags ?? [];
  await graph().patch({ ...sp, body: { displayName, tags: [...new Set([...live, markerTag(marker)])] }, ...recentlyCreated });
}

/** A rename of a finalized instance: both names, nothing else (tags and scopes stay as they are). */
async function rename(instance: Instance, displayName: string): Promise<void> {
  await graph().patch({ endpoint: endpoints.application, params: { appObjectId: instance.applicationObjectId }, body: { displayName } });
  await graph().patch({ endpoint: endpoints.servicePrincipal, params: { spId: instance.servicePrincipalId }, body: { displayName } });
}

/**
 * The instance `adoptApplicationObjectId` names, or a message saying why it cannot be adopted:
 * it must exist, be an instance of the template and carry the configured name.
 */
async function adoptable(
  id: string,
  template: { id: string; displayName: string },
  displayName: string,
): Promise<{ instance: Instance } | { problem: string }> {
  const app = await unlessGone(
    () => graph().get<Application>({ endpoint: endpoints.application, params: { appObjectId: id }, query: { $select: "id,appId,displayName" } }),
    3_000,
  );
  if (!app) {
    const sp = await unlessGone(
      () => graph().get<ServicePrincipal>({ endpoint: endpoints.servicePrincipal, params: { spId: id }, query: { $select: "id,appId" } }),
      1_000,
    );
    if (sp) {
      const owner = await graph().get<Application>({ endpoint: endpoints.applicationByAppId, params: { appId: sp.value.body.appId }, query: { $select: "id" } });
      return { problem: `${id} is a service principal (enterprise application); pass the object id of its application instead: ${owner.body.id}.` };
    }
    return { problem: `no application has object id ${id}; use the "Object ID" of the app registration (not its client/app id).` };
  }
  const sp = await unlessGone(() =>
    graph().get<ServicePrincipal>({
      endpoint: endpoints.servicePrincipalByAppId,
      params: { appId: app.value.body.appId },
      query: { $select: "id,appId,displayName,tags,applicationTemplateId" },
    }),
  );
  if (!sp) return { problem: `application ${id} has no service principal (enterprise application), so it is not a gallery application instance.` };
  if (sp.value.body.applicationTemplateId !== template.id) {
    return {
      problem:
        `application ${id} ("${app.value.body.displayName}") is ${sp.value.body.applicationTemplateId ? `an instance of template ${sp.value.body.applicationTemplateId}` : "not a gallery instance"}, ` +
        `not of "${template.displayName}" (${template.id}); set template to the one it was created from, or adopt another application.`,
    };
  }
  if (app.value.body.displayName !== displayName) {
    return {
      problem: `application ${id} is named "${app.value.body.displayName}", not "${displayName}"; set displayName to its current name to adopt it (rename it afterwards if you like).`,
    };
  }
  return {
    instance: { applicationObjectId: id, appId: app.value.body.appId, servicePrincipalId: sp.value.body.id },
  };
}

function outputs(inputs: Record<string, unknown>, templateId: string, instance: Omit<Instance, "api" | "appRoles">): AppState {
  const adopt = inputs.adoptApplicationObjectId as string | undefined;
  return {
    stateVersion: STATE_VERSION,
    template: inputs.template as string,
    displayName: inputs.displayName as string,
    permanentlyDeleteOnDestroy: (inputs.permanentlyDeleteOnDestroy as boolean | undefined) ?? false,
    marker: inputs.marker as string,
    templateId,
    applicationObjectId: instance.applicationObjectId,
    appId: instance.appId,
    servicePrincipalId: instance.servicePrincipalId,
    ...(adopt === undefined ? {} : { adoptApplicationObjectId: adopt }),
    onDestroy: (inputs.onDestroy as OnDestroy | undefined) ?? defaultOnDestroy(adopt),
    restoreDeleted: (inputs.restoreDeleted as boolean | undefined) ?? true,
  };
}

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("GalleryApplication");
    c.noUnknownProperties(news, INPUTS);
    const template = c.string(news, "template", { required: true });
    const displayName = c.string(news, "displayName", { required: true, max: MAX_DISPLAY_NAME });
    c.boolean(news, "permanentlyDeleteOnDestroy");
    c.boolean(news, "restoreDeleted");
    const adopt = c.guid(news, "adoptApplicationObjectId");
    const onDestroy = c.string(news, "onDestroy");
    if (onDestroy !== undefined && !ON_DESTROY.includes(onDestroy as OnDestroy)) {
      c.fail("onDestroy", `must be "keep" (leave the application in Entra, only drop it from the stack) or "delete", got "${onDestroy}".`);
    }
    if (template !== undefined) {
      try {
        const resolved = await resolveTemplate(template);
        // Verified at preview already when the id and the name are known.
        if (adopt !== undefined && displayName !== undefined && c.failures.length === 0) {
          const found = await adoptable(adopt, resolved, displayName);
          if ("problem" in found) c.fail("adoptApplicationObjectId", found.problem);
        }
      } catch (e) {
        if (!(e instanceof TemplateLookupError)) throw e;
        c.fail("template", e.message);
      }
    }
    return c.result(news);
  },

  async diff(_id, olds: AppState, news) {
    const replaces: string[] = [];
    let changes = false;
    if (news.template !== olds.template) {
      changes = true;
      // A different spelling of the same template (name vs id) is not a new instance.
      // Unknown during preview: "may change", not a replacement (see immutableChange).
      if (!isUnknown(news.template) && (await resolveTemplate(news.template)).id !== olds.templateId) {
        replaces.push("template");
      }
    }
    if (news.displayName !== olds.displayName) changes = true;
    if ((news.permanentlyDeleteOnDestroy ?? false) !== olds.permanentlyDeleteOnDestroy) changes = true;
    if ((news.restoreDeleted ?? true) !== (olds.restoreDeleted ?? true)) changes = true;
    // Deleted out of band and restorable (read found it in deleted items): the update restores it.
    if (olds.deletedDateTime !== undefined) changes = true;
    // Adoption is sticky: removing the input later does not hand the instance over to this stack.
    const adopt = news.adoptApplicationObjectId ?? olds.adoptApplicationObjectId;
    if (adopt !== olds.adoptApplicationObjectId) {
      changes = true;
      // Adopting the instance this resource already manages is bookkeeping; another id is another instance.
      if (adopt !== olds.applicationObjectId && !isUnknown(adopt)) replaces.push("adoptApplicationObjectId");
    }
    const onDestroy = olds.onDestroy ?? defaultOnDestroy(olds.adoptApplicationObjectId);
    if ((news.onDestroy ?? defaultOnDestroy(adopt)) !== onDestroy) changes = true;
    return { changes, replaces };
  },

  async create(inputs) {
    const template = await resolveTemplate(inputs.template);
    if (inputs.adoptApplicationObjectId !== undefined) {
      // Adoption writes nothing: the instance is taken as it is (check() verified it; verify again now).
      const found = await adoptable(inputs.adoptApplicationObjectId, template, inputs.displayName);
      if ("problem" in found) throw new InputError(`GalleryApplication.adoptApplicationObjectId: ${found.problem}`);
      return { id: found.instance.applicationObjectId, outs: outputs(inputs, template.id, found.instance) };
    }
    const existing = await findByMarker(inputs.marker, inputs.displayName, template.id);
    const instance = existing ?? (await instantiateOnce(template.id, inputs.displayName, inputs.marker));
    const createdAt = new Date().toISOString();
    // Instantiate's answer carries the roles; an instance found by its marker asks for them.
    const appRoles = summarizeRoles(instance.appRoles ?? (await appRolesOf(instance.servicePrincipalId, recentlyCreatedRequest(instance.servicePrincipalId))));
    try {
      await finalize(instance, inputs.displayName, inputs.marker);
    } catch (e) {
      // The objects exist: keep them in state (refresh and destroy know them, nothing is
      // orphaned) under the name they were created with; the next `pulumi up` finalizes them.
      const named = { ...inputs, displayName: provisionalName(inputs.displayName, inputs.marker) };
      throw partialCreate(e, instance.applicationObjectId, { ...outputs(named, template.id, instance), createdAt, finalized: false });
    }
    return { id: instance.applicationObjectId, outs: { ...outputs(inputs, template.id, instance), appRoles, createdAt } };
  },

  async read(id, props: AppState) {
    const state = upgrade(props);
    // One GET: the service principal carries its application's name as appDisplayName, and it
    // cannot outlive its application (deleting the application deletes it).
    const sp = await unlessGone(
      () =>
        graph().get<ServicePrincipal>({
          endpoint: endpoints.servicePrincipal,
          params: { spId: state.servicePrincipalId },
          query: { $select: "id,appId,displayName,appDisplayName,appRoles" },
        }),
      goneWindowMs(state.createdAt),
      () => inDeletedItems(state.servicePrincipalId),
    );
    let names: (string | undefined)[];
    let appId: string;
    if (sp) {
      names = [sp.value.body.appDisplayName, sp.value.body.displayName];
      appId = sp.value.body.appId;
    } else {
      // Only the enterprise application was deleted (rare): the instance lives while its application does.
      const app = await unlessGone(
        () => graph().get<Application>({ endpoint: endpoints.application, params: { appObjectId: id }, query: { $select: "id,appId,displayName" } }),
        1_000,
      );
      if (!app) {
        // Deleted out of band: restorable for 30 days. Keep it in state so `up` restores it
        // (same ids and appId) instead of instantiating a new one.
        const deleted = state.restoreDeleted === false ? undefined : await deletedItem<{ id: string; deletedDateTime?: string }>(id, "id,deletedDateTime");
        if (!deleted) return {};
        const restorable: AppState = { ...state, deletedDateTime: deleted.deletedDateTime ?? new Date().toISOString() };
        return { id, props: restorable, inputs: inputsOf(restorable) };
      }
      names = [app.value.body.displayName];
      appId = app.value.body.appId;
    }
    // A rename of either object (app registration or enterprise application) is drift.
    const liveName = names.find((n) => n !== undefined && n !== state.displayName);
    const appRoles = sp?.value.body.appRoles ? summarizeRoles(sp.value.body.appRoles) : state.appRoles;
    const props2: AppState = { ...state, displayName: liveName ?? state.displayName, appId, ...(appRoles ? { appRoles } : {}) };
    return { id, props: props2, inputs: inputsOf(props2) };
  },

  async update(id, olds: AppState, news) {
    const state = upgrade(olds);
    if (state.deletedDateTime !== undefined) await restore(id, state.servicePrincipalId);
    const instance = { applicationObjectId: id, appId: state.appId, servicePrincipalId: state.servicePrincipalId };
    if (state.finalized === false) await finalize(instance, news.displayName, state.marker);
    else if (news.displayName !== state.displayName) await rename(instance, news.displayName);
    const adopt = news.adoptApplicationObjectId ?? state.adoptApplicationObjectId;
    // (deletedDateTime is dropped: the instance is back.)
    return { outs: { ...outputs({ ...news, marker: state.marker, adoptApplicationObjectId: adopt }, state.templateId, state), appRoles: state.appRoles, createdAt: state.createdAt } };
  },

  async delete(id, props: AppState) {
    const state = upgrade(props);
    // "keep" (the default for an adopted instance): destroy only drops it from the stack.
    if (state.onDestroy === "keep") return;
    // Deleting the application also deletes its service principal, jobs and secrets.
    const deleted = await unlessGone(() => graph().delete({ endpoint: endpoints.application, params: { appObjectId: id } }));
    if (deleted && state.permanentlyDeleteOnDestroy) {
      // Deleting the application soft-deletes its service principal too: purge both, or the
      // enterprise application stays restorable in deleted items for 30 days.
      for (const [objectId, what] of [[id, "application"], [state.servicePrincipalId, "service principal"]] as const) {
        await untilVisible(() => graph().delete({ endpoint: endpoints.deletedItem, params: { id: objectId } }), {
          timeoutMs: operationTimeoutMs(),
          description: `deleted ${what} ${objectId} to appear in deletedItems`,
        });
      }
    }
  },
});

/**
 * Restores the application and then its service principal from deleted items
 * (https://learn.microsoft.com/graph/api/directory-deleteditems-restore): both keep their ids,
 * the appId and the assignments. Synchronization jobs and secrets do not come back; their
 * resources see them gone and create them again in the same `up`.
 */
async function restore(appObjectId: string, spId: string): Promise<void> {
  for (const id of [appObjectId, spId]) {
    try {
      await graph().post({ endpoint: endpoints.deletedItemRestore, params: { id } });
    } catch (e) {
      // The service principal may have come back with its application already.
      if (!(id === spId && isGraphError(e, "GRAPH_NOT_FOUND", "GRAPH_BAD_REQUEST"))) throw e;
    }
  }
  // The secrets and job created next for it must wait for replicas that have not seen it back.
  recordRestored(spId, Date.now());
  await untilVisible(() => graph().get({ endpoint: endpoints.servicePrincipal, params: { spId }, query: { $select: "id" } }), {
    timeoutMs: operationTimeoutMs(),
    description: `restored service principal ${spId} to be readable`,
  });
}

function inputsOf(state: AppState): Record<string, unknown> {
  return withoutDefaults(
    {
      template: state.template,
      displayName: state.displayName,
      permanentlyDeleteOnDestroy: state.permanentlyDeleteOnDestroy,
      marker: state.marker,
      adoptApplicationObjectId: state.adoptApplicationObjectId,
      onDestroy: state.onDestroy,
      restoreDeleted: state.restoreDeleted,
    },
    { permanentlyDeleteOnDestroy: false, onDestroy: defaultOnDestroy(state.adoptApplicationObjectId), restoreDeleted: true },
  );
}

/** Reads state written by any earlier version of this resource. */
function upgrade(props: AppState): AppState {
  const state = props;
  // Version 1 is the first; later versions add their migrations here.
  return {
    ...state,
    stateVersion: STATE_VERSION,
    permanentlyDeleteOnDestroy: state.permanentlyDeleteOnDestroy ?? false,
    onDestroy: state.onDestroy ?? defaultOnDestroy(state.adoptApplicationObjectId),
    restoreDeleted: state.restoreDeleted ?? true,
  };
}

/**
 * An instance of a gallery application: `POST /applicationTemplates/{id}/instantiate`, which
 * creates an application and its service principal.
 */
export class GalleryApplication extends EntraResource {
  declare readonly template: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly templateId: pulumi.Output<string>;
  /** The application object's id; also this resource's id. */
  declare readonly applicationObjectId: pulumi.Output<string>;
  declare readonly appId: pulumi.Output<string>;
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** Roles users and groups can be assigned (AppRoleAssignment.appRole takes a value, display name or id). */
  declare readonly appRoles: pulumi.Output<AppRoleSummary[]>;

  constructor(name: string, args: GalleryApplicationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "app",
      "GalleryApplication",
      name,
      {
        ...args,
        marker: markerFor(name),
        templateId: undefined,
        applicationObjectId: undefined,
        appId: undefined,
        servicePrincipalId: undefined,
        appRoles: undefined,
      },
      opts,
    );
  }
}

/**
 * Stable per stack and resource name, so a re-run after a crash finds what the crash left:
 * "<stack key>.<resource key>", hex digits of sha256 of "<project>/<stack>" and of
 * "<project>/<stack>/<resource name>".
 */
function markerFor(name: string): string {
  const hash = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);
  const stack = `${pulumi.getProject()}/${pulumi.getStack()}`;
  return `${hash(stack, 8)}.${hash(`${stack}/${name}`, 12)}`;
}

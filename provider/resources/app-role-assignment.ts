// AppRoleAssignment: a user or group assigned to an application. A provisioning job provisions
// only the users and groups assigned to its application (unless its scope is "all"):
// POST /servicePrincipals/{id}/appRoleAssignedTo {principalId, resourceId, appRoleId}
// (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto).
import * as pulumi from "@pulumi/pulumi";
import { endpoints, isGraphError, isGuid, waitFor } from "../graph";
import { defineProvider } from "./define";
import { recentlyCreatedRequest } from "./recently-created";
import { inDeletedItems, unlessGone } from "./gone";
import { InputError } from "../errors";
import { Checker, isUnknown } from "./inputs";
import { appRolesOf, findGroups, findPrincipal, findUsers, pickRole, similarNames, type Principal } from "./principals";
import { graph } from "./runtime";
import { EntraResource } from "./shim";

export interface AppRoleAssignmentArgs {
  /** The application's service principal (GalleryApplication.servicePrincipalId). */
  servicePrincipalId: pulumi.Input<string>;
  /** The user or group to assign, by object id. Set exactly one of principalId, user and group. */
  principalId?: pulumi.Input<string>;
  /** A user, by user principal name (e.g. adele@contoso.com). */
  user?: pulumi.Input<string>;
  /** A group, by display name; it must be unique in the tenant. */
  group?: pulumi.Input<string>;
  /**
   * The app role: its value, display name or id. Default: "Default Access" when the application
   * defines no roles, its only role when it defines one, else its "User" role.
   */
  appRole?: pulumi.Input<string>;
}

interface AssignmentState {
  stateVersion: number;
  servicePrincipalId: string;
  principalId?: string;
  user?: string;
  group?: string;
  appRole?: string;
  /** Resolved: the assigned object and role. */
  assignedPrincipalId: string;
  principalType: string;
  principalDisplayName: string;
  appRoleId: string;
  assignmentId: string;
}

interface GraphAssignment {
  id: string;
  principalId: string;
  principalType?: string;
  principalDisplayName?: string;
  appRoleId: string;
  resourceId: string;
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "principalId", "user", "group", "appRole"] as const;
const PRINCIPAL_INPUTS = ["principalId", "user", "group"] as const;

/** The principal the inputs name, or a message naming the input and what to do. */
async function resolvePrincipal(inputs: Record<string, unknown>): Promise<{ principal: Principal } | { property: string; problem: string }> {
  if (typeof inputs.principalId === "string") {
    const found = await findPrincipal(inputs.principalId);
    return found ? { principal: found } : { property: "principalId", problem: `no user or group has object id ${inputs.principalId}; pass the object id of a user or a group.` };
  }
  if (typeof inputs.user === "string") {
    const [found] = await findUsers(inputs.user);
    if (found) return { principal: found };
    return { property: "user", problem: `no user has the user principal name "${inputs.user}"${await didYouMean("users", inputs.user)} Check the spelling, or pass principalId.` };
  }
  const name = inputs.group as string;
  const found = await findGroups(name);
  if (found.length === 1) return { principal: found[0] };
  if (found.length === 0) {
    return { property: "group", problem: `no group is named "${name}"${await didYouMean("groups", name)} Display names are matched exactly (ignoring case); or pass principalId.` };
  }
  return {
    property: "group",
    problem: `${found.length} groups are named "${name}" (${found.slice(0, 5).map((g) => g.id).join(", ")}); pass the object id of the one you mean as principalId.`,
  };
}

async function didYouMean(collection: "users" | "groups", name: string): Promise<string> {
  const near = await similarNames(collection, name).catch(() => []);
  return near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(" or ")}?` : ".";
}

/** Principal and role, resolved; throws with the input named. */
async function resolve(inputs: Record<string, unknown>, spId: string) {
  const p = await resolvePrincipal(inputs);
  if ("problem" in p) throw new InputError(`AppRoleAssignment.${p.property}: ${p.problem}`);
  const r = pickRole(await appRolesOf(spId, recentlyCreatedRequest(spId)), inputs.appRole as string | undefined);
  if ("problem" in r) throw new InputError(`AppRoleAssignment.appRole: ${r.problem}`);
  return { principal: p.principal, role: r.role };
}

/** The assignments of a service principal (a list: it lags behind reads by id). */
const assignmentsOf = (spId: string) => graph().list<GraphAssignment>({ endpoint: endpoints.appRoleAssignedTo, params: { spId }, query: { $top: 999 } });

const getAssignment = (spId: string, assignmentId: string) =>
  graph().get<GraphAssignment>({ endpoint: endpoints.appRoleAssignment, params: { spId, assignmentId } }).then((r) => r.body);

function outputs(inputs: Record<string, unknown>, a: GraphAssignment, principal: { type: string; displayName: string }): AssignmentState {
  return {
    stateVersion: STATE_VERSION,
    servicePrincipalId: inputs.servicePrincipalId as string,
    ...Object.fromEntries(["principalId", "user", "group", "appRole"].filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]])),
    assignedPrincipalId: a.principalId,
    principalType: principal.type,
    principalDisplayName: principal.displayName,
    appRoleId: a.appRoleId,
    assignmentId: a.id,
  };
}

/** Graph refuses a second identical assignment (400 "Permission being assigned already exists on the object"). */
const isDuplicate = (e: unknown) => isGraphError(e, "GRAPH_BAD_REQUEST", "GRAPH_CONFLICT") && /already exists/i.test(e.graphMessage ?? "");

export const provider = defineProvider({
  async check(olds, news) {
    const c = new Checker("AppRoleAssignment");
    c.noUnknownProperties(news, INPUTS);
    const spId = c.guid(news, "servicePrincipalId", { required: true });
    const given = PRINCIPAL_INPUTS.filter((k) => news[k] !== undefined);
    if (given.length !== 1) c.fail(given.length ? given[1] : "principalId", `set exactly one of principalId, user and group${given.length ? ` (got ${given.join(" and ")})` : ""}.`);
    c.guid(news, "principalId");
    c.string(news, "user");
    c.string(news, "group");
    c.string(news, "appRole");
    // Resolved at preview when everything is known: once when the inputs change, not on every preview.
    const unchanged = INPUTS.every((k) => olds[k] === news[k]);
    if (c.failures.length === 0 && spId !== undefined && !unchanged && !INPUTS.some((k) => isUnknown(news[k]))) {
      const p = await resolvePrincipal(news);
      if ("problem" in p) c.fail(p.property, p.problem);
      // In deleted items: its application is restored by `up` first; checked at create.
      const deleted = { value: false };
      const roles = await unlessGone(() => appRolesOf(spId), 3_000, async () => (deleted.value = await inDeletedItems(spId)));
      if (!roles) {
        if (!deleted.value) c.fail("servicePrincipalId", `no service principal has id ${spId}; pass GalleryApplication.servicePrincipalId.`);
      } else {
        const r = pickRole(roles.value, news.appRole as string | undefined);
        if ("problem" in r) c.fail("appRole", r.problem);
      }
    }
    return c.result(news);
  },

  async diff(_id, olds: AssignmentState, news) {
    const replaces = INPUTS.filter((k) => k !== "appRole" && !isUnknown(news[k]) && news[k] !== olds[k]);
    if (INPUTS.some((k) => k !== "appRole" && isUnknown(news[k]))) replaces.push(...INPUTS.filter((k) => isUnknown(news[k])));
    // The role is compared as resolved: a different spelling of the same role is not a change, a
    // role changed out of band (read records the live one) is.
    let roleChanged = news.appRole !== olds.appRole;
    if (!isUnknown(news.appRole) && !isUnknown(news.servicePrincipalId) && isGuid(olds.servicePrincipalId)) {
      const r = pickRole(await appRolesOf(olds.servicePrincipalId), news.appRole);
      roleChanged = !("role" in r) || r.role.id !== olds.appRoleId;
    }
    // Assignments cannot be updated in Graph: any change is a new assignment.
    if (roleChanged) replaces.push("appRole");
    return { changes: replaces.length > 0 || news.appRole !== olds.appRole, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const spId: string = inputs.servicePrincipalId;
    const { principal, role } = await resolve(inputs, spId);
    let assignment: GraphAssignment;
      try {
        assignment = (
          await graph().post<GraphAssignment>({
            endpoint: endpoints.appRoleAssignedTo,
            params: { spId },
            body: { principalId: principal.id, resourceId: spId, appRoleId: role.id },
            ...recentlyCreatedRequest(spId),
          })
        ).body;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        // Already assigned (an interrupted run, or someone in the portal): take that assignment
        // over. The listing lags behind the write that made the duplicate: look for a while.
        const same = await waitFor(
          async () =>
            (await assignmentsOf(spId)).find((a) => a.principalId.toLowerCase() === principal.id.toLowerCase() && a.appRoleId.toLowerCase() === role.id.toLowerCase()),
          { timeoutMs: 60_000, maxDelayMs: 4_000, description: `the existing assignment of ${principal.id} to appear in the listing` },
        );
        assignment = same;
      }
    return { id: assignment.id, outs: outputs(inputs, assignment, principal) };
  },

  async read(id, props: AssignmentState) {
    const spId = props.servicePrincipalId;
    // By id: a list lags behind and would miss an assignment made moments ago.
    // Assignments replicate like directory objects: a 404 is confirmed over the usual window,
    // unless the service principal itself is in deleted items.
    const mine = await unlessGone(() => getAssignment(spId, id), undefined, () => inDeletedItems(spId));
    // Removed out of band: gone (the next up assigns again). Re-assigned with another role: that
    // assignment stands in for this one, and its role shows as drift on appRole.
    const found =
      mine?.value ??
      (await unlessGone(() => assignmentsOf(spId), 1_000))?.value.find((a) => a.principalId.toLowerCase() === props.assignedPrincipalId.toLowerCase());
    if (!found) return {};
    const state: AssignmentState = { ...props, stateVersion: STATE_VERSION, appRoleId: found.appRoleId, assignmentId: found.id };
    const inputs: Record<string, unknown> = { servicePrincipalId: props.servicePrincipalId };
    for (const k of ["principalId", "user", "group", "appRole"] as const) if (props[k] !== undefined) inputs[k] = props[k];
    if (found.appRoleId !== props.appRoleId) inputs.appRole = found.appRoleId;
    return { id: found.id, props: state, inputs };
  },

  async update(_id, olds: AssignmentState, news) {
    // Only the spelling of appRole changed (the resolved role is the same): record it.
    return { outs: { ...olds, ...(news.appRole === undefined ? { appRole: undefined } : { appRole: news.appRole }) } };
  },

  async delete(id, props: AssignmentState) {
    // A principal deleted since is not an error: its assignments went with it.
    await unlessGone(() => graph().delete({ endpoint: endpoints.appRoleAssignment, params: { spId: props.servicePrincipalId, assignmentId: id } }), 3_000);
  },
});

/** A user or group assigned to an application, so its provisioning job provisions them. */
export class AppRoleAssignment extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** The assignment's id; also this resource's id. */
  declare readonly assignmentId: pulumi.Output<string>;
  /** The assigned user's or group's object id. */
  declare readonly assignedPrincipalId: pulumi.Output<string>;
  /** "User" or "Group". */
  declare readonly principalType: pulumi.Output<string>;
  declare readonly principalDisplayName: pulumi.Output<string>;
  declare readonly appRoleId: pulumi.Output<string>;

  constructor(name: string, args: AppRoleAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "assign",
      "AppRoleAssignment",
      name,
      { ...args, assignmentId: undefined, assignedPrincipalId: undefined, principalType: undefined, principalDisplayName: undefined, appRoleId: undefined },
      opts,
    );
  }
}

// Who an application provisions: how many users and groups are assigned to it, and whether its
// scope is "all" (SyncAll "true" in the synchronization secrets). A started job with no
// assignment and SyncAll "false" provisions nobody, which Graph reports as a healthy job.
import { endpoints, isGraphError, type GraphClient } from "../graph";

export interface AssignmentCoverage {
  servicePrincipalId: string;
  users: number;
  groups: number;
  /** SyncAll "true": every user and group is in scope, assigned or not. */
  syncAll: boolean;
}

interface Assignment {
  principalType?: string;
}

/** Coverage per service principal (two requests each); a service principal that is gone is left out. */
export async function assignmentCoverage(client: GraphClient, spIds: string[]): Promise<Map<string, AssignmentCoverage>> {
  const out = new Map<string, AssignmentCoverage>();
  await Promise.all(
    [...new Set(spIds)].map(async (spId) => {
      try {
        const [assigned, secrets] = await Promise.all([
          client.list<Assignment>({ endpoint: endpoints.appRoleAssignedTo, params: { spId }, query: { $top: 999 } }),
          client.get<{ value?: { key: string; value: string }[] }>({ endpoint: endpoints.secrets, params: { spId } }),
        ]);
        const syncAll = (secrets.body.value ?? []).some((kv) => kv.key === "SyncAll" && kv.value.toLowerCase() === "true");
        out.set(spId, {
          servicePrincipalId: spId,
          users: assigned.filter((a) => a.principalType === "User").length,
          groups: assigned.filter((a) => a.principalType === "Group").length,
          syncAll,
        });
      } catch (e) {
        if (!isGraphError(e, "GRAPH_NOT_FOUND")) throw e;
      }
    }),
  );
  return out;
}

/** "all", "3 (1 group, 2 users)" or "none" — for tables and messages. */
export function describeCoverage(c: AssignmentCoverage | undefined): string {
  if (!c) return "";
  if (c.syncAll) return "all";
  const n = c.users + c.groups;
  if (n === 0) return "none";
  const parts = [c.groups ? `${c.groups} group${c.groups > 1 ? "s" : ""}` : "", c.users ? `${c.users} user${c.users > 1 ? "s" : ""}` : ""].filter(Boolean);
  return parts.join(", ");
}

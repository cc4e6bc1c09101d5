// `provision --user/--group`: an object id as is, or a user principal name / display name looked up
// through Graph (functions/principals.ts, shared with AppRoleAssignment), with a clear error for no match or several.
import { isGraphError, isGuid, type GraphClient } from "../graph";
import { principalsNamed, type Principal, type PrincipalType } from "../functions/principals";
import { usageError } from "./errors";

export interface ResolvedSubject {
  objectId: string;
  /** How the subject was found, for messages: e.g. `AdeleV@contoso.com`; undefined for an object id. */
  matched?: string;
}

/** Matches listed in the "ambiguous" error. */
const SHOWN = 5;

/**
 * The object id of `--user VALUE` / `--group VALUE`: a GUID is taken as the object id; otherwise a user is looked up
 * by userPrincipalName (a value with "@") or displayName, a group by displayName (Graph compares both ignoring case).
 */
export async function resolveSubject(client: GraphClient, type: PrincipalType, value: string): Promise<ResolvedSubject> {
  const trimmed = value.trim();
  const guid: boolean = isGuid(trimmed); // (a plain boolean: the guard would narrow `trimmed` to never below)
  if (guid) return { objectId: trimmed };
  const flag = type === "User" ? "--user" : "--group";
  if (!trimmed) throw usageError(`${flag}: pass an object id${type === "User" ? ", a user principal name or a display name" : " or a display name"}.`);
  const byUpn = type === "User" && trimmed.includes("@");
  const property = byUpn ? "userPrincipalName" : "displayName";
  const collection = type === "User" ? "users" : "groups";
  let found: Principal[];
  try {
    [found] = await principalsNamed(client, type, property, [trimmed], SHOWN + 1);
  } catch (e) {
    if (isGraphError(e, "GRAPH_FORBIDDEN")) {
      // Still GRAPH_FORBIDDEN with Graph's ids, told as the flag to change.
      const permission = type === "User" ? "User.Read.All" : "Group.Read.All";
      throw e.rephrased(
        `${flag} "${trimmed}": looking up ${collection} by ${property} needs the ${permission} permission, which Graph refused; pass the object id instead.`,
        `Or grant ${permission} to the app registration, with admin consent.`,
      );
    }
    throw e;
  }
  const noun = type.toLowerCase();
  if (found.length === 0) throw usageError(`${flag}: no ${noun} has the ${property} "${trimmed}"; pass the object id (or the exact ${byUpn ? "user principal name" : "display name"}).`);
  if (found.length > 1) {
    const list = found
      .slice(0, SHOWN)
      .map((o) => `  ${o.userPrincipalName ?? o.displayName ?? ""} ${o.id}`)
      .join("\n");
    const more = found.length > SHOWN ? `\n  … and more` : "";
    throw usageError(`${flag}: "${trimmed}" is ambiguous: ${found.length > SHOWN ? `more than ${SHOWN}` : found.length} ${noun}s have that ${property}:\n${list}${more}\npass the object id of the one you mean (${flag} ID).`);
  }
  return { objectId: found[0].id, matched: found[0].userPrincipalName ?? found[0].displayName };
}

import { maskSecrets, mixedAuthKeys, parseKeyValues, SETTINGS_KEYS, settingsProblem } from "../credentials";
import { noContent, odataContext, ok } from "../context";
import { asObject, badRequest, internalError } from "../errors";
import { Router } from "../router";
import { Services, SYNC_READ, SYNC_WRITE } from "../services";
import { lookup } from "./directory-objects";

/**
 * /servicePrincipals/{id}/synchronization/secrets
 * (https://learn.microsoft.com/graph/api/synchronization-serviceprincipal-put-synchronization; sources in FIDELITY.md).
 *
 * PUT replaces the whole set ("we don't support PATCH requests for secrets, so you need to add all
 * the values in the body of the PUT request", Entra cloud-sync Graph how-to). In order:
 *   1. body shape, key names, duplicates → 400 Request_BadRequest;
 *   2. the bearer token (SecretToken) together with OAuth keys → 500 InternalError, nothing stored;
 *   3. malformed SyncAll / SkipOutOfScopeDeletions / SyncNotificationSettings values → 400;
 *   4. a set without both SyncAll and SyncNotificationSettings → 204, and nothing is stored (the
 *      previous set stays): Graph "silently drops the entire payload" of such a PUT;
 *   5. otherwise → 204 and the set replaces the stored one.
 * GET is not in the API reference but is used by the Entra docs; secret-bearing keys come back as
 * "*" (the provider must never diff them), other keys in clear.
 */
export function registerSecretRoutes(router: Router, s: Services): void {
  router.add({
    method: "PUT",
    pattern: "/servicePrincipals/{id}/synchronization/secrets",
    permission: SYNC_WRITE,
    identity: true,
    handler: (ctx) => {
      const sp = lookup(s, "servicePrincipal", ctx);
      const body = asObject(ctx.body, "PUT synchronization/secrets");
      const keys = Object.keys(body).filter((k) => !k.startsWith("@odata."));
      // The docs' parameter table says `credentials`, the example and real clients use `value` (§9.3): accept both.
      const field = keys.length === 1 && (keys[0] === "value" || keys[0] === "credentials") ? keys[0] : undefined;
      if (!field) throw badRequest("The request body must be {\"value\": [{\"key\": …, \"value\": …}]}.");
      const set = parseKeyValues(body[field], field);
      const seen = new Set<string>();
      for (const kv of set) {
        if (seen.has(kv.key)) throw badRequest(`The key '${kv.key}' appears more than once.`);
        seen.add(kv.key);
      }
      const mixed = mixedAuthKeys(set);
      if (mixed) {
        throw internalError(`The synchronization secrets mix a bearer token ('${mixed.bearer}') with OAuth credentials ('${mixed.oauth}'); nothing was saved. ` +
          "Send either the bearer token or the OAuth keys.");
      }
      const problem = settingsProblem(set);
      if (problem) throw badRequest(problem);
      // Dropped while answering 204: observable only through GET …/secrets (unchanged).
      if (!SETTINGS_KEYS.every((k) => seen.has(k))) return noContent();
      s.sync.secrets.set(sp.id, set);
      s.sync.onChange();
      return noContent();
    },
  });

  router.add({
    method: "GET",
    pattern: "/servicePrincipals/{id}/synchronization/secrets",
    permission: SYNC_READ,
    identity: true,
    handler: (ctx) => {
      const sp = lookup(s, "servicePrincipal", ctx);
      return ok({
        "@odata.context": odataContext(ctx, `servicePrincipals('${sp.id}')/synchronization/secrets`),
        value: maskSecrets(s.sync.secrets.get(sp.id) ?? []),
      });
    },
  });
}

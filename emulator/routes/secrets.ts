import { maskSecrets, parseKeyValues } from "../credentials";
import { noContent, odataContext, ok } from "../context";
import { asObject, badRequest } from "../errors";
import { Router } from "../router";
import { Services, SYNC_READ, SYNC_WRITE } from "../services";
import { lookup } from "./directory-objects";

/**
 * /servicePrincipals/{id}/synchronization/secrets (graph-api.md §3.3). PUT replaces the whole set.
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

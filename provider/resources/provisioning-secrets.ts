// ProvisioningSecrets: the credentials a provisioning connector uses to reach the target app
// (seed step 3, "authorize access"): PUT /servicePrincipals/{id}/synchronization/secrets.
import * as pulumi from "@pulumi/pulumi";
import { endpoints, serializeBy } from "../graph";
import { freshRequest } from "./fresh";
import { unlessGone } from "./gone";
import { Checker, closest, immutableChange, isUnknown, sameMap } from "./inputs";
import { graph } from "./runtime";
import { MASKED, SECRET_BEARING_KEYS, SYNCHRONIZATION_SECRET_KEYS } from "./secret-keys";
import { defineProvider } from "./define";
import { EntraResource } from "./shim";

export interface ProvisioningSecretsArgs {
  /** The service principal of the application instance (GalleryApplication.servicePrincipalId). */
  servicePrincipalId: pulumi.Input<string>;
  /** Graph secret key (e.g. BaseAddress, SecretToken) → value. Values are stored as secrets. */
  credentials: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface SecretsState {
  stateVersion: number;
  servicePrincipalId: string;
  credentials: Record<string, string>;
  keys: string[];
}

interface KeyValue {
  key: string;
  value: string;
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "credentials"] as const;

/** `justCreated`: the service principal may be new, so a 404 means "not replicated yet". */
async function putSecrets(spId: string, credentials: Record<string, string>, justCreated: boolean): Promise<void> {
  const value: KeyValue[] = Object.entries(credentials).map(([key, v]) => ({ key, value: v }));
  await graph().put({
    endpoint: endpoints.secrets,
    params: { spId },
    body: { value },
    ...(justCreated ? freshRequest(spId) : {}),
  });
}

async function readSecrets(spId: string): Promise<Map<string, string>> {
  const res = await graph().get<{ value: KeyValue[] }>({ endpoint: endpoints.secrets, params: { spId } });
  return new Map((res.body?.value ?? []).map((kv) => [kv.key, kv.value]));
}

/**
 * Saves the whole set. Graph's 204 is the confirmation: GET secrets is not part of the API
 * reference and masks secret-bearing values, so reading back would prove nothing about them.
 */
async function save(spId: string, credentials: Record<string, string>): Promise<void> {
  await serializeBy(spId, () => putSecrets(spId, credentials, true));
}

function outputs(spId: string, credentials: Record<string, string>): SecretsState {
  return { stateVersion: STATE_VERSION, servicePrincipalId: spId, credentials, keys: Object.keys(credentials).sort() };
}

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("ProvisioningSecrets");
    c.noUnknownProperties(news, INPUTS);
    c.guid(news, "servicePrincipalId", { required: true });
    const credentials = c.stringMap(news, "credentials", { required: true });
    if (credentials) {
      if (Object.keys(credentials).length === 0) c.fail("credentials", "must name at least one key, e.g. { BaseAddress, SecretToken }.");
      for (const key of Object.keys(credentials)) {
        if (SYNCHRONIZATION_SECRET_KEYS.includes(key)) continue;
        const near = closest(key, SYNCHRONIZATION_SECRET_KEYS, 1)[0];
        c.fail(
          `credentials.${key}`,
          `is not a Graph synchronization secret key${near ? `; did you mean "${near}"?` : ""} Valid keys include BaseAddress, SecretToken, ClientSecret, UserName, Password (Graph's synchronizationSecret names).`,
        );
      }
    }
    return c.result(news);
  },

  async diff(_id, olds: SecretsState, news) {
    const sp = immutableChange(olds, news, "servicePrincipalId");
    const replaces = sp === "replace" ? ["servicePrincipalId"] : [];
    const changes = sp !== "none" || isUnknown(news.credentials) || !sameMap(olds.credentials, news.credentials);
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    await save(inputs.servicePrincipalId, inputs.credentials);
    return { id: inputs.servicePrincipalId, outs: outputs(inputs.servicePrincipalId, inputs.credentials) };
  },

  async read(id, props: SecretsState) {
    const live = await unlessGone(() => readSecrets(id));
    if (!live) return {};
    // Masked (secret-bearing) values keep ours: Graph never shows them. Other keys are compared,
    // so a BaseAddress changed in the portal shows as drift.
    const credentials: Record<string, string> = {};
    for (const [key, ours] of Object.entries(props.credentials ?? {})) {
      const theirs = live.value.get(key);
      if (theirs === undefined) {
        if (SECRET_BEARING_KEYS.has(key)) credentials[key] = ours;
      } else {
        credentials[key] = theirs === MASKED ? ours : theirs;
      }
    }
    const state = outputs(id, credentials);
    return { id, props: state, inputs: { servicePrincipalId: id, credentials } };
  },

  async update(id, _olds, news) {
    await save(id, news.credentials);
    return { outs: outputs(id, news.credentials) };
  },

  async delete(id, props: SecretsState) {
    const cleared = Object.fromEntries(Object.keys(props.credentials ?? {}).map((k) => [k, ""]));
    // Gone with its application: nothing to clear.
    await unlessGone(() => serializeBy(id, () => putSecrets(id, cleared, false)));
  },
});

/** The credentials of an application's provisioning connector. Values never leave state unencrypted. */
export class ProvisioningSecrets extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** The keys saved (values are secret and not repeated here). */
  declare readonly keys: pulumi.Output<string[]>;

  constructor(name: string, args: ProvisioningSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "secrets",
      "ProvisioningSecrets",
      name,
      { servicePrincipalId: args.servicePrincipalId, credentials: pulumi.secret(args.credentials), keys: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["credentials"] }),
    );
  }
}

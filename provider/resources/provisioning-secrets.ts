// ProvisioningSecrets: the credentials a provisioning connector uses to reach the target app
// (step 3, "authorize access", of https://learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-configuration-api): PUT /servicePrincipals/{id}/synchronization/secrets.
//
// Graph's PUT replaces the whole set, and the set also holds settings an admin may manage in the
// portal (SyncAll, SkipOutOfScopeDeletions, SyncNotificationSettings). Every write therefore reads
// the current set and PUTs the merge: declared keys as declared, keys this resource managed before
// but no longer declares removed, every other key kept as it is. A kept key whose value Graph masks
// cannot be sent back, so a merge that would have to drop one is refused (README "Credentials").
//
// Credentials are validated before they are saved whenever the service principal has a job
// (validateCredentials with the new set), so a rejected update leaves the working set in place.
import * as pulumi from "@pulumi/pulumi";
import { endpoints, isGraphError, type GraphError, MASKED, SECRET_BEARING_KEYS, serializeBy, SYNCHRONIZATION_SECRET_KEYS } from "../graph";
import { defineProvider, partialCreate } from "./define";
import { instantiatedHere, recentlyCreatedRequest } from "./recently-created";
import { inDeletedItems, unlessGone } from "./gone";
import { InputError } from "../errors";
import { Checker, closest, immutableChange, isUnknown, sameMap } from "./inputs";
import { graph } from "./runtime";
import { EntraResource } from "./shim";
import { claim, claimedInThisDeployment, singletonKey } from "./singletons";
import { applySettings, checkSettings, liveSettings, SETTING_INPUTS, SETTING_KEYS, settingsOf, type SyncSettings } from "./sync-settings";

export type { NotificationSettings, SyncSettings } from "./sync-settings";

export interface ProvisioningSecretsArgs extends SettingsArgs {
  /** The service principal of the application instance (GalleryApplication.servicePrincipalId). */
  servicePrincipalId: pulumi.Input<string>;
  /** Graph secret key (e.g. BaseAddress, SecretToken) → value. Values are stored as secrets. */
  credentials: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * On refresh, ask Graph whether the saved credentials still validate (default true). Graph
   * never shows secret values, so this is how a secret changed or removed outside Pulumi shows
   * as drift on `credentials`.
   */
  verifyOnRefresh?: pulumi.Input<boolean>;
  /** Any change of this value re-pushes the credentials (validated first) and restarts a running job. */
  rotationTrigger?: pulumi.Input<string>;
}

/** The provisioning settings kept in the secrets set (see sync-settings.ts); unset ones are left as they are. */
export interface SettingsArgs {
  /** "assignedOnly" (Graph's default): provision users and groups assigned to the app; "all": everyone (SyncAll). */
  scope?: pulumi.Input<"assignedOnly" | "all">;
  /** true: users who go out of scope stay in the target app (SkipOutOfScopeDeletions). */
  skipOutOfScopeDeletions?: pulumi.Input<boolean>;
  /** Quarantine failure emails (SyncNotificationSettings Enabled/Recipients). */
  notifications?: pulumi.Input<{ enabled: pulumi.Input<boolean>; recipients?: pulumi.Input<string> }>;
  /** Accidental-deletions threshold: a cycle deleting this many accounts or more is held back; false turns it off. */
  deleteThreshold?: pulumi.Input<number | false>;
}

interface SecretsState extends SyncSettings {
  stateVersion: number;
  servicePrincipalId: string;
  credentials: Record<string, string>;
  keys: string[];
  verifyOnRefresh: boolean;
  rotationTrigger?: string;
}

interface KeyValue {
  key: string;
  value: string;
}

interface Job {
  id: string;
  schedule?: { state?: string };
  status?: { code?: string };
}

const STATE_VERSION = 1;
const INPUTS = ["servicePrincipalId", "credentials", "verifyOnRefresh", "rotationTrigger", ...SETTING_INPUTS] as const;
const isOauthKey = (key: string) => key.startsWith("Oauth2");

/**
 * What refresh records for a saved credential Graph no longer accepts: a value nobody declares,
 * so the next diff sees drift on `credentials` and `up` pushes the declared value again.
 */
const NOT_VALIDATING = "(saved value does not validate)";

async function readSecrets(spId: string, recentlyCreated: boolean): Promise<KeyValue[]> {
  const res = await graph().get<{ value?: KeyValue[] }>({ endpoint: endpoints.secrets, params: { spId }, ...(recentlyCreated ? recentlyCreatedRequest(spId) : {}) });
  return res.body?.value ?? [];
}

/**
 * The set to PUT: `declared` wins, keys in `dropped` go, everything else in `live` stays. Throws
 * when a key that must stay is masked (its value cannot be sent back).
 */
export function mergeSecrets(live: KeyValue[], declared: Record<string, string>, dropped: Iterable<string>): KeyValue[] {
  const gone = new Set(dropped);
  const kept = live.filter((kv) => !(kv.key in declared) && !gone.has(kv.key));
  const masked = kept.filter((kv) => kv.value === MASKED || SECRET_BEARING_KEYS.has(kv.key));
  if (masked.length) {
    const keys = masked.map((kv) => kv.key).join(", ");
    throw new InputError(
      `ProvisioningSecrets.credentials: the service principal also has ${keys}, set outside this resource. Graph replaces the whole set on every write ` +
        `and never shows secret values, so writing would delete ${masked.length === 1 ? "it" : "them"}. Declare ${keys} in credentials too (with the value), or remove ${masked.length === 1 ? "it" : "them"} in the portal first.`,
    );
  }
  return [...kept, ...Object.entries(declared).map(([key, value]) => ({ key, value }))];
}

/** The first job of the service principal, or undefined (none yet, or it was just created). */
async function firstJob(spId: string): Promise<Job | undefined> {
  // A service principal this process instantiated moments ago cannot have a job yet.
  if (instantiatedHere(spId)) return undefined;
  return (await graph().list<Job>({ endpoint: endpoints.jobs, params: { spId }, ...recentlyCreatedRequest(spId) }))[0];
}

/** The secret key a validateCredentials rejection names (Graph puts it in quotes in the message). */
function rejectedKey(message: string | undefined): string | undefined {
  for (const m of (message ?? "").matchAll(/'([A-Za-z0-9]+)'/g)) if (SYNCHRONIZATION_SECRET_KEYS.includes(m[1])) return m[1];
  return undefined;
}

/** Asks Graph whether `set` (or, without it, the saved credentials) validates. Undefined when it does. */
async function validation(spId: string, jobId: string, set?: KeyValue[]): Promise<{ key?: string; code?: string; message: string; requestId?: string; error: GraphError } | undefined> {
  try {
    await graph().post({
      endpoint: endpoints.jobValidateCredentials,
      params: { spId, jobId },
      body: set ? { useSavedCredentials: false, credentials: set } : { useSavedCredentials: true },
    });
    return undefined;
  } catch (e) {
    if (!isGraphError(e, "GRAPH_BAD_REQUEST")) throw e;
    return { key: rejectedKey(e.graphMessage), code: e.graphCode, message: e.graphMessage ?? e.message, requestId: e.requestId, error: e };
  }
}

/**
 * Validates, saves and, on a running job, restarts: the one write path of create and update.
 * Returns after the PUT; a failure after it carries `written` so create can report a partial create.
 */
async function push(spId: string, declared: Record<string, string>, dropped: Iterable<string>, settings: SyncSettings): Promise<void> {
  await serializeBy(spId, async () => {
    // A service principal this process instantiated has no secrets yet: nothing to merge with.
    const recentlyCreated = instantiatedHere(spId) !== undefined;
    const set = applySettings(mergeSecrets(recentlyCreated ? [] : await readSecrets(spId, true), declared, dropped), settings);
    const job = await firstJob(spId);
    if (job) {
      const problem = await validation(spId, job.id, set);
      if (problem) {
        // Still GRAPH_BAD_REQUEST with Graph's ids (appended to the message), told as the input to fix.
        throw problem.error.rephrased(
          `ProvisioningSecrets.credentials${problem.key ? `.${problem.key}` : ""}: the target application rejected the new credentials ` +
            `(${problem.code ?? "no code"}: ${problem.message}). Nothing was saved: the previous credentials stay in place.`,
          `Fix the value${problem.key ? ` of ${problem.key}` : ""} and run \`pulumi up\` again.`,
        );
      }
    }
    await graph().put({ endpoint: endpoints.secrets, params: { spId }, body: { value: set }, ...(recentlyCreated ? recentlyCreatedRequest(spId) : {}) });
    claim(singletonKey.secrets(spId));
    // A running job keeps using what it loaded; restarting it makes it pick up the new set and
    // clears a quarantine the old credentials caused.
    if (job?.schedule?.state === "Active") {
      try {
        await graph().post({ endpoint: endpoints.jobRestart, params: { spId, jobId: job.id }, body: { criteria: { resetScope: "QuarantineState" } } });
      } catch (e) {
        throw Object.assign(e as object, { written: true });
      }
    }
  });
}

function outputs(spId: string, inputs: Record<string, unknown>, credentials: Record<string, string>): SecretsState {
  return {
    stateVersion: STATE_VERSION,
    servicePrincipalId: spId,
    credentials,
    keys: Object.keys(credentials).sort(),
    verifyOnRefresh: (inputs.verifyOnRefresh as boolean | undefined) ?? true,
    ...(inputs.rotationTrigger === undefined ? {} : { rotationTrigger: inputs.rotationTrigger as string }),
    ...settingsOf(inputs),
  };
}

/** Drift is reported on stderr, which the engine shows as the provider's diagnostics. */
function warn(spId: string, text: string): void {
  process.stderr.write(`warning: ProvisioningSecrets of service principal ${spId}: ${text}\n`);
}

export const provider = defineProvider({
  async check(_olds, news) {
    const c = new Checker("ProvisioningSecrets");
    c.noUnknownProperties(news, INPUTS);
    c.guid(news, "servicePrincipalId", { required: true });
    c.boolean(news, "verifyOnRefresh");
    c.string(news, "rotationTrigger");
    checkSettings(c, news);
    const credentials = c.stringMap(news, "credentials", { required: true });
    if (credentials) {
      for (const [key, input] of Object.entries(SETTING_KEYS)) {
        if (key in credentials) c.fail(`credentials.${key}`, `is a provisioning setting: set the ${input} input instead (typed, validated and drift-checked).`);
      }
      const oauth = Object.keys(credentials).filter(isOauthKey);
      if (oauth.length && "SecretToken" in credentials) {
        c.fail("credentials", `mixes a bearer token (SecretToken) with OAuth keys (${oauth.join(", ")}); Graph rejects such a set. Keep one authentication method.`);
      }
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
    const changes =
      sp !== "none" ||
      isUnknown(news.credentials) ||
      !sameMap(olds.credentials, news.credentials) ||
      news.rotationTrigger !== olds.rotationTrigger ||
      (news.verifyOnRefresh ?? true) !== (olds.verifyOnRefresh ?? true) ||
      SETTING_INPUTS.some((k) => JSON.stringify(news[k]) !== JSON.stringify(olds[k]));
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const spId: string = inputs.servicePrincipalId;
    const state = outputs(spId, inputs, inputs.credentials);
    try {
      await push(spId, inputs.credentials, [], settingsOf(inputs));
    } catch (e) {
      // Saved, but the running job could not be restarted: the secrets are in state all the same.
      if ((e as { written?: boolean }).written) throw partialCreate(e, spId, state);
      throw e;
    }
    return { id: spId, outs: state };
  },

  async read(id, props: SecretsState) {
    const live = await unlessGone(() => readSecrets(id, false), undefined, () => inDeletedItems(id));
    if (!live) return {};
    const liveByKey = new Map(live.value.map((kv) => [kv.key, kv.value]));
    // Masked (secret-bearing) values keep ours: Graph never shows them. Other keys are compared,
    // so a BaseAddress changed in the portal shows as drift.
    const credentials: Record<string, string> = {};
    for (const [key, ours] of Object.entries(props.credentials ?? {})) {
      const theirs = liveByKey.get(key);
      if (theirs === undefined) {
        if (SECRET_BEARING_KEYS.has(key)) credentials[key] = ours;
        else warn(id, `${key} was removed outside Pulumi; \`pulumi up\` saves it again.`);
      } else if (theirs === MASKED) {
        credentials[key] = ours;
      } else {
        credentials[key] = theirs;
        if (theirs !== ours) warn(id, `${key} was changed outside Pulumi; \`pulumi up\` sets it back to the declared value.`);
      }
    }
    if (props.verifyOnRefresh ?? true) {
      const job = await firstJob(id);
      const problem = job && (await validation(id, job.id));
      if (problem) {
        const key = problem.key && problem.key in credentials ? problem.key : Object.keys(credentials).find((k) => SECRET_BEARING_KEYS.has(k));
        if (key) credentials[key] = NOT_VALIDATING;
        warn(
          id,
          `the saved credentials no longer validate (${problem.code ?? "no code"}${problem.key ? ` on ${problem.key}` : ""}): ` +
            `changed or removed outside Pulumi, or rotated by the target application. \`pulumi up\` saves the declared credentials again.`,
        );
      }
    }
    const declared = settingsOf(props as unknown as Record<string, unknown>);
    const settings = liveSettings(liveByKey, declared);
    for (const k of SETTING_INPUTS) {
      if (JSON.stringify(settings[k]) !== JSON.stringify(declared[k])) warn(id, `the setting ${k} was changed outside Pulumi (now ${JSON.stringify(settings[k])}); \`pulumi up\` sets it back.`);
    }
    const state = { ...outputs(id, { ...props, ...settings } as unknown as Record<string, unknown>, credentials), keys: props.keys ?? Object.keys(credentials).sort() };
    const inputs: Record<string, unknown> = { servicePrincipalId: id, credentials, ...settings };
    if (props.verifyOnRefresh === false) inputs.verifyOnRefresh = false;
    if (props.rotationTrigger !== undefined) inputs.rotationTrigger = props.rotationTrigger;
    return { id, props: state, inputs };
  },

  async update(id, olds: SecretsState, news) {
    const pushNeeded =
      !sameMap(olds.credentials, news.credentials) ||
      news.rotationTrigger !== olds.rotationTrigger ||
      SETTING_INPUTS.some((k) => JSON.stringify(news[k]) !== JSON.stringify(olds[k]));
    if (pushNeeded) {
      const dropped = Object.keys(olds.credentials ?? {}).filter((k) => !(k in news.credentials));
      await push(id, news.credentials, dropped, settingsOf(news));
    }
    return { outs: outputs(id, news, news.credentials) };
  },

  async delete(id, props: SecretsState) {
    // Another resource of this deployment saved this service principal's secrets after us (a
    // create-before-delete replacement or a rename): leave them (singletons.ts).
    if (claimedInThisDeployment(singletonKey.secrets(id))) return;
    const ours = Object.keys(props.credentials ?? {});
    await serializeBy(id, async () => {
      // Gone with its application: nothing to clear.
      const live = await unlessGone(() => readSecrets(id, false));
      if (!live) return;
      let rest: KeyValue[];
      try {
        rest = applySettings(mergeSecrets(live.value, {}, ours), {});
      } catch {
        // Something else keeps a secret here that a write would destroy: leave the set as it is.
        warn(id, `kept its secrets on delete: other secret keys were set outside this resource and a write would erase them.`);
        return;
      }
      await unlessGone(() => graph().put({ endpoint: endpoints.secrets, params: { spId: id }, body: { value: rest } }));
    });
  },
});

/**
 * Every credential value as a secret. Key by key when the map itself is known (the usual
 * `{ BaseAddress: …, SecretToken: config.requireSecret(…) }`), so a diff can name the key that
 * changed (`~ credentials: { ~ SecretToken: [secret] => [secret] }`) and still never show a value.
 */
function secretValues(credentials: ProvisioningSecretsArgs["credentials"]): pulumi.Input<Record<string, pulumi.Input<string>>> {
  if (pulumi.Output.isInstance(credentials) || credentials instanceof Promise) return pulumi.secret(credentials);
  return Object.fromEntries(Object.entries(credentials as Record<string, pulumi.Input<string>>).map(([k, v]) => [k, pulumi.secret(v)]));
}

/** The credentials of an application's provisioning connector. Values never leave state unencrypted. */
export class ProvisioningSecrets extends EntraResource {
  declare readonly servicePrincipalId: pulumi.Output<string>;
  /** The keys saved (values are secret and not repeated here). */
  declare readonly keys: pulumi.Output<string[]>;
  declare readonly verifyOnRefresh: pulumi.Output<boolean>;
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;

  constructor(name: string, args: ProvisioningSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "secrets",
      "ProvisioningSecrets",
      name,
      {
        servicePrincipalId: args.servicePrincipalId,
        credentials: secretValues(args.credentials),
        verifyOnRefresh: args.verifyOnRefresh,
        rotationTrigger: args.rotationTrigger,
        scope: args.scope,
        skipOutOfScopeDeletions: args.skipOutOfScopeDeletions,
        notifications: args.notifications,
        deleteThreshold: args.deleteThreshold,
        keys: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["credentials"] }),
    );
  }
}

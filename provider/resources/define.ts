// The boundary between our resource implementations and the dynamic-provider host. The host
// packs outputs with protobuf's Struct.fromJavaScript, which rejects `undefined` anywhere in the
// object (and an error there never reaches the engine), so every result is made plain JSON here.
//
// Partial creates. An error carrying `id` tells the host the object exists but did not finish
// (ErrorResourceInitFailed): the engine saves `properties` as the resource's whole state. The host
// adds `__provider` to successful results only, and without it the host cannot load a provider
// for that resource again: refresh and destroy fail with "code must be a string, not undefined"
// until `pulumi state` surgery. So every partial create (and every error of an update that carries
// an id) keeps the `__provider` of the inputs it came from, and diff heals state that lacks it.
import type * as pulumi from "@pulumi/pulumi";
import { isEntraError } from "../errors";
import { configure } from "./runtime";

type Impl = Omit<Required<pulumi.dynamic.ResourceProvider>, "configure">;

const PROVIDER_KEY = "__provider";

export function defineProvider(impl: Impl): Required<pulumi.dynamic.ResourceProvider> {
  return {
    async configure(req) {
      configure(req);
    },
    check: (olds, news) => impl.check(olds, news),
    async diff(id, olds, news) {
      const result = await impl.diff(id, olds, news);
      // State an older version left without `__provider` (a partial create) cannot be refreshed
      // or deleted: an update, even one that changes nothing in Graph, stores it again.
      return olds[PROVIDER_KEY] === undefined ? { ...result, changes: true } : result;
    },
    async create(inputs) {
      const result = await impl.create(inputs).catch((e) => {
        throw loadableError(e, inputs);
      });
      return { id: result.id, outs: plain(result.outs) };
    },
    async read(id, props) {
      const result = await impl.read(id, props);
      return { id: result.id, props: plain(result.props), inputs: plain(result.inputs) };
    },
    async update(id, olds, news) {
      const result = await impl.update(id, olds, news).catch((e) => {
        throw loadableError(e, news);
      });
      return { outs: plain(result.outs) };
    },
    delete: (id, props) => impl.delete(id, props),
  };
}

/** Drops undefined values, recursively. */
export function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * A partial-create error as the engine will store it: plain `properties` that include the
 * serialized provider. Errors without `id` (nothing was created) pass through unchanged.
 */
function loadableError(e: unknown, inputs: Record<string, unknown>): unknown {
  if (e && typeof e === "object" && "id" in e && (e as { id?: unknown }).id) {
    const partial = e as { properties?: Record<string, unknown> };
    partial.properties = plain({ ...(partial.properties ?? {}), [PROVIDER_KEY]: inputs[PROVIDER_KEY] });
  }
  return e;
}

/**
 * An error that reports a partial create: the object `id` exists, `state` is what is known of it,
 * and the engine shows `message` (it prints `reasons` for partial creates, not the message).
 */
export function partialCreate(e: unknown, id: string, state: object): Error {
  const message = e instanceof Error ? e.message : String(e);
  // Our errors keep their class and code (withContext copies them, with `e` as cause).
  const error = isEntraError(e) ? e.withContext("") : new Error(message, { cause: e });
  return Object.assign(error, { id, properties: state, reasons: [message] });
}

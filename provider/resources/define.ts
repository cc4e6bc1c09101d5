// The boundary between our resource implementations and the dynamic-provider host. The host
// packs outputs with protobuf's Struct.fromJavaScript, which rejects `undefined` anywhere in the
// object (and an error there never reaches the engine), so every result is made plain JSON here.
import type * as pulumi from "@pulumi/pulumi";
import { configure } from "./runtime";

type Impl = Omit<Required<pulumi.dynamic.ResourceProvider>, "configure">;

export function defineProvider(impl: Impl): Required<pulumi.dynamic.ResourceProvider> {
  return {
    async configure(req) {
      configure(req);
    },
    check: (olds, news) => impl.check(olds, news),
    diff: (id, olds, news) => impl.diff(id, olds, news),
    async create(inputs) {
      const result = await impl.create(inputs).catch((e) => {
        throw plainError(e);
      });
      return { id: result.id, outs: plain(result.outs) };
    },
    async read(id, props) {
      const result = await impl.read(id, props);
      return { id: result.id, props: plain(result.props), inputs: plain(result.inputs) };
    },
    async update(id, olds, news) {
      const result = await impl.update(id, olds, news);
      return { outs: plain(result.outs) };
    },
    delete: (id, props) => impl.delete(id, props),
  };
}

/** Drops undefined values, recursively. */
export function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A partial-create error (carrying `id`) with plain `properties`. */
function plainError(e: unknown): unknown {
  if (e && typeof e === "object" && "properties" in e) {
    (e as { properties: unknown }).properties = plain((e as { properties: unknown }).properties);
  }
  return e;
}

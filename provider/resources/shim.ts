// The base of our resources: a Pulumi dynamic resource whose serialized provider is one line of
// JavaScript that loads the implementation from the installed package.
//
// `pulumi.dynamic.Resource` would serialize a provider object with Pulumi's closure serializer:
// about 2 KB of wrapper text for seven one-line methods, stored twice per resource (input and
// output) and rewritten with the whole state on every checkpoint. The dynamic-provider host
// only needs a module text whose `handler()` returns the provider
// (`requireFromString(text).handler()`), so we write that text ourselves: ~80 bytes, no
// captured values (no secrets can ever end up in it), identical across our releases (no
// spurious `~__provider` diffs), and refresh and delete always run the installed code.
import * as pulumi from "@pulumi/pulumi";

/**
 * The `__provider` text of resource kind `kind` (a short id mapped by `impl` in the package index).
 * Exported for test/unit/shim-contract.test.ts, which pins it to the SDK version whose host evaluates it.
 * @internal
 */
export function providerModule(kind: string): string {
  return `exports.handler=()=>require("pulumi-entra-provisioning").impl(${JSON.stringify(kind)});`;
}

/**
 * A dynamic resource `pulumi-nodejs:dynamic/entra:<type>` implemented by resource kind `kind`.
 * `deleteBeforeReplace`: the kind's default for that resource option (the engine ignores the
 * provider's diff on `pulumi up --replace`, so a default must be an option); the program's own
 * `deleteBeforeReplace` wins.
 */
export abstract class EntraResource extends pulumi.CustomResource {
  protected constructor(
    kind: string,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
    defaults: { deleteBeforeReplace?: boolean } = {},
  ) {
    const options = opts?.deleteBeforeReplace === undefined && defaults.deleteBeforeReplace !== undefined ? { ...opts, ...defaults } : opts;
    super(`pulumi-nodejs:dynamic/entra:${type}`, name, { ...props, __provider: providerModule(kind) }, options);
  }
}

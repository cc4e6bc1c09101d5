// The provider object handed to pulumi.dynamic.Resource. Pulumi serializes it into the state of
// every resource, so it is kept tiny and free of secrets: each method loads the implementation
// from the installed package at call time. Refresh and delete therefore always run the installed
// code, never a stale copy frozen in state, and the serialized text does not change between our
// releases (no spurious `~__provider` diffs).
import type * as pulumi from "@pulumi/pulumi";

/** `kind` is a short id that `impl` in the package index maps to an implementation module. */
export function shimProvider(kind: string): pulumi.dynamic.ResourceProvider {
  // Terse on purpose: this text is stored twice per resource in state.
  const i = (): Required<pulumi.dynamic.ResourceProvider> => require("pulumi-entra-provisioning").impl(kind);
  return {
    configure: (...a) => i().configure(...a),
    check: (...a) => i().check(...a),
    diff: (...a) => i().diff(...a),
    create: (...a) => i().create(...a),
    read: (...a) => i().read(...a),
    update: (...a) => i().update(...a),
    delete: (...a) => i().delete(...a),
  };
}

// The boundary every resource kind goes through (provider/resources/define.ts): results made plain
// JSON for the host, and state that keeps `__provider` so the host can load a provider for it again.
import { defineProvider, partialCreate } from "../../../provider/resources/define";
import { providerModule } from "../../../provider/resources/shim";

const PROVIDER = providerModule("app");

function fake(overrides: Partial<Parameters<typeof defineProvider>[0]> = {}) {
  return defineProvider({
    check: async (_olds, news) => ({ inputs: news }),
    diff: async () => ({ changes: false, replaces: [] }),
    create: async () => ({ id: "id-1", outs: { a: 1, gone: undefined, nested: { b: undefined, c: 2 } } }),
    read: async (id, props) => ({ id, props, inputs: { x: undefined } }),
    update: async () => ({ outs: { a: 2, gone: undefined } }),
    delete: async () => undefined,
    ...overrides,
  });
}

describe("defineProvider", () => {
  it("drops undefined values from results (the host's protobuf Struct rejects them)", async () => {
    expect(await fake().create({ __provider: PROVIDER })).toEqual({ id: "id-1", outs: { a: 1, nested: { c: 2 } } });
    expect(await fake().update("id-1", {}, {})).toEqual({ outs: { a: 2 } });
    expect(await fake().read("id-1", { y: 1 })).toEqual({ id: "id-1", props: { y: 1 }, inputs: {} });
  });

  it("reports a change for state without __provider, so an update stores it again", async () => {
    expect(await fake().diff("id-1", { __provider: PROVIDER }, {})).toEqual({ changes: false, replaces: [] });
    expect(await fake().diff("id-1", {}, {})).toEqual({ changes: true, replaces: [] });
  });

  it("keeps the inputs' __provider in a partial create's properties", async () => {
    const provider = fake({
      create: async () => {
        throw partialCreate(new Error("rename failed"), "id-1", { marker: "m", extra: undefined });
      },
    });
    const error = await provider.create({ __provider: PROVIDER }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "rename failed", id: "id-1", reasons: ["rename failed"], properties: { marker: "m", __provider: PROVIDER } });
    expect((error as { properties: object }).properties).not.toHaveProperty("extra");
  });

  it("passes errors without an id through unchanged", async () => {
    const original = new Error("nothing was created");
    const provider = fake({
      create: async () => {
        throw original;
      },
    });
    await expect(provider.create({ __provider: PROVIDER })).rejects.toBe(original);
  });
});

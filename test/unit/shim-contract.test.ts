// The contract between provider/resources/shim.ts and Pulumi's Node.js dynamic-provider host.
//
// Every resource stores as `__provider` one line of JavaScript that we write by hand (shim.ts)
// instead of Pulumi's closure serializer. The host (@pulumi/pulumi cmd/dynamic-provider/index.js)
// loads it with `requireFromString(text).handler()` and calls the returned object's
// configure/check/diff/create/read/update/delete. Nothing in the SDK's public API promises that,
// so this file pins it to the SDK version it was verified with.
//
// If the SDK version test fails: read the new host's getProvider() (cmd/dynamic-provider/index.js)
// and ConfigureRequest (dynamic/index.d.ts), check that the text below is still evaluated the same
// way, then update VERIFIED_SDK_VERSION in test/helpers/dynamic-host.ts.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installedSdkVersion, VERIFIED_SDK_VERSION } from "../helpers/dynamic-host";
import { providerModule } from "../../provider/resources/shim";

const packageName = (JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { name: string }).name;
const hostDir = path.dirname(require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js"));

/** Resource kind → its implementation module, as provider/index.ts maps them. */
const KINDS = {
  app: "../../provider/resources/gallery-application",
  secrets: "../../provider/resources/provisioning-secrets",
  job: "../../provider/resources/provisioning-job",
  schema: "../../provider/resources/provisioning-schema",
  pod: "../../provider/resources/provision-on-demand",
  assign: "../../provider/resources/app-role-assignment",
} as const;
type Kind = keyof typeof KINDS;

const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

describe("the host that evaluates the provider text", () => {
  it(`is the one of @pulumi/pulumi ${VERIFIED_SDK_VERSION} (a new version: re-verify, see the top of this file)`, () => {
    expect(installedSdkVersion()).toBe(VERIFIED_SDK_VERSION);
  });

  it("loads a provider with requireFromString(text).handler(), once per text, and configures it with its Config", () => {
    const host = fs.readFileSync(path.join(hostDir, "index.js"), "utf8");
    expect(host).toContain('const providerKey = "__provider";');
    expect(host).toContain("provider = requireFromString(providerString).handler();");
    expect(host).toContain("providerCache[providerString] = provider;");
    expect(host).toContain("const config = new dynConfig.Config(rawConfig, metadata_1.getProject());");
  });
});

describe("the provider text (shim.ts)", () => {
  it("is one line that loads the installed package's impl() for the kind, and captures nothing", () => {
    expect(providerModule("app")).toBe('exports.handler=()=>require("pulumi-entra-provisioning").impl("app");');
    expect(packageName).toBe("pulumi-entra-provisioning");
  });

  it("evaluated as the host does, in a process of its own, returns what impl(kind) returns", () => {
    // A project directory whose node_modules holds a stand-in package: the host resolves the
    // package from the process's working directory (requireFromString with no file name).
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "shim-contract-"));
    try {
      const pkg = path.join(project, "node_modules", packageName);
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: packageName, main: "index.js" }));
      fs.writeFileSync(path.join(pkg, "index.js"), "let calls = 0; exports.impl = (kind) => ({ kind, call: ++calls });");
      const requireFromString = require.resolve("require-from-string", { paths: [hostDir] });
      const evaluate = [
        "const requireFromString = require(process.argv[1]);",
        "const modules = JSON.parse(process.argv[2]).map((text) => requireFromString(text));",
        "const exported = modules.map((m) => Object.keys(m));",
        "process.stdout.write(JSON.stringify({ exported, providers: modules.map((m) => m.handler()) }));",
      ].join("\n");
      const kinds = Object.keys(KINDS);
      const texts = JSON.stringify(kinds.map(providerModule));
      const out = execFileSync(process.execPath, ["-e", evaluate, requireFromString, texts], { cwd: project, encoding: "utf8" });
      expect(JSON.parse(out)).toEqual({ exported: kinds.map(() => ["handler"]), providers: kinds.map((kind, i) => ({ kind, call: i + 1 })) });
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("impl(kind) (provider/index.ts)", () => {
  const { impl } = require("../../provider") as { impl(kind: string): unknown };

  it.each(Object.entries(KINDS))("returns the provider of %s's module, with every method the host calls", (kind, module) => {
    const provider = impl(kind) as Record<string, unknown>;
    expect(provider).toBe((require(module) as { provider: unknown }).provider);
    for (const method of METHODS) expect(typeof provider[method]).toBe("function");
  });

  it("fails with a message saying to upgrade for a kind it does not know", () => {
    expect(() => impl("nope")).toThrow(/unknown resource kind "nope".*upgrade it/);
  });
});

describe("each resource class", () => {
  const seen = new Map<string, unknown>();

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          seen.set(args.type, args.inputs.__provider);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "shim-contract",
      "test",
      false,
    );
    const sp = "11111111-2222-3333-4444-555555555555";
    const { GalleryApplication, ProvisioningSecrets, ProvisioningJob, ProvisioningSchema, ProvisionOnDemand, AppRoleAssignment } =
      require("../../provider") as typeof import("../../provider");
    new GalleryApplication("app", { template: "Box", displayName: "Box" });
    new ProvisioningSecrets("secrets", { servicePrincipalId: sp, credentials: { BaseAddress: "https://x" } });
    new ProvisioningJob("job", { servicePrincipalId: sp });
    new ProvisioningSchema("schema", { servicePrincipalId: sp, jobId: "job-1", mappings: {} });
    new ProvisionOnDemand("pod", { servicePrincipalId: sp, jobId: "job-1", subjects: [] });
    new AppRoleAssignment("assign", { servicePrincipalId: sp, user: "a@b.c" });
    for (let i = 0; i < 100 && seen.size < 6; i++) await new Promise((r) => setTimeout(r, 10));
  });

  it.each<[string, Kind]>([
    ["GalleryApplication", "app"],
    ["ProvisioningSecrets", "secrets"],
    ["ProvisioningJob", "job"],
    ["ProvisioningSchema", "schema"],
    ["ProvisionOnDemand", "pod"],
    ["AppRoleAssignment", "assign"],
  ])("%s stores the provider text of kind %s", (type, kind) => {
    expect(seen.get(`pulumi-nodejs:dynamic/entra:${type}`)).toBe(providerModule(kind));
  });
});

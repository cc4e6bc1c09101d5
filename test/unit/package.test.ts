/**
 * What a user gets from npm: the README's links must resolve on the repository (the tarball holds
 * no examples/ or test/), the docs it ships must exist, and package.json must say where the
 * project lives.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const readme = readFileSync(join(root, "README.md"), "utf8");
const repoUrl = String(pkg.repository?.url ?? "").replace(/^git\+/, "").replace(/\.git$/, "");

describe("the published package", () => {
  it("names its repository, homepage, issue tracker and keywords", () => {
    expect(repoUrl).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+$/);
    expect(pkg.homepage).toBe(`${repoUrl}#readme`);
    expect(pkg.bugs?.url).toBe(`${repoUrl}/issues`);
    expect(pkg.keywords).toEqual(expect.arrayContaining(["pulumi", "microsoft-graph"]));
  });

  it("ships the docs the README and the emulator README point to", () => {
    for (const entry of ["docs", "emulator/README.md", "emulator/FIDELITY.md", "README.md"]) {
      expect(pkg.files).toContain(entry);
      expect(existsSync(join(root, entry))).toBe(true);
    }
  });

  it("links to repository files with absolute URLs that name files which exist", () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    const relative = targets.filter((t) => !t.startsWith("#") && !/^https?:\/\//.test(t));
    expect(relative).toEqual([]);
    const inRepo = targets.filter((t) => t.startsWith(`${repoUrl}/`));
    expect(inRepo.length).toBeGreaterThan(5);
    for (const url of inRepo) {
      const path = url.slice(repoUrl.length).replace(/^\/(blob|tree)\/main\//, "");
      expect({ url, exists: existsSync(join(root, path)) }).toEqual({ url, exists: true });
    }
  });

  it("opens with how to use it in a stack, before contributor setup", () => {
    const use = readme.indexOf("## Use it in your stack");
    const dev = readme.indexOf("## Development");
    expect(use).toBeGreaterThan(0);
    expect(readme.indexOf("npm install pulumi-entra-provisioning")).toBeGreaterThan(use);
    expect(readme.indexOf("npm run demo")).toBeGreaterThan(dev);
  });
});

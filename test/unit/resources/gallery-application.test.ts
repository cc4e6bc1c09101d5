// GalleryApplication diff and read against a mocked Graph: what a rename, a template change and
// an out-of-band rename or delete turn into, and how state of an earlier version is read.
import { provider } from "../../../provider/resources/gallery-application";
import { mockGraph, notFound, providerModule, type MockGraph } from "./mock-graph";

const BOX = "3c1e8c33-0000-4000-8000-00000000b0c5";
const ZOOM = "4d2f9d44-0000-4000-8000-0000000020f1";
const APP = "a1a1a1a1-0000-4000-8000-000000000001";
const SP = "5b5b5b5b-0000-4000-8000-000000000002";
const APP_ID = "c3c3c3c3-0000-4000-8000-000000000003";

/** State as the current version writes it after a create. */
const state = (overrides: Record<string, unknown> = {}) => ({
  stateVersion: 1,
  template: "Box",
  displayName: "Box (prod)",
  permanentlyDeleteOnDestroy: false,
  marker: "0123abcd.0123456789ab",
  templateId: BOX,
  applicationObjectId: APP,
  appId: APP_ID,
  servicePrincipalId: SP,
  onDestroy: "delete",
  restoreDeleted: true,
  appRoles: [{ id: "18d14569-c3bd-439b-9a66-3a2aee01d14f", displayName: "User", value: "User", allowedMemberTypes: ["User"] }],
  createdAt: "2025-01-01T00:00:00.000Z",
  __provider: providerModule("app"),
  ...overrides,
});
const inputs = (overrides: Record<string, unknown> = {}) => ({
  template: "Box",
  displayName: "Box (prod)",
  marker: "0123abcd.0123456789ab",
  __provider: providerModule("app"),
  ...overrides,
});

let g: MockGraph;
beforeEach(() => (g = mockGraph()));
afterEach(async () => {
  g.agent.assertNoPendingInterceptors();
  await g.close();
});

describe("GalleryApplication diff", () => {
  it("updates in place on a rename, without asking Graph", async () => {
    expect(await provider.diff(APP, state(), inputs({ displayName: "Box (production)" }))).toEqual({ changes: true, replaces: [] });
    expect(g.requests).toEqual([]);
  });

  it("reports no change for the same inputs", async () => {
    expect(await provider.diff(APP, state(), inputs())).toEqual({ changes: false, replaces: [] });
  });

  it("replaces when the template resolves to another template id", async () => {
    g.reply("GET", "/applicationTemplates", 200, { value: [{ id: ZOOM, displayName: "Zoom", publisher: "Zoom Video Communications" }] });
    expect(await provider.diff(APP, state(), inputs({ template: "Zoom" }))).toEqual({ changes: true, replaces: ["template"] });
    expect(g.requests).toEqual([expect.stringMatching(/^GET \/applicationTemplates\?\$filter=displayName eq 'Zoom'&/)]);
  });

  it("does not replace when the template is the same one spelled by id", async () => {
    g.reply("GET", `/applicationTemplates/${BOX}`, 200, { id: BOX, displayName: "Box", publisher: "Box" });
    expect(await provider.diff(APP, state(), inputs({ template: BOX }))).toEqual({ changes: true, replaces: [] });
  });

  it("updates state an older version left without __provider, even when nothing changed (define.ts)", async () => {
    const { __provider: _dropped, ...partial } = state();
    expect(await provider.diff(APP, partial, inputs())).toEqual({ changes: true, replaces: [] });
  });
});

describe("GalleryApplication read", () => {
  const liveSp = (overrides: Record<string, unknown> = {}) => ({
    id: SP,
    appId: APP_ID,
    displayName: "Box (prod)",
    appDisplayName: "Box (prod)",
    appRoles: [{ id: "18d14569-c3bd-439b-9a66-3a2aee01d14f", displayName: "User", value: "User", allowedMemberTypes: ["User"], isEnabled: true, description: "User" }],
    ...overrides,
  });

  it("reports an application renamed outside Pulumi as drift on displayName", async () => {
    g.reply("GET", `/servicePrincipals/${SP}`, 200, liveSp({ appDisplayName: "Box (renamed in the portal)" }));
    const result = await provider.read(APP, state());
    expect(result.id).toBe(APP);
    expect(result.props).toMatchObject({ displayName: "Box (renamed in the portal)", appId: APP_ID });
    expect(result.inputs).toEqual({ template: "Box", displayName: "Box (renamed in the portal)", marker: "0123abcd.0123456789ab" });
    expect(g.requests).toEqual([`GET /servicePrincipals/${SP}?$select=id,appId,displayName,appDisplayName,appRoles`]);
  });

  it("reads unchanged objects back as they are, with the live app roles", async () => {
    g.reply("GET", `/servicePrincipals/${SP}`, 200, liveSp({ appRoles: [{ id: "r2", value: "Admin", displayName: "Admin", allowedMemberTypes: ["User", "Group"] }] }));
    const result = await provider.read(APP, state());
    // (The host passes the whole state, `__provider` included, and stores what read returns.)
    expect(result.props).toEqual({ ...state(), appRoles: [{ id: "r2", value: "Admin", displayName: "Admin", allowedMemberTypes: ["User", "Group"] }] });
  });

  it("upgrades state written before onDestroy, restoreDeleted and permanentlyDeleteOnDestroy existed", async () => {
    g.reply("GET", `/servicePrincipals/${SP}`, 200, liveSp());
    const old = state();
    for (const k of ["onDestroy", "restoreDeleted", "permanentlyDeleteOnDestroy", "stateVersion"]) delete (old as Record<string, unknown>)[k];
    const result = await provider.read(APP, old as never);
    expect(result.props).toMatchObject({ stateVersion: 1, onDestroy: "delete", restoreDeleted: true, permanentlyDeleteOnDestroy: false });
    // Defaults are not reported as inputs the program would have to set.
    expect(result.inputs).toEqual({ template: "Box", displayName: "Box (prod)", marker: "0123abcd.0123456789ab" });
  });

  it("keeps an application deleted outside Pulumi (and restorable) in state, marked for restore", async () => {
    g.always("GET", `/servicePrincipals/${SP}`, 404, notFound(SP));
    g.reply("GET", `/directory/deletedItems/${SP}`, 200, { "@odata.type": "#microsoft.graph.servicePrincipal", id: SP });
    g.always("GET", `/applications/${APP}`, 404, notFound(APP));
    g.reply("GET", `/directory/deletedItems/${APP}`, 200, { "@odata.type": "#microsoft.graph.application", id: APP, deletedDateTime: "2025-06-01T10:00:00Z" });
    const result = await provider.read(APP, state());
    expect(result.props).toMatchObject({ deletedDateTime: "2025-06-01T10:00:00Z", displayName: "Box (prod)" });
    // The next diff sees it and the update restores it.
    expect((await provider.diff(APP, { ...result.props, __provider: providerModule("app") }, inputs())).changes).toBe(true);
  });

  it("drops an application deleted outside Pulumi when restoreDeleted is false", async () => {
    g.always("GET", `/servicePrincipals/${SP}`, 404, notFound(SP));
    g.reply("GET", `/directory/deletedItems/${SP}`, 200, { id: SP });
    g.always("GET", `/applications/${APP}`, 404, notFound(APP));
    expect(await provider.read(APP, state({ restoreDeleted: false }))).toEqual({});
  });
});

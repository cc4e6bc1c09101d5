// AppRoleAssignment read against a mocked Graph: an assignment removed outside Pulumi is gone
// (the next up assigns again), one re-made with another role stands in for it as drift on appRole.
import { provider } from "../../../provider/resources/app-role-assignment";
import { GONE_CONFIRM_MS } from "../../../provider/resources/gone";
import { mockGraph, notFound, providerModule, type MockGraph } from "./mock-graph";

const SP = "5b5b5b5b-0000-4000-8000-000000000002";
const USER = "7d7d7d7d-0000-4000-8000-000000000005";
const ASSIGNMENT = "aWQtb2YtYW4tYXNzaWdubWVudA";
const USER_ROLE = "18d14569-c3bd-439b-9a66-3a2aee01d14f";
const ADMIN_ROLE = "a2a2a2a2-0000-4000-8000-000000000006";

const state = (overrides: Record<string, unknown> = {}) => ({
  stateVersion: 1,
  servicePrincipalId: SP,
  user: "adele@contoso.test",
  assignedPrincipalId: USER,
  principalType: "User",
  principalDisplayName: "Adele Vance",
  appRoleId: USER_ROLE,
  assignmentId: ASSIGNMENT,
  __provider: providerModule("assign"),
  ...overrides,
});
/** An appRoleAssignment as Graph returns it. */
const assignment = (id: string, appRoleId: string) => ({
  id,
  appRoleId,
  createdDateTime: "2025-06-01T10:00:00Z",
  principalDisplayName: "Adele Vance",
  principalId: USER,
  principalType: "User",
  resourceDisplayName: "Box (prod)",
  resourceId: SP,
});
const ASSIGNMENT_PATH = `/servicePrincipals/${SP}/appRoleAssignedTo/${ASSIGNMENT}`;

let g: MockGraph;
beforeEach(() => (g = mockGraph()));
afterEach(async () => {
  g.agent.assertNoPendingInterceptors();
  await g.close();
});

describe("AppRoleAssignment read", () => {
  it("reads an assignment that is there back unchanged", async () => {
    g.reply("GET", ASSIGNMENT_PATH, 200, assignment(ASSIGNMENT, USER_ROLE));
    const result = await provider.read(ASSIGNMENT, state());
    expect(result).toEqual({ id: ASSIGNMENT, props: state(), inputs: { servicePrincipalId: SP, user: "adele@contoso.test" } });
  });

  it("is gone (empty result) when the assignment keeps answering 404 over the confirmation window and the list lacks it", async () => {
    g.always("GET", ASSIGNMENT_PATH, 404, notFound(ASSIGNMENT));
    g.reply("GET", `/directory/deletedItems/${SP}`, 404, notFound(SP));
    g.reply("GET", `/servicePrincipals/${SP}/appRoleAssignedTo`, 200, { value: [] });
    expect(await provider.read(ASSIGNMENT, state())).toEqual({});
    // A 404 alone is not "gone": it was confirmed over the window (on virtual time).
    expect(g.slept()).toBeGreaterThanOrEqual(GONE_CONFIRM_MS / 2);
  });

  it("is gone at once when the service principal is in deleted items", async () => {
    g.always("GET", ASSIGNMENT_PATH, 404, notFound(ASSIGNMENT));
    g.reply("GET", `/directory/deletedItems/${SP}`, 200, { "@odata.type": "#microsoft.graph.servicePrincipal", id: SP });
    g.always("GET", `/servicePrincipals/${SP}/appRoleAssignedTo`, 404, notFound(SP));
    expect(await provider.read(ASSIGNMENT, state())).toEqual({});
  });

  it("takes over the principal's assignment with another role, as drift on appRole", async () => {
    g.always("GET", ASSIGNMENT_PATH, 404, notFound(ASSIGNMENT));
    g.reply("GET", `/directory/deletedItems/${SP}`, 404, notFound(SP));
    g.reply("GET", `/servicePrincipals/${SP}/appRoleAssignedTo`, 200, { value: [assignment("bmV3LWFzc2lnbm1lbnQ", ADMIN_ROLE)] });
    const result = await provider.read(ASSIGNMENT, state());
    expect(result.id).toBe("bmV3LWFzc2lnbm1lbnQ");
    expect(result.props).toMatchObject({ assignmentId: "bmV3LWFzc2lnbm1lbnQ", appRoleId: ADMIN_ROLE });
    expect(result.inputs).toEqual({ servicePrincipalId: SP, user: "adele@contoso.test", appRole: ADMIN_ROLE });
  });
});

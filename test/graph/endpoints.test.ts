import { endpoints, isIdempotent, path, routeOf } from "../../provider/graph";

describe("endpoints", () => {
  it("fills templates, encoding every value in one place", () => {
    expect(path(endpoints.job, { spId: "sp 1", jobId: "Box.1/2" })).toBe("/servicePrincipals/sp%201/synchronization/jobs/Box.1%2F2");
    expect(path(endpoints.servicePrincipalByAppId, { appId: "o'brien" })).toBe("/servicePrincipals(appId='o''brien')");
    expect(path(endpoints.deletedItemsOfType, { type: "application" })).toBe("/directory/deletedItems/microsoft.graph.application");
    expect(path(endpoints.batch, {})).toBe("/$batch");
    expect(() => path(endpoints.job, { spId: "x", jobId: "" })).toThrow('parameter "jobId" is missing');
  });

  it("maps concrete paths back to route templates", () => {
    expect(routeOf("/servicePrincipals/abc/synchronization/jobs/Box.1/start").route).toBe(
      "/servicePrincipals/{spId}/synchronization/jobs/{jobId}/start",
    );
    expect(routeOf("/directory/deletedItems/11111111-2222-3333-4444-555555555555").route).toBe("/directory/deletedItems/{id}");
    expect(routeOf("/directory/deletedItems/microsoft.graph.application").route).toBe("/directory/deletedItems/microsoft.graph.{type}");
    expect(routeOf("/applications/abc/owners").route).toBe("/applications/{appObjectId}/owners");
    expect(routeOf("/users/11111111-2222-3333-4444-555555555555/memberOf").route).toBe("/users/{id}/memberOf");
  });

  it("knows which requests are safe to repeat", () => {
    expect(isIdempotent("GET")).toBe(true);
    expect(isIdempotent("PATCH", endpoints.application)).toBe(true);
    expect(isIdempotent("POST", endpoints.instantiate)).toBe(false);
    expect(isIdempotent("POST", endpoints.jobs)).toBe(false);
    expect(isIdempotent("POST", endpoints.jobStart)).toBe(true);
    expect(isIdempotent("POST", endpoints.jobRestart)).toBe(false);
  });
});

// What a secrets write keeps (Graph's PUT replaces the whole set), how the typed settings map
// onto the set's keys, and which app role an assignment gets.
import { mergeSecrets } from "../../provider/resources/provisioning-secrets";
import { applySettings, liveSettings } from "../../provider/resources/sync-settings";
import { DEFAULT_ACCESS_ROLE_ID, pickRole } from "../../provider/resources/principals";

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
const asMap = (set: { key: string; value: string }[]) => Object.fromEntries(set.map((x) => [x.key, x.value]));

describe("mergeSecrets", () => {
  it("keeps keys it does not manage, replaces declared ones and drops the ones it stopped declaring", () => {
    const live = kv({ BaseAddress: "https://old", SecretToken: "*", SyncAll: "true", SkipOutOfScopeDeletions: "True", InstanceName: "prod" });
    const merged = asMap(mergeSecrets(live, { SecretToken: "new-token" }, ["BaseAddress"]));
    expect(merged).toEqual({ SecretToken: "new-token", SyncAll: "true", SkipOutOfScopeDeletions: "True", InstanceName: "prod" });
  });

  it("refuses a write that would drop a masked secret it does not manage, naming the key", () => {
    const live = kv({ Password: "*", SyncAll: "false" });
    expect(() => mergeSecrets(live, { SecretToken: "t" }, [])).toThrow(/also has Password, set outside this resource.*Declare Password in credentials/);
  });
});

describe("applySettings", () => {
  it("always carries SyncAll and SyncNotificationSettings, with Microsoft's documented defaults", () => {
    const set = asMap(applySettings(kv({ SecretToken: "t" }), {}));
    expect(set.SyncAll).toBe("false");
    expect(JSON.parse(set.SyncNotificationSettings)).toEqual({ Enabled: false, DeleteThresholdEnabled: false });
  });

  it("keeps the live value of a setting nobody declared, and changes only the declared fields of the JSON", () => {
    const live = kv({ SyncAll: "true", SyncNotificationSettings: JSON.stringify({ Enabled: true, Recipients: "a@b.com", DeleteThresholdEnabled: false }) });
    const set = asMap(applySettings(live, { deleteThreshold: 40 }));
    expect(set.SyncAll).toBe("true");
    expect(JSON.parse(set.SyncNotificationSettings)).toEqual({ Enabled: true, Recipients: "a@b.com", DeleteThresholdEnabled: true, DeleteThresholdValue: 40 });
  });

  it("round-trips through liveSettings", () => {
    const declared = { scope: "all" as const, skipOutOfScopeDeletions: true, notifications: { enabled: true, recipients: "x@y.com" }, deleteThreshold: false as const };
    const set = new Map(applySettings([], declared).map((x) => [x.key, x.value]));
    expect(liveSettings(set, declared)).toEqual(declared);
  });
});

describe("pickRole", () => {
  const roles = [
    { id: "r-user", displayName: "User", allowedMemberTypes: ["User"], isEnabled: true },
    { id: "r-admin", value: "Admin", displayName: "Administrator", allowedMemberTypes: ["User"], isEnabled: true },
    { id: "r-app", value: "Sync.All", displayName: "Sync all", allowedMemberTypes: ["Application"], isEnabled: true },
  ];
  it("defaults to default access without roles, the only role, else the User role", () => {
    expect(pickRole([], undefined)).toEqual({ role: { id: DEFAULT_ACCESS_ROLE_ID, name: "Default Access" } });
    expect(pickRole([roles[1]], undefined)).toEqual({ role: { id: "r-admin", name: "Admin" } });
    expect(pickRole(roles, undefined)).toEqual({ role: { id: "r-user", name: "User" } });
  });
  it("finds a role by value, display name or id, ignoring case", () => {
    for (const w of ["admin", "ADMINISTRATOR", "r-admin"]) expect(pickRole(roles, w)).toEqual({ role: { id: "r-admin", name: "Admin" } });
  });
  it("refuses a role users and groups cannot have, and suggests for a typo", () => {
    expect(pickRole(roles, "Sync.All")).toEqual({ problem: 'the role "Sync.All" cannot be assigned to users or groups (it allows Application).' });
    expect(pickRole(roles, "Admn")).toEqual({ problem: 'the application has no role "Admn"; did you mean "Admin"? Use one of: User, Admin.' });
  });
});

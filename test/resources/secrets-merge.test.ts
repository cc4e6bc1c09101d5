// What a secrets write keeps (Graph's PUT replaces the whole set) and how the typed settings map
// onto the set's keys.
import { mergeSecrets } from "../../provider/resources/provisioning-secrets";
import { applySettings, liveSettings } from "../../provider/resources/sync-settings";

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

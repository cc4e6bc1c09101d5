/**
 * The provider (provider/graph/synchronization-enums.ts) and the emulator (emulator/shapes.ts,
 * emulator/credentials.ts, emulator/routes/synchronization.ts) each keep their own copy of Graph's
 * synchronization enums, on purpose: the emulator is written from the Microsoft docs and never
 * imports provider code. This keeps the two copies in agreement and names any difference.
 */
import { SECRET_KEYS as EMULATOR_MASKED_KEYS } from "../../emulator/credentials";
import { RESET_SCOPES as EMULATOR_RESTART_SCOPES } from "../../emulator/routes/synchronization";
import { SYNCHRONIZATION_SECRET_KEYS as EMULATOR_SECRET_KEYS } from "../../emulator/shapes";
import { CREDENTIAL_KEYS, RESTART_SCOPES, SECRET_BEARING_KEYS, SYNCHRONIZATION_SECRET_KEYS } from "../../provider/graph/synchronization-enums";

/** Members of one set missing from the other, each side named, for a failure message that says what drifted. */
function difference(provider: Iterable<string>, emulator: Iterable<string>): { onlyInProvider: string[]; onlyInEmulator: string[] } {
  const p = new Set(provider);
  const e = new Set(emulator);
  return { onlyInProvider: [...p].filter((k) => !e.has(k)).sort(), onlyInEmulator: [...e].filter((k) => !p.has(k)).sort() };
}

describe("provider and emulator copies of Graph's synchronization enums", () => {
  it("agree on the synchronizationSecret keys (the emulator also accepts the enum's None member)", () => {
    expect(difference(SYNCHRONIZATION_SECRET_KEYS, EMULATOR_SECRET_KEYS)).toEqual({ onlyInProvider: [], onlyInEmulator: ["None"] });
  });

  it("agree on the keys Graph masks on read", () => {
    expect(difference(SECRET_BEARING_KEYS, EMULATOR_MASKED_KEYS)).toEqual({ onlyInProvider: [], onlyInEmulator: [] });
  });

  it("redact every masked key, and ConsumerKey, which Graph shows in clear", () => {
    expect(difference(CREDENTIAL_KEYS, EMULATOR_MASKED_KEYS)).toEqual({ onlyInProvider: ["ConsumerKey"], onlyInEmulator: [] });
  });

  it("agree on the restart scopes", () => {
    expect(difference(RESTART_SCOPES, EMULATOR_RESTART_SCOPES)).toEqual({ onlyInProvider: [], onlyInEmulator: [] });
  });

  it("name only keys of the synchronizationSecret enum", () => {
    expect(difference(CREDENTIAL_KEYS, SYNCHRONIZATION_SECRET_KEYS).onlyInProvider).toEqual([]);
  });
});

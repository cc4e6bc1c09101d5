// Operations on the same service principal are serialized inside the provider process: secrets
// create/update/delete and job create/update on one SP never overlap, while different SPs
// proceed in parallel. Runs the provider implementations in process against the emulator (with
// latency, so overlaps would be visible) and records every Graph request's interval per SP.
import { AsyncLocalStorage } from "node:async_hooks";
import { harness, Harness, instantiate } from "../emulator/helpers";
import { configure, graph } from "../../provider/resources/runtime";
import { provider as secretsProvider } from "../../provider/resources/provisioning-secrets";
import { provider as jobProvider } from "../../provider/resources/provisioning-job";
import { emulatorConfig } from "../helpers/pulumi";
import { hostConfig } from "../helpers/dynamic-host";

jest.setTimeout(120_000);

const AWS = "8b1025e4-1dd2-430b-a150-2ef79cd700f5";

interface Span {
  op: string;
  spId: string;
  start: number;
  end: number;
}

describe("per-service-principal serialization in the provider process", () => {
  let h: Harness;
  const spans: Span[] = [];

  beforeAll(async () => {
    h = await harness({ seed: 3, latencyMs: 40 });
    const cfg = emulatorConfig(h.emu);
    configure({ config: hostConfig(Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, v.value]))) });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Wraps one resource operation so that its whole duration is a span for its SP. */
  const traced = async <T>(op: string, spId: string, fn: () => Promise<T>): Promise<T> => {
    // The operation's span starts when its first Graph request starts (after the serializer let
    // it in) and ends when its last one ends; requests are tagged with the op that made them.
    const mine: Span = { op, spId, start: Infinity, end: 0 };
    spans.push(mine);
    return current.run(mine, fn);
  };

  // Attribute each request to the operation that issued it (AsyncLocalStorage follows awaits).
  const current = new AsyncLocalStorage<Span>();

  beforeAll(() => {
    const client = graph() as unknown as { request: (...a: unknown[]) => Promise<unknown> };
    const original = client.request.bind(client);
    client.request = async (...a: unknown[]) => {
      const span = current.getStore();
      const started = Date.now();
      try {
        return await original(...a);
      } finally {
        if (span) {
          span.start = Math.min(span.start, started);
          span.end = Math.max(span.end, Date.now());
        }
      }
    };
  });

  it("never overlaps two operations on one service principal, and overlaps different ones", async () => {
    const a = await instantiate(h, AWS, "Serialize A");
    const b = await instantiate(h, AWS, "Serialize B");
    const creds = (n: number) => ({ ClientSecret: `client-secret-${n}`, SecretToken: `token-${n}` });
    const secrets = secretsProvider as unknown as {
      create(i: Record<string, unknown>): Promise<unknown>;
      update(id: string, o: unknown, n: Record<string, unknown>): Promise<unknown>;
    };
    const job = jobProvider as unknown as { create(i: Record<string, unknown>): Promise<{ id: string; outs: unknown }> };

    // Everything at once, as the engine does with independent resources: on each SP a secrets
    // create, two secrets updates and a job create (which validates the saved secrets and starts).
    await Promise.all(
      [a, b].flatMap(({ spId }) => [
        traced("secrets create", spId, () => secrets.create({ servicePrincipalId: spId, credentials: creds(1) })),
        traced("secrets update 2", spId, () => secrets.update(spId, {}, { servicePrincipalId: spId, credentials: creds(2) })),
        traced("secrets update 3", spId, () => secrets.update(spId, {}, { servicePrincipalId: spId, credentials: creds(3) })),
        traced("job create", spId, () => job.create({ servicePrincipalId: spId, validateCredentials: false })),
      ]),
    );

    for (const sp of [a.spId, b.spId]) {
      const mine = spans.filter((s) => s.spId === sp).sort((x, y) => x.start - y.start);
      expect(mine).toHaveLength(4);
      for (let i = 1; i < mine.length; i++) {
        // Strictly after the previous operation's last request finished.
        expect(mine[i].start).toBeGreaterThanOrEqual(mine[i - 1].end);
      }
    }
    // Different service principals are not serialized against each other.
    const first = (sp: string) => spans.filter((s) => s.spId === sp).sort((x, y) => x.start - y.start)[0];
    const [fa, fb] = [first(a.spId), first(b.spId)];
    expect(fa.start < fb.end && fb.start < fa.end).toBe(true);

    // Exactly one job per SP, and the last write of the secrets won.
    const state = (await h.admin("GET", "/state")).body as { jobs: { items: { servicePrincipalId: string }[] } };
    expect(state.jobs.items.filter((j) => j.servicePrincipalId === a.spId)).toHaveLength(1);
  });
});

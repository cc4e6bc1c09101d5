import { MockAgent } from "undici";
import { GraphClient, loadGraphSettings, type AccessTokenProvider, type Clock, type GraphClientOptions, type GraphLogEvent } from "../../provider/graph";

export const ORIGIN = "https://graph.test";
export const V1 = "/v1.0";

/** A clock whose sleeps return at once and advance `now`; records every sleep. */
export class FakeClock implements Clock {
  current = 1_700_000_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.current;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.current += ms;
  }
}

export class StaticTokens implements AccessTokenProvider {
  calls = 0;
  invalidations = 0;
  constructor(public token = "test-access-token-abcdef") {}
  async getToken(): Promise<string> {
    this.calls++;
    return this.token;
  }
  invalidate(): void {
    this.invalidations++;
  }
}

export function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

export interface TestClient {
  client: GraphClient;
  agent: MockAgent;
  pool: ReturnType<MockAgent["get"]>;
  clock: FakeClock;
  tokens: StaticTokens;
  logs: GraphLogEvent[];
}

export function testClient(
  config: Record<string, string> = {},
  options: Partial<GraphClientOptions> = {},
): TestClient {
  const agent = mockAgent();
  const clock = new FakeClock();
  const tokens = new StaticTokens();
  const logs: GraphLogEvent[] = [];
  const settings = loadGraphSettings({ "entra:graphEndpoint": ORIGIN, "entra:maxConcurrency": "4", ...config }, {});
  const client = new GraphClient(settings, {
    dispatcher: agent,
    clock,
    tokens,
    logger: (e) => logs.push(e),
    retry: { random: () => 0.5 },
    ...options,
  });
  return { client, agent, pool: agent.get(ORIGIN), clock, tokens, logs };
}

export const json = { headers: { "content-type": "application/json" } };

export function graphErrorBody(code: string, message: string, extra: Record<string, unknown> = {}): object {
  return {
    error: {
      code,
      message,
      ...extra,
      innerError: { date: "2026-01-01T00:00:00", "request-id": "req-body-id", "client-request-id": "c" },
    },
  };
}

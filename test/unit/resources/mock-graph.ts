// Runs resource providers in process against an undici MockAgent: the Graph client every resource
// uses (provider/resources/runtime.ts graph()) is replaced by one whose dispatcher is the mock, and
// the provider's own waits (404 confirmation windows, "until visible") run on virtual time.
import { systemClock } from "../../../provider/graph";
import { setGraphForTesting } from "../../../provider/resources/runtime";
export { providerModule } from "../../../provider/resources/shim";
import { graphErrorBody, json, testClient, V1, type TestClient } from "../../graph/helpers";

export { graphErrorBody, V1 };

export interface MockGraph extends TestClient {
  /** Answers `method pathname` (any query) `times` times (default once) with `status` and `body`. */
  reply(method: string, pathname: string, status: number, body?: unknown, times?: number): void;
  /** Like reply, for every request from now on. */
  always(method: string, pathname: string, status: number, body?: unknown): void;
  /** Every request sent, as "METHOD /path?query" (path without the version segment). */
  readonly requests: string[];
  /** Virtual milliseconds the provider slept. */
  slept(): number;
  close(): Promise<void>;
}

/** A 404 as Graph sends it for a missing directory object. */
export const notFound = (id: string) => graphErrorBody("Request_ResourceNotFound", `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export function mockGraph(): MockGraph {
  const t = testClient();
  const requests: string[] = [];
  let virtual = 0;
  const realNow = Date.now.bind(Date);
  const now = jest.spyOn(systemClock, "now").mockImplementation(() => realNow() + virtual);
  const sleep = jest.spyOn(systemClock, "sleep").mockImplementation(async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    virtual += Math.max(0, ms);
  });
  setGraphForTesting(t.client);

  const intercept = (method: string, pathname: string, status: number, body: unknown) =>
    t.pool
      .intercept({ method, path: (p: string) => decodeURIComponent(p.split("?")[0]) === `${V1}${pathname}` })
      .reply(
        status,
        (opts) => {
          requests.push(`${method} ${decodeURIComponent(opts.path.slice(V1.length))}`);
          return status === 204 ? "" : (body ?? {});
        },
        json,
      );

  return {
    ...t,
    requests,
    reply(method, pathname, status, body, times = 1) {
      intercept(method, pathname, status, body).times(times);
    },
    always(method, pathname, status, body) {
      intercept(method, pathname, status, body).persist();
    },
    slept: () => virtual,
    async close() {
      setGraphForTesting(undefined);
      now.mockRestore();
      sleep.mockRestore();
      await t.agent.close();
    },
  };
}

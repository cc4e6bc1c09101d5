import * as fs from "node:fs";
import * as tls from "node:tls";
import { Agent, type Dispatcher } from "undici";
import type { GraphSettings } from "./settings";

/**
 * One undici dispatcher per process (per CA file and connection limit) shared by Graph calls and token requests,
 * so keep-alive connections are reused across every resource in the stack.
 */
export interface TransportOptions {
  /** Connections per origin. Graph calls never exceed the limiter's max, so a few spare are enough. */
  connections: number;
  /** Extra CA to trust in addition to the system roots (e.g. the emulator's self-signed CA). */
  caFile?: string;
}

const agents = new Map<string, Agent>();

/** Returns the shared dispatcher for these settings, creating it on first use. */
export function sharedDispatcher(settings: Pick<GraphSettings, "maxConcurrency" | "caFile">): Dispatcher {
  const options: TransportOptions = { connections: settings.maxConcurrency + 4, caFile: settings.caFile };
  const key = JSON.stringify(options);
  let agent = agents.get(key);
  if (!agent) {
    agent = createDispatcher(options);
    agents.set(key, agent);
  }
  return agent;
}

export function createDispatcher(options: TransportOptions): Agent {
  return new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // Per-attempt bounds; the operation deadline is enforced separately through an AbortSignal.
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
    connect: {
      timeout: 15_000,
      // `ca` replaces Node's default roots, so the extra CA is appended to them rather than used alone (and to
      // NODE_EXTRA_CA_CERTS, which Node's default roots include but `tls.rootCertificates` does not). One
      // context for every connection: given `ca` instead, each TLS connection parses all ~140 roots again
      // (measured: 0.6 s of CPU in a 200-instance refresh).
      ...(options.caFile
        ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...nodeExtraCaCerts(), fs.readFileSync(options.caFile, "utf8")] }) }
        : {}),
    },
  });
}

/** The PEM file named by NODE_EXTRA_CA_CERTS, if readable (Node has already warned about one that is not). */
function nodeExtraCaCerts(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [fs.readFileSync(file, "utf8")];
  } catch {
    return [];
  }
}

/** Closes the shared dispatchers (tests, CLI shutdown). Later calls create new ones. */
export async function closeSharedDispatchers(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

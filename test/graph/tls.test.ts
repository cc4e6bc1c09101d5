/**
 * TLS certificate failures are reported as what they are: the endpoint's certificate is not trusted (and how to
 * trust it: entra:caFile, NODE_EXTRA_CA_CERTS), never as wrong tenant, client or secret. Against the emulator
 * started with its own CA, which this process is not told about.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import type { TokenCredential } from "@azure/identity";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { CachedTokenProvider, closeSharedDispatchers, endpoints, GraphClient, isGraphError } from "../../provider/graph";
import { describeTlsFailure, tlsFailureOf } from "../../provider/graph/errors";
import { emulatorSettings } from "./workload";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("tlsFailureOf", () => {
  it("classifies Node's certificate codes, through cause chains and AggregateErrors", () => {
    expect(tlsFailureOf(coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"))).toEqual({ problem: "untrusted", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    for (const code of ["SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]) expect(tlsFailureOf(coded(code))?.problem).toBe("untrusted");
    expect(tlsFailureOf(coded("CERT_HAS_EXPIRED"))?.problem).toBe("expired");
    expect(tlsFailureOf(coded("ERR_TLS_CERT_ALTNAME_INVALID"))?.problem).toBe("hostname");
    expect(tlsFailureOf(coded("CERT_REVOKED"))?.problem).toBe("invalid");
    const wrapped = Object.assign(new TypeError("fetch failed"), { cause: coded("SELF_SIGNED_CERT_IN_CHAIN") });
    expect(tlsFailureOf(Object.assign(new Error("outer"), { code: "UND_ERR_CONNECT", cause: wrapped }))?.code).toBe("SELF_SIGNED_CERT_IN_CHAIN");
    expect(tlsFailureOf(new AggregateError([coded("ECONNREFUSED"), coded("DEPTH_ZERO_SELF_SIGNED_CERT")]))?.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    // Not certificate failures; and the message text is never read.
    for (const e of [coded("ECONNRESET"), coded("EPROTO", "unable to verify the first certificate"), new Error("self-signed certificate"), undefined, "x"]) expect(tlsFailureOf(e)).toBeUndefined();
  });

  it("describes each kind without blaming the credentials", () => {
    const untrusted = describeTlsFailure({ problem: "untrusted", code: "SELF_SIGNED_CERT_IN_CHAIN" }, "https://login.example", "the token endpoint");
    expect(untrusted.summary).toBe("the TLS certificate of the token endpoint https://login.example is not trusted (SELF_SIGNED_CERT_IN_CHAIN): it is signed by a CA this machine does not trust.");
    expect(untrusted.hint).toMatch(/entra:caFile \(or ENTRA_CA_FILE\).*NODE_EXTRA_CA_CERTS/);
    const withCa = describeTlsFailure({ problem: "untrusted", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }, "https://g", "Graph", "/etc/ca.pem");
    expect(withCa.hint).toMatch(/^entra:caFile \(\/etc\/ca\.pem\) does not hold the CA that signed it/);
    expect(describeTlsFailure({ problem: "expired", code: "CERT_HAS_EXPIRED" }, "https://g", "Graph").summary).toMatch(/has expired or is not yet valid/);
    expect(describeTlsFailure({ problem: "hostname", code: "ERR_TLS_CERT_ALTNAME_INVALID" }, "https://g", "Graph").hint).toMatch(/entra:graphEndpoint, entra:authorityHost/);
    for (const problem of ["untrusted", "expired", "hostname", "invalid"] as const) {
      const d = describeTlsFailure({ problem, code: "X" }, "https://g", "Graph");
      expect(`${d.summary} ${d.hint}`).not.toMatch(/tenantId|clientId|secret has|client secret/);
    }
  });

  it("a credential failing with a certificate code gives GRAPH_NETWORK, not GRAPH_AUTH", async () => {
    const credential: TokenCredential = { getToken: async () => Promise.reject(Object.assign(new Error("connect failed"), { cause: coded("CERT_HAS_EXPIRED") })) };
    const p = new CachedTokenProvider(credential, { scope: "s/.default", describe: { kind: "ClientSecretCredential", tenantId: "t", clientId: "c", authorityHost: "https://login.example" } });
    const e = await p.getToken().catch((err: unknown) => err);
    expect(isGraphError(e, "GRAPH_NETWORK")).toBe(true);
    expect(String(e)).toMatch(/the TLS certificate of the token endpoint https:\/\/login\.example has expired or is not yet valid \(CERT_HAS_EXPIRED\)/);
  });
});

describe("against the emulator with a CA this process does not trust", () => {
  let emu: RunningEmulator;
  let tmp: string;
  // The emulator without its CA: this process is not told about it.
  const settings = (extra: Record<string, string> = {}) => emulatorSettings({ ...emu, caFile: undefined }, { "entra:maxRetries": "0", ...extra });
  const failure = (extra?: Record<string, string>) =>
    new GraphClient(settings(extra), { logger: () => undefined }).get({ endpoint: endpoints.applicationTemplates }).catch((err: unknown) => err);

  beforeAll(async () => {
    emu = await startEmulator({ seed: 7 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-tls-"));
  });
  afterAll(async () => {
    await closeSharedDispatchers();
    await emu?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    delete process.env.NODE_EXTRA_CA_CERTS;
  });

  it("the token request says the token endpoint's certificate is not trusted, naming entra:caFile and NODE_EXTRA_CA_CERTS", async () => {
    const t0 = Date.now();
    const e = await failure();
    expect(Date.now() - t0).toBeLessThan(5000); // not retried as if the credentials were wrong
    expect(isGraphError(e, "GRAPH_NETWORK")).toBe(true);
    const message = String((e as Error).message);
    expect(message).toContain(`the TLS certificate of the token endpoint ${new URL(emu.authorityHost).origin} is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(message).toContain("entra:caFile (or ENTRA_CA_FILE)");
    expect(message).toContain("NODE_EXTRA_CA_CERTS");
    expect(message).not.toMatch(/Check entra:tenantId|client secret|endpoints_resolution_error/);
  });

  it("with an entra:caFile that lacks the emulator's CA, says that file does not hold it; NODE_EXTRA_CA_CERTS is honoured next to it", async () => {
    const otherCa = path.join(tmp, "other-ca.pem");
    fs.writeFileSync(otherCa, tls.rootCertificates[0]);
    const e = await failure({ "entra:caFile": otherCa });
    expect(isGraphError(e, "GRAPH_NETWORK")).toBe(true);
    expect(String((e as Error).message)).toContain(`entra:caFile (${otherCa}) does not hold the CA that signed it`);
    // The advice works: the emulator's CA in NODE_EXTRA_CA_CERTS, with the unrelated entra:caFile still set.
    await closeSharedDispatchers();
    process.env.NODE_EXTRA_CA_CERTS = emu.caFile!;
    const ok = await new GraphClient(settings({ "entra:caFile": otherCa }), { logger: () => undefined }).get<{ value: unknown[] }>({ endpoint: endpoints.applicationTemplates });
    expect(ok.status).toBe(200);
  });
});

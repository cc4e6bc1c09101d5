import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

/**
 * HTTPS material generated at start: a throwaway CA and a server certificate it signs (SANs:
 * localhost, 127.0.0.1, ::1 and the configured host). MSAL refuses plain-http authorities, so the
 * token endpoint needs TLS; clients trust the CA via `caFile` (e.g. NODE_EXTRA_CA_CERTS).
 * EC P-256 keys keep generation to a few tens of milliseconds.
 */
export interface TlsMaterial {
  key: string;
  cert: string;
  caCert: string;
  caFile: string;
  dispose(): void;
}

export async function generateTls(host: string): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: "commonName", value: "Microsoft Graph Emulator Local CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
  ];
  if (isIP(host) && host !== "127.0.0.1" && host !== "::1" && host !== "0.0.0.0" && host !== "::") altNames.push({ type: 7, ip: host });
  else if (!isIP(host) && host !== "localhost") altNames.push({ type: 2, value: host });
  const leaf = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "graph-emulator-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  return {
    key: leaf.private,
    cert: leaf.cert,
    caCert: ca.cert,
    caFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

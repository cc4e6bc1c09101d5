// Finds where a secret value appears in plaintext inside a JSON document (state exports).
export function plaintextPaths(doc: unknown, secret: string, at = "$"): string[] {
  if (typeof doc === "string") return doc.includes(secret) ? [at] : [];
  if (Array.isArray(doc)) return doc.flatMap((v, i) => plaintextPaths(v, secret, `${at}[${i}]`));
  if (doc && typeof doc === "object") {
    return Object.entries(doc).flatMap(([k, v]) => plaintextPaths(v, secret, `${at}.${k}`));
  }
  return [];
}

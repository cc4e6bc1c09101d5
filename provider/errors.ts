// One error model: every error this package throws on purpose is an EntraError with a stable
// `code`. Callers (programs, the CLI, tests) match on `code`, never on message text; the README's
// Troubleshooting table lists every code and test/unit/error-codes.test.ts keeps the two in step.

/** Every stable code, in README order. Never rename a code: programs match on it. */
export const ERROR_CODES = [
  "CONFIG_INVALID", // an entra:* setting or its environment variable is invalid
  "INPUT_INVALID", // a resource or function input is invalid (the message names the property)
  "TEMPLATE_NOT_FOUND", // no gallery template has that display name or id
  "TEMPLATE_AMBIGUOUS", // several gallery templates have that display name
  "EXPRESSION_INVALID", // an attribute-mapping expression does not parse
  "RULE_SELECTION", // no single synchronization rule fits a provision-on-demand subject
  "PROVISION_ON_DEMAND_FAILED", // failOnFailure and Graph reported a failed on-demand provisioning
  "FLEET_FILE_INVALID", // a fleet file is unreadable or an entry is malformed
  "PACKAGE_OUTDATED", // the stack's state was written by a newer version of this package
  "CLI_USAGE", // a command-line flag or its value is wrong
  "PULUMI_COMMAND_FAILED", // a pulumi command the CLI ran failed
  "GRAPH_AUTH", // 401, or no access token could be obtained
  "GRAPH_FORBIDDEN", // 403
  "GRAPH_BAD_REQUEST", // 400 and other 4xx without a more specific code
  "GRAPH_NOT_FOUND", // 404, 410
  "GRAPH_CONFLICT", // 409, 412
  "GRAPH_THROTTLED", // 429 after retries were exhausted
  "GRAPH_UNAVAILABLE", // 5xx after retries were exhausted, or a non-idempotent request that got a 5xx
  "GRAPH_NETWORK", // connection reset, DNS, TLS, socket errors
  "GRAPH_TIMEOUT", // the operation deadline (entra:operationTimeout) passed
  "GRAPH_ABORTED", // the caller's AbortSignal fired
  "GRAPH_INVALID_RESPONSE", // a 2xx whose body is not the JSON we expected
] as const;

export type EntraErrorCode = (typeof ERROR_CODES)[number];

/**
 * Marks our errors independently of class identity. `instanceof` fails when the error comes from
 * another copy of this package loaded in the same process: npm installs a second copy when a
 * program and a library it uses depend on different versions, and jest loads a fresh copy per test
 * file. `Symbol.for` is process-wide, so every copy recognises every other copy's errors.
 */
const ENTRA_ERROR_BRAND = Symbol.for("pulumi-entra-provisioning.EntraError");

/** The base of every error this package throws on purpose. `cause` keeps the error it explains. */
export class EntraError<C extends EntraErrorCode = EntraErrorCode> extends Error {
  override readonly name: string = "EntraError";
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    Object.defineProperty(this, ENTRA_ERROR_BRAND, { value: true });
  }

  /**
   * This error, same class, code and fields, with `prefix` before its message (e.g. the input it
   * concerns); the original becomes its `cause`. Adds context without losing the code.
   */
  withContext(prefix: string): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    const message = `${prefix}${this.message}`;
    Object.defineProperty(copy, "message", { value: message, writable: true, configurable: true });
    Object.defineProperty(copy, "cause", { value: this, writable: true, configurable: true });
    if (typeof this.stack === "string") {
      Object.defineProperty(copy, "stack", { value: this.stack.replace(this.message, message), writable: true, configurable: true });
    }
    return copy;
  }
}

/** Type guard across copies of the package, optionally for some codes: `isEntraError(e, "TEMPLATE_NOT_FOUND")`. */
export function isEntraError(e: unknown, ...codes: EntraErrorCode[]): e is EntraError {
  if (typeof e !== "object" || e === null || (e as Record<symbol, unknown>)[ENTRA_ERROR_BRAND] !== true) return false;
  return codes.length === 0 || codes.includes((e as EntraError).code);
}

/** A resource or function input that cannot work; `property` names it (e.g. `ProvisioningJob.templateId`). */
export class InputError extends EntraError<"INPUT_INVALID"> {
  override readonly name = "InputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("INPUT_INVALID", message, options);
  }
}

/** `e` with `prefix` before its message: an EntraError keeps its class and code; anything else is wrapped with `cause`. */
export function withContext(e: unknown, prefix: string): Error {
  if (isEntraError(e)) return e.withContext(prefix);
  return new Error(`${prefix}${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

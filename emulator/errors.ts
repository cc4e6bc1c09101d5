/**
 * Graph errors. Bodies follow the documented shape
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` (https://learn.microsoft.com/graph/errors);
 * the request ids are filled in by the server when the error is written.
 */
export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

/** `date` in innerError is ISO local time without `Z` and without fraction, as in the docs sample. */
export function graphDate(now = new Date()): string {
  return now.toISOString().slice(0, 19);
}

export function errorBody(err: GraphError, requestId: string, clientRequestId: string): Record<string, unknown> {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details) error.details = err.details;
  if (err.status === 429) {
    // The throttling page documents a richer innerError for 429s.
    error.innerError = {
      code: "429",
      date: graphDate(),
      message: "Please retry after",
      "request-id": requestId,
      "client-request-id": clientRequestId,
      status: "429",
    };
  } else {
    error.innerError = { date: graphDate(), "request-id": requestId, "client-request-id": clientRequestId };
  }
  return { error };
}

export const notFound = (id: string): GraphError =>
  new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badRequest = (message: string, details?: ErrorDetail[]): GraphError =>
  new GraphError(400, "Request_BadRequest", message, {}, details);

export const unsupportedQuery = (message = "Unsupported Query."): GraphError =>
  new GraphError(400, "Request_UnsupportedQuery", message);

export const denied = (): GraphError =>
  new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

export const unauthenticated = (message: string): GraphError =>
  new GraphError(401, "InvalidAuthenticationToken", message);

export const tooManyRequests = (retryAfterSeconds: number, headers: Record<string, string> = {}): GraphError =>
  new GraphError(429, "TooManyRequests", "Please retry again later.", {
    "Retry-After": String(retryAfterSeconds),
    ...headers,
  });

/** OData's message for an unknown property in a request body. */
export const unknownProperty = (name: string, type: string): GraphError =>
  badRequest(
    `The property '${name}' does not exist on type 'microsoft.graph.${type}'. ` +
      "Make sure to only use property names that are defined by the type.",
  );

/** Rejects body properties that are not declared on the type, like Graph does. */
export function assertKnownProperties(body: Record<string, unknown>, allowed: ReadonlySet<string>, type: string): void {
  for (const key of Object.keys(body)) {
    if (key.startsWith("@odata.")) continue;
    if (!allowed.has(key)) throw unknownProperty(key, type);
  }
}

export function asObject(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(`A JSON object is required as the request body for ${what}.`);
  }
  return body as Record<string, unknown>;
}

/**
 * What the synchronization service answers when the token lacks the permission a
 * /synchronization route needs: 401 with code UnknownError and an empty message
 * (microsoft-graph-docs-contrib#8800, terraform-provider-azuread#1628), not the directory's 403.
 */
export const syncUnauthorized = (): GraphError => new GraphError(401, "UnknownError", "");

/**
 * A method the synchronization service has no route for (e.g. PATCH on a job or a job schema):
 * Graph forwards the request and wraps the backend's ASP.NET Web API routing miss, a JSON string,
 * as the message of a 404 UnknownError (msgraph-sdk-python#820, msgraph-sdk-powershell#1134).
 */
export const syncNoRoute = (backendUri: string): GraphError =>
  new GraphError(404, "UnknownError", JSON.stringify({ Message: `No HTTP resource was found that matches the request URI '${backendUri}'.` }));

/** The synchronization service's 500 (code as in the AzureAD/SCIMReferenceCode onboarding agent's reports). */
export const internalError = (message: string): GraphError => new GraphError(500, "InternalError", message);

// Literal forms of Graph's query language and ids, written once for every caller.

/** An OData string literal: single-quoted, inner quotes doubled (https://learn.microsoft.com/graph/query-parameters#escaping-single-quotes). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` has the form of a Graph object or template id (a GUID). */
export const isGuid = (value: unknown): value is string => typeof value === "string" && GUID.test(value);

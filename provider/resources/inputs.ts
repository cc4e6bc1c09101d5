// Input validation shared by the resources' check(). Every failure names the property and says
// what to do; values unknown during preview (outputs of resources not yet created) are skipped.
import type * as pulumi from "@pulumi/pulumi";
import { isGuid } from "../graph";
import { closest } from "../suggest";

/** The sentinel the dynamic-provider host passes for a value not known until apply. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}


/** Collects per-property failures; `result()` gives what check() returns. */
export class Checker {
  readonly failures: pulumi.dynamic.CheckFailure[] = [];

  constructor(private readonly resource: string) {}

  fail(property: string, reason: string): void {
    this.failures.push({ property, reason: `${this.resource}.${property}: ${reason}` });
  }

  /** A required non-empty string of at most `max` characters. Returns it when valid and known. */
  string(inputs: Record<string, unknown>, property: string, opts: { required?: boolean; max?: number } = {}) {
    const value = inputs[property];
    if (isUnknown(value)) return undefined;
    if (value === undefined || value === null) {
      if (opts.required) this.fail(property, "is required; set it to a non-empty string.");
      return undefined;
    }
    if (typeof value !== "string") {
      this.fail(property, `must be a string, got ${describe(value)}.`);
      return undefined;
    }
    if (value.trim() === "") {
      this.fail(property, "must not be empty or only whitespace.");
      return undefined;
    }
    if (opts.max !== undefined && value.length > opts.max) {
      this.fail(property, `must be at most ${opts.max} characters, got ${value.length}; shorten it.`);
      return undefined;
    }
    return value;
  }

  guid(inputs: Record<string, unknown>, property: string, opts: { required?: boolean } = {}) {
    const value = this.string(inputs, property, opts);
    if (value !== undefined && !isGuid(value)) {
      this.fail(property, `must be an object id (a GUID like 00000000-0000-0000-0000-000000000000), got "${truncate(value)}".`);
      return undefined;
    }
    return value;
  }

  boolean(inputs: Record<string, unknown>, property: string): boolean | undefined {
    const value = inputs[property];
    if (value === undefined || isUnknown(value)) return undefined;
    if (typeof value !== "boolean") {
      this.fail(property, `must be true or false, got ${describe(value)}.`);
      return undefined;
    }
    return value;
  }

  /** A map of string → string. Returns it when it is a plain object (values may be unknown). */
  stringMap(inputs: Record<string, unknown>, property: string, opts: { required?: boolean } = {}) {
    const value = inputs[property];
    if (value === UNKNOWN) return undefined;
    if (value === undefined || value === null) {
      if (opts.required) this.fail(property, "is required; set it to a map of names to string values.");
      return undefined;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      this.fail(property, `must be a map of names to string values, got ${describe(value)}.`);
      return undefined;
    }
    const map = value as Record<string, unknown>;
    for (const [key, v] of Object.entries(map)) {
      if (!isUnknown(v) && typeof v !== "string") {
        this.fail(`${property}.${key}`, `must be a string, got ${describe(v)} (quote numbers and booleans).`);
      }
    }
    return map;
  }

  /** Rejects properties the resource does not know (typos), suggesting the closest one. */
  noUnknownProperties(inputs: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(inputs)) {
      // Output placeholders arrive as undefined; only keys with values are the user's.
      if (key === "__provider" || known.includes(key) || inputs[key] === undefined) continue;
      const near = closest(key, known, 1)[0];
      this.fail(key, `is not a property of this resource${near ? `; did you mean "${near}"?` : "."}`);
    }
  }

  result(inputs: Record<string, unknown>): pulumi.dynamic.CheckResult {
    return this.failures.length ? { inputs, failures: this.failures } : { inputs };
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string "${truncate(value)}"`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Re-exported for the resources that import it from here; the function lives in provider/suggest.ts. */
export { closest };

/** Shallow equality of two string maps (undefined and {} are equal). */
export function sameMap(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

/**
 * How a change of an immutable input shows in diff. During preview, the outputs of a resource
 * that is about to be updated are unknown to its dependents (dynamic providers cannot preview an
 * update), so an unknown value only means "may change": report an update, not a replacement.
 * When the value is known (during `up`), a real change replaces.
 */
export function immutableChange<O extends object>(olds: O, news: Record<string, unknown>, key: keyof O & string): "replace" | "maybe" | "none" {
  if (isUnknown(news[key])) return "maybe";
  return news[key] !== olds[key] ? "replace" : "none";
}

/** Inputs for read(): live values, minus those equal to their default (the user rarely sets them). */
export function withoutDefaults<T extends object>(inputs: T, defaults: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(inputs) as [keyof T, T[keyof T]][]) {
    const d = defaults[k];
    const isDefault = d !== undefined && (typeof d === "object" ? JSON.stringify(d) === JSON.stringify(v) : d === v);
    if (!isDefault && v !== undefined) out[k] = v;
  }
  return out;
}

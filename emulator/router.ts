import { Handler, Permission } from "./context";

/**
 * Route table for Graph paths. Patterns look like `/servicePrincipals/{spId}/synchronization/jobs/{jobId}`
 * or `/applications(appId='{appId}')`; literal segments match case-insensitively, like Graph.
 * Each route carries the permission it needs and how it counts for throttling. The *template*
 * (every placeholder shown as `{id}`) is what request statistics are keyed by.
 */
export interface RouteSpec {
  method: string;
  pattern: string;
  handler: Handler;
  permission: Permission;
  /** Identity-service path: charged against the resource-unit bucket (https://learn.microsoft.com/graph/throttling-limits). */
  identity?: boolean;
}

interface Compiled extends RouteSpec {
  template: string;
  segments: ({ literal: string } | { re: RegExp; names: string[] })[];
}

export type RouteMatch =
  | { kind: "ok"; route: Compiled; params: Record<string, string> }
  | { kind: "method"; template: string }
  | { kind: "none" };

function compileSegment(seg: string): Compiled["segments"][number] {
  if (!seg.includes("{")) return { literal: seg.toLowerCase() };
  const names: string[] = [];
  const src = seg
    .split(/(\{[A-Za-z]+\})/)
    .map((part) => {
      const m = /^\{([A-Za-z]+)\}$/.exec(part);
      if (m) {
        names.push(m[1]);
        return "([^/]+?)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return { re: new RegExp(`^${src}$`, "i"), names };
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

export class Router {
  private readonly byLength = new Map<number, Compiled[]>();

  add(spec: RouteSpec): void {
    const parts = splitPath(spec.pattern);
    const compiled: Compiled = {
      ...spec,
      template: spec.pattern.replace(/\{[A-Za-z]+\}/g, "{id}"),
      segments: parts.map(compileSegment),
    };
    const list = this.byLength.get(parts.length) ?? [];
    list.push(compiled);
    this.byLength.set(parts.length, list);
  }

  match(method: string, path: string): RouteMatch {
    const parts = splitPath(path).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    let methodMiss: string | undefined;
    for (const route of this.byLength.get(parts.length) ?? []) {
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < parts.length && matched; i++) {
        const seg = route.segments[i];
        if ("literal" in seg) {
          matched = seg.literal === parts[i].toLowerCase();
        } else {
          const m = seg.re.exec(parts[i]);
          if (!m) matched = false;
          else seg.names.forEach((n, j) => (params[n] = m[j + 1]));
        }
      }
      if (!matched) continue;
      if (route.method !== method) {
        methodMiss ??= route.template;
        continue;
      }
      return { kind: "ok", route, params };
    }
    return methodMiss ? { kind: "method", template: methodMiss } : { kind: "none" };
  }
}

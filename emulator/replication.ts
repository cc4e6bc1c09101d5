import { Rng } from "./random";

/**
 * Eventual consistency (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/)
 * modelled as directory replicas. A write lands on the primary immediately; each replica sees that
 * version after its own random delay in [0, replicationLagMs]. A request reads from one randomly
 * chosen replica, so a GET right after a create can 404, succeed on the next try and 404 again on
 * the one after — exactly the pattern callers must tolerate against real Entra.
 *
 * Lists and `$filter` queries lag further: "The Microsoft Graph query engine uses an index store
 * to fulfill query requests" (https://learn.microsoft.com/graph/aad-advanced-queries), and list and
 * filter results trail reads by id (FIDELITY.md, "Lists and `$filter` lag behind reads by id").
 * Each replica's index sees a version after a second delay in [0, listLagMs], never before the
 * replica itself does.
 * listLagMs defaults to twice replicationLagMs (null = that default, following run-time changes).
 */
export interface Stamp {
  visibleAt: number[];
  listVisibleAt: number[];
}

export class ReplicationModel {
  /** Max extra delay before lists and $filter see a write, per replica; null = 2 × lagMs. */
  public listLagMs: number | null = null;

  constructor(
    private readonly rng: Rng,
    public replicas: number,
    public lagMs: number,
  ) {}

  effectiveListLagMs(): number {
    return this.listLagMs ?? 2 * this.lagMs;
  }

  /** Times at which a version written now becomes visible to reads by id and to lists, one per replica. */
  stamp(now: number): Stamp | undefined {
    const listLag = this.effectiveListLagMs();
    if (this.lagMs <= 0 && listLag <= 0) return undefined; // visible everywhere at once: the fast path
    const visibleAt = new Array<number>(this.replicas);
    const listVisibleAt = new Array<number>(this.replicas);
    for (let i = 0; i < this.replicas; i++) {
      visibleAt[i] = this.lagMs > 0 ? now + this.rng.next() * this.lagMs : now;
      listVisibleAt[i] = Math.max(visibleAt[i], listLag > 0 ? now + this.rng.next() * listLag : now);
    }
    return { visibleAt, listVisibleAt };
  }

  pickReplica(): number {
    return this.replicas <= 1 || (this.lagMs <= 0 && this.effectiveListLagMs() <= 0) ? 0 : this.rng.int(this.replicas);
  }
}

/** Which view of a replica a read uses: by id (GET /x/{id}) or the query index (lists, $filter). */
export type View = "read" | "list";

/** Pass as the replica to read the primary (used by internal consistency checks, not by requests). */
export const PRIMARY = -1;

interface Version<T> {
  data: T | null; // null = deleted (tombstone)
  visibleAt?: number[];
  listVisibleAt?: number[];
}

function seenEverywhere(v: { visibleAt?: number[]; listVisibleAt?: number[] }, now: number): boolean {
  return (!v.visibleAt || v.visibleAt.every((t) => t <= now)) && (!v.listVisibleAt || v.listVisibleAt.every((t) => t <= now));
}

/** A keyed collection whose reads go through a replica view. O(1) by id; versions pruned eagerly. */
export class ReplicatedTable<T extends { id: string }> {
  private readonly entries = new Map<string, Version<T>[]>();
  private readonly indexes = new Map<string, { key: (t: T) => string[]; map: Map<string, Set<string>> }>();

  constructor(private readonly model: ReplicationModel) {}

  /** Indexes are supersets (a key stays while any version had it); callers re-check the predicate. */
  addIndex(name: string, key: (t: T) => string[]): void {
    this.indexes.set(name, { key, map: new Map() });
  }

  candidates(name: string, value: string): string[] | undefined {
    const idx = this.indexes.get(name);
    if (!idx) return undefined;
    return [...(idx.map.get(value.toLowerCase()) ?? [])];
  }

  /** The newest version, as the primary sees it. */
  primary(id: string): T | undefined {
    const versions = this.entries.get(id);
    return versions ? (versions[versions.length - 1].data ?? undefined) : undefined;
  }

  /** The newest version visible on `replica` at `now`; `view` "list" asks the replica's query index. */
  get(id: string, replica: number, now = Date.now(), view: View = "read"): T | undefined {
    if (replica === PRIMARY) return this.primary(id);
    const versions = this.entries.get(id);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      const times = view === "list" ? v.listVisibleAt : v.visibleAt;
      if (!times || times[replica] <= now) return v.data ?? undefined;
    }
    return undefined;
  }

  put(obj: T, now = Date.now()): void {
    this.append(obj.id, { data: obj, ...this.model.stamp(now) }, now);
    for (const idx of this.indexes.values()) {
      for (const k of idx.key(obj)) {
        const lk = k.toLowerCase();
        let set = idx.map.get(lk);
        if (!set) idx.map.set(lk, (set = new Set()));
        set.add(obj.id);
      }
    }
  }

  remove(id: string, now = Date.now()): void {
    if (!this.entries.has(id)) return;
    this.append(id, { data: null, ...this.model.stamp(now) }, now);
  }

  private append(id: string, version: Version<T>, now: number): void {
    const versions = this.entries.get(id) ?? [];
    versions.push(version);
    // Drop versions hidden everywhere by a newer version that every replica (and its index) already sees.
    let firstLive = 0;
    for (let i = versions.length - 1; i >= 0; i--) {
      if (seenEverywhere(versions[i], now)) {
        firstLive = i;
        break;
      }
    }
    const kept = versions.slice(firstLive);
    if (kept.length === 1 && kept[0].data === null && seenEverywhere(kept[0], now)) {
      this.drop(id);
      return;
    }
    this.entries.set(id, kept);
  }

  private drop(id: string): void {
    const last = this.entries.get(id);
    this.entries.delete(id);
    if (!last) return;
    for (const idx of this.indexes.values()) {
      for (const v of last) {
        if (!v.data) continue;
        for (const k of idx.key(v.data)) idx.map.get(k.toLowerCase())?.delete(id);
      }
    }
  }

  /** Every object visible on `replica` (by default through its query index, as lists see it), in insertion order. */
  *values(replica: number, now = Date.now(), view: View = "list"): Generator<T> {
    for (const id of this.entries.keys()) {
      const obj = this.get(id, replica, now, view);
      if (obj) yield obj;
    }
  }

  /** Primary objects only (admin/state summaries, persistence). */
  *primaries(): Generator<T> {
    for (const versions of this.entries.values()) {
      const data = versions[versions.length - 1].data;
      if (data) yield data;
    }
  }

  /** Forgets tombstones every replica has seen; called periodically so deleted ids do not pile up. */
  sweep(now = Date.now()): void {
    for (const [id, versions] of this.entries) {
      const last = versions[versions.length - 1];
      if (last.data === null && seenEverywhere(last, now)) this.drop(id);
    }
  }

  clear(): void {
    this.entries.clear();
    for (const idx of this.indexes.values()) idx.map.clear();
  }
}

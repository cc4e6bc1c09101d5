/** Request counters by method + route template + status, for GET /_emulator/stats. */
export class RequestStats {
  private counts = new Map<string, { method: string; route: string; status: number; count: number }>();
  private total = 0;

  record(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { method, route, status, count: 1 });
    this.total++;
  }

  toJSON(): { requests: { method: string; route: string; status: number; count: number }[]; total: number } {
    const requests = [...this.counts.values()].sort((a, b) => a.route.localeCompare(b.route) || a.method.localeCompare(b.method) || a.status - b.status);
    return { requests: requests.map((r) => ({ ...r })), total: this.total };
  }

  reset(): void {
    this.counts.clear();
    this.total = 0;
  }
}

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { ClientRegistration } from "./auth";
import { DirectorySnapshot } from "./store";
import { SyncSnapshot } from "./sync-store";

/**
 * `--state-file`: state survives restarts. Loaded once at start; written atomically (temp file +
 * rename, so a crash never leaves half a file) a short debounce after each change and on close.
 */
export interface StateSnapshot {
  format: 1;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  signingKey: string;
  clients: ClientRegistration[];
  directory: DirectorySnapshot;
  sync: SyncSnapshot;
}

export const DEBOUNCE_MS = 200;

export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly snapshot: () => StateSnapshot,
  ) {}

  static read(path: string): StateSnapshot | undefined {
    if (!existsSync(path)) return undefined;
    const parsed = JSON.parse(readFileSync(path, "utf8")) as StateSnapshot;
    if (parsed.format !== 1) throw new Error(`Unsupported emulator state file format in ${path}`);
    return parsed;
  }

  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()));
    renameSync(tmp, this.path);
  }
}

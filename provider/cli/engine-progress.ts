// Progress of a Pulumi operation run through the Automation API, drawn from the engine's
// structured events (`onEvent`: https://www.pulumi.com/docs/iac/using-pulumi/automation-api/)
// rather than from its human-readable output: a bar counting the resources whose step finished,
// or a heartbeat, with every warning and error diagnostic as it arrives. The human output is
// only kept, unread, for the tail printed when the operation fails.
import type { DiagnosticEvent, EngineEvent, OpType, SummaryEvent } from "@pulumi/pulumi/automation";

/** A heartbeat so a long refresh never looks hung ("quiet"), or a bar counting finished resources out of `expected`. */
export type ProgressMode = "quiet" | { expected: number };

/** The options an Automation API operation (up, preview, refresh, destroy) takes from us. */
export interface EngineHooks {
  onEvent: (event: EngineEvent) => void;
  onOutput: (text: string) => void;
  onError: (text: string) => void;
  /** Plain text in both the output kept for errors and the events' messages. */
  color: "never";
}

export interface EngineOutcome<T> {
  /** The operation's result; undefined when it failed. */
  result?: T;
  /** Why it failed (usually the Automation API's CommandError). */
  error?: unknown;
  /** The engine's summary: changes by operation and duration. */
  summary?: SummaryEvent;
  /** The operation's output lines (and the error's, when it failed before any), for a failure's tail. */
  lines: string[];
}

/** Messages about the program's own package lookup, not about the deployment. */
export const NOISE = /Could not find a package\.json/;

/** The engine's color markup (`<{%reset%}>`) and ANSI escapes: neither belongs in a plain line. */
const plain = (text: string) => text.replace(/<\{%[^%]*%\}>/g, "").replace(/\x1b\[[0-9;]*m/g, "");

/** "name" from a URN `urn:pulumi:<stack>::<project>::<type>::name`. */
const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

export function describeDiagnostic(d: DiagnosticEvent): string | undefined {
  if (d.severity !== "error" && d.severity !== "warning") return undefined;
  const message = plain(d.message).trim();
  if (!message || NOISE.test(message)) return undefined;
  const lines = message.split("\n").map((l) => l.trimEnd());
  return `${d.severity}: ${d.urn ? `${urnName(d.urn)}: ` : ""}${lines.join("\n    ")}`;
}

const PROVIDER_TYPE = "pulumi:providers:";

/** Counts resources whose step finished (one ResOutputsEvent per step; a URN counts once) and draws the line. */
export class ProgressLine {
  private readonly finished = new Set<string>();
  private readonly started = Date.now();
  private lastPrint = this.started;
  private readonly tty = process.stdout.isTTY === true;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  get done(): number {
    return this.finished.size;
  }

  onEvent(event: EngineEvent): void {
    const step = event.resOutputsEvent?.metadata;
    // Default providers have steps too, but Pulumi's own display (and `expected`) leaves them out.
    if (step && !step.type.startsWith(PROVIDER_TYPE)) this.finished.add(step.urn);
    const diagnostic = event.diagnosticEvent && describeDiagnostic(event.diagnosticEvent);
    if (diagnostic) {
      if (this.tty && this.mode !== "quiet") this.write("\n");
      this.write(`  ${diagnostic}\n`);
    }
    this.tick();
  }

  /** Redraws the bar, or the heartbeat when it is due. */
  tick(): void {
    this.draw(false);
  }

  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    const now = Date.now();
    const elapsed = `${((now - this.started) / 1000).toFixed(0)}s`;
    if (this.mode === "quiet") {
      if (!final && now - this.lastPrint >= 10_000) {
        this.lastPrint = now;
        this.write(`  … ${elapsed}\n`);
      }
      return;
    }
    if (!final && now - this.lastPrint < (this.tty ? 250 : 5000)) return;
    this.lastPrint = now;
    const { expected } = this.mode;
    const pct = Math.min(100, Math.round((100 * this.done) / expected));
    const bar = "#".repeat(Math.round(pct / 4)).padEnd(25, ".");
    const text = `  [${bar}] ${this.done}/${expected} resources  ${elapsed}`;
    this.write(this.tty ? `\r${text}${final ? "\n" : ""}` : `${text}\n`);
  }
}

/** Splits streamed text into lines (a chunk may end mid-line). */
class LineBuffer {
  readonly lines: string[] = [];
  private partial = "";

  push(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
  }

  flush(): string[] {
    if (this.partial) this.lines.push(this.partial);
    this.partial = "";
    return this.lines;
  }
}

/**
 * Runs one Automation API operation with progress from its events. Never throws for a failed
 * operation: the outcome carries the error and the output's lines, so the caller words the failure.
 */
export async function withEngineProgress<T>(mode: ProgressMode, operation: (hooks: EngineHooks) => Promise<T>): Promise<EngineOutcome<T>> {
  const progress = new ProgressLine(mode);
  const output = new LineBuffer();
  let summary: SummaryEvent | undefined;
  const hooks: EngineHooks = {
    color: "never",
    onOutput: (text) => output.push(text),
    onError: (text) => output.push(text),
    onEvent: (event) => {
      if (event.summaryEvent) summary = event.summaryEvent;
      progress.onEvent(event);
    },
  };
  try {
    const result = await operation(hooks);
    progress.finish();
    return { result, summary, lines: output.flush() };
  } catch (error) {
    progress.finish();
    const lines = output.flush();
    // A failure before the command wrote anything (it could not start, the stack is locked, …).
    if (lines.length === 0) lines.push(...commandErrorLines(error));
    return { error, summary, lines };
  }
}

/**
 * What to show of a failed Automation API command: Pulumi's own "error: …" lines. Its CommandError
 * message also repeats the whole command line, which for `config set-all --secret k=v` holds
 * secret values, so it is shown only when there is no error line (then without the command line).
 */
export function commandErrorLines(error: unknown): string[] {
  const text = plain(error instanceof Error ? error.message : String(error));
  const lines = text.split("\n").map((l) => l.trim());
  const errors = [...new Set(lines.filter((l) => /^error: /.test(l)))];
  if (errors.length) return errors;
  const framing = /^(code: -?\d+|stdout:|stderr:|err\?:)$/;
  return lines.filter((l) => l && !framing.test(l) && !l.includes("Command failed")).slice(0, 8);
}

/** How Pulumi's own summary words each operation ("+ 3 created"), in its order. */
const SUMMARY_OPS: [OpType, string][] = [
  ["create", "+ {n} created"],
  ["update", "~ {n} updated"],
  ["delete", "- {n} deleted"],
  ["replace", "+-{n} replaced"],
  ["import", "= {n} imported"],
  ["same", "{n} unchanged"],
];

/** Go's duration format, as Pulumi prints it: 45s, 2m3s, 1h2m3s. */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h ? `${h}h${m}m${rest}s` : m ? `${m}m${rest}s` : `${rest}s`;
}

/** The summary Pulumi prints after an update ("Resources:", "+ 801 created", "Duration: 1m23s"), from its SummaryEvent. */
export function summaryLines(summary: SummaryEvent | undefined): string[] {
  if (!summary) return [];
  const changes = SUMMARY_OPS.filter(([op]) => (summary.resourceChanges[op] ?? 0) > 0).map(([op, text]) => text.replace("{n}", String(summary.resourceChanges[op])));
  return ["Resources:", ...changes, `Duration: ${duration(summary.durationSeconds)}`];
}

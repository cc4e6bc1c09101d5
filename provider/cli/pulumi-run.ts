// Runs the project's pulumi binary for the demo, condensing its per-resource output into a
// progress line so a 600-resource run stays readable.
import { spawn } from "node:child_process";
import * as readline from "node:readline";

export interface PulumiResult {
  code: number;
  lines: string[];
}

const DONE = /\b(created|updated|deleted|replaced|same|refreshed|read)\b \(/;

/**
 * How output is shown: every line ("verbose"), errors and a heartbeat ("quiet"), or a progress
 * bar counting finished resources out of `expected`.
 */
export type OutputMode = "verbose" | "quiet" | { expected: number };

export function runPulumi(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, mode: OutputMode = "verbose"): Promise<PulumiResult> {
  const expected = typeof mode === "object" ? mode.expected : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, "--non-interactive"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let done = 0;
    let lastPrint: number;
    const started = Date.now();
    lastPrint = started;
    const tty = process.stdout.isTTY;
    const progress = (final = false) => {
      const now = Date.now();
      if (expected === undefined) {
        // Quiet mode: a heartbeat so a long refresh never looks hung.
        if (mode === "quiet" && !final && now - lastPrint >= 10_000) {
          lastPrint = now;
          process.stdout.write(`  … ${((now - started) / 1000).toFixed(0)}s\n`);
        }
        return;
      }
      if (!final && now - lastPrint < (tty ? 250 : 5000)) return;
      lastPrint = now;
      const pct = Math.min(100, Math.round((100 * done) / expected));
      const bar = "#".repeat(Math.round(pct / 4)).padEnd(25, ".");
      const text = `  [${bar}] ${done}/${expected} resources  ${((now - started) / 1000).toFixed(0)}s`;
      process.stdout.write(tty ? `\r${text}${final ? "\n" : ""}` : `${text}\n`);
    };
    const onLine = (line: string) => {
      lines.push(line);
      if (mode === "verbose") {
        process.stdout.write(`  ${line}\n`);
        return;
      }
      if (DONE.test(line)) done++;
      if (/error|warning:/i.test(line) && !/Could not find a package.json/.test(line)) {
        if (tty) process.stdout.write("\n");
        process.stdout.write(`  ${line}\n`);
      }
      progress();
    };
    readline.createInterface({ input: child.stdout }).on("line", onLine);
    readline.createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", reject);
    child.on("close", (code) => {
      progress(true);
      resolve({ code: code ?? 1, lines });
    });
  });
}

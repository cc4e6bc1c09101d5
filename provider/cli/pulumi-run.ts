// Runs the project's pulumi binary as a child process, for the commands whose exit code is the
// point: `pulumi preview --expect-no-changes` exits 7 when it finds changes (the drift check
// CI relies on, README "npm run demo"). The Automation API hides exit codes — a failed command
// becomes a CommandError with the code kept private — so these few commands are spawned, quietly:
// a heartbeat, and the error and warning lines of the output. Everything else the demo runs
// goes through the Automation API with progress from its events (engine-progress.ts).
import { spawn } from "node:child_process";
import * as readline from "node:readline";
import { NOISE, ProgressLine } from "./engine-progress";

export interface PulumiResult {
  code: number;
  lines: string[];
}

export function runPulumi(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<PulumiResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, "--non-interactive"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const heartbeat = new ProgressLine("quiet");
    const onLine = (line: string) => {
      lines.push(line);
      if (/error|warning:/i.test(line) && !NOISE.test(line)) process.stdout.write(`  ${line}\n`);
      heartbeat.tick();
    };
    readline.createInterface({ input: child.stdout }).on("line", onLine);
    readline.createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, lines }));
  });
}

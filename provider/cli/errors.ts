// Errors of the entra-provisioning command line: part of the package's one error model
// (provider/errors.ts), so scripts can tell a wrong flag from a failed pulumi run by `code`.
import { EntraError } from "../errors";

export class CliError extends EntraError<"CLI_USAGE" | "PULUMI_COMMAND_FAILED"> {
  override readonly name = "CliError";
}

/** A flag, or the value of one, that cannot work; the message says what to pass instead. */
export const usageError = (message: string): CliError => new CliError("CLI_USAGE", message);

/** A pulumi command run on the user's behalf failed; the message carries the end of its output. */
export const pulumiFailed = (message: string, cause?: unknown): CliError => new CliError("PULUMI_COMMAND_FAILED", message, { cause });

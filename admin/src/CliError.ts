import { ExitCode, type ExitCodeValue } from "./ExitCode.js";

/**
 * An error meant for the person at the terminal: its message is printed as is (never a stack trace) and the
 * process exits with its code. `code` is a stable word for --json output.
 */
export class CliError extends Error {
	constructor(
		message: string,
		public readonly exitCode: ExitCodeValue,
		public readonly code: string,
	) {
		super(message);
		this.name = "CliError";
	}

	static usage(message: string): CliError {
		return new CliError(message, ExitCode.Usage, "USAGE");
	}

	static refused(message: string): CliError {
		return new CliError(message, ExitCode.Refused, "REFUSED");
	}
}

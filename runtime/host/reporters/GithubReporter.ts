import { formatFailure, locationOf, type RunResults } from "../RunResults.js";

/** Where a failure points in the game's sources; `line` only when it is known. */
export interface SourceLocation {
	file: string;
	line?: number;
}

// GitHub's workflow-command escaping: data escapes %, CR and LF; properties also escape : and ,.
const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

/**
 * GitHub Actions annotations, one `::error` line per failure, at the TypeScript file and line the failure names
 * (else the source file `locate` gives, else the spec module's path), so each failure shows on the pull request's
 * diff.
 */
export function githubAnnotations(
	results: RunResults,
	locate: (specFile: string, message: string) => SourceLocation | undefined = () => undefined,
): string {
	return results
		.failures()
		.map((failure) => {
			const [file, title, message] =
				failure.kind === "test"
					? [failure.test.file, failure.test.name, failure.test.errors[0] ?? ""]
					: [failure.error.file, `${failure.error.file} could not run`, failure.error.message];
			const where = locationOf(failure) ?? locate(file, message) ?? { file };
			const properties = [`file=${escapeProperty(where.file)}`];
			if (where.line !== undefined) properties.push(`line=${where.line}`);
			properties.push(`title=${escapeProperty(title)}`);
			return `::error ${properties.join(",")}::${escapeData(formatFailure(failure))}\n`;
		})
		.join("");
}

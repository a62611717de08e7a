import { formatFailure, type RunResults } from "../RunResults.js";

/**
 * The run as one JSON document, for tools: the totals, then each spec file with its tests (status, errors, virtual
 * and real time, the TypeScript file and line a failure names) and the errors that kept it from running.
 */
export function jsonReport(results: RunResults, success: boolean): string {
	const totals = results.totals();
	return `${JSON.stringify(
		{
			success,
			numPassedTests: totals.passed,
			numFailedTests: totals.failed,
			numSkippedTests: totals.skipped,
			files: results.files.map((file) => ({
				file,
				errors: results.fileErrors
					.filter((error) => error.file === file)
					.map((error) => formatFailure({ kind: "file", error })),
				tests: results.testsOf(file).map((test) => ({
					name: test.name,
					status: test.status,
					errors: test.errors,
					scriptErrors: test.scriptErrors ?? [],
					virtualSeconds: test.virtualSeconds,
					realMs: test.realMs,
					location: test.location,
				})),
			})),
		},
		undefined,
		2,
	)}\n`;
}

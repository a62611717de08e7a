/**
 * Runs a game's specs on the engine and reports them: the text report on `write`, the results for the other
 * reporters, and the exit code.
 */
import { runEngine, type EngineOptions } from "./Launcher.js";
import { RunResults } from "./RunResults.js";
import { DefaultReporter } from "./reporters/DefaultReporter.js";

export interface SpecRunOptions {
	/** Exit 0 when no test ran (every test filtered out), as Jest's --passWithNoTests. */
	passWithNoTests?: boolean;
	/** Called with each result as it arrives (the watch mode and tests listen here). */
	onEvent?: Parameters<typeof runEngine>[2];
}

/** Runs the specs; resolves with the exit code (1 when a test failed, no spec file exists, or no test ran). */
export async function runSpecs(
	options: EngineOptions & { command: "test" },
	write: (text: string) => void,
	run: SpecRunOptions = {},
): Promise<{ code: number; results: RunResults }> {
	const results = new RunResults();
	const reporter = new DefaultReporter(write, { verbose: options.verbose, specRoots: options.specRoots });
	const engineCode = await runEngine(options, write, (event) => {
		results.add(event);
		reporter.onEvent(event, results);
		run.onEvent?.(event);
	});
	const { passed, failed, skipped } = results.totals();
	const noTests = results.files.length > 0 && passed + failed === 0;
	if (noTests && !run.passWithNoTests) {
		reporter.finish(
			results,
			options.filter === undefined
				? "No tests ran. Pass --pass-with-no-tests to exit 0 anyway."
				: `No tests matched --filter "${options.filter}" (${skipped} left out). Pass --pass-with-no-tests to exit 0 anyway.`,
		);
		return { code: 1, results };
	}
	reporter.finish(results);
	const code = engineCode !== 0 || failed > 0 || results.files.length === 0 ? 1 : 0;
	return { code, results };
}

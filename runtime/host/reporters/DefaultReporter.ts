import { formatFailure, type EngineEvent, type RunResults, type TestResult } from "../RunResults.js";

export interface DefaultReporterOptions {
	/** Print a line per spec file and per test, and the game's output as it happens. */
	verbose?: boolean;
	/** Where the runner looked for specs, for the "no spec files" message. */
	specRoots?: string[];
	/** What the runner looked for there (runtime/host/SpecDiscovery.ts). */
	lookedFor?: () => string;
}

/** "12.5 s virtual, 40 ms": a test's virtual and real time. */
export function timesOf(test: TestResult): string {
	const parts: string[] = [];
	if (test.virtualSeconds !== undefined) parts.push(`${Number(test.virtualSeconds.toFixed(3))} s virtual`);
	if (test.realMs !== undefined) parts.push(`${Math.round(test.realMs)} ms`);
	return parts.join(", ");
}

/** Jest's snapshot summary: the counts, then each file's obsolete snapshots by name. */
export function snapshotLines(results: RunResults): string[] {
	const all = results.snapshots;
	if (all.length === 0) return [];
	const sum = (key: "added" | "matched" | "unmatched" | "updated") => all.reduce((n, s) => n + s[key], 0);
	const obsolete = all.reduce((n, s) => n + s.obsolete.length, 0);
	const removed = all.reduce((n, s) => n + s.removedKeys.length, 0);
	const parts = [
		[sum("unmatched"), "failed"],
		[sum("added"), "written"],
		[sum("updated"), "updated"],
		[obsolete, "obsolete"],
		[removed, "removed"],
		[sum("matched"), "passed"],
	]
		.filter(([count]) => (count as number) > 0)
		.map(([count, word]) => `${count} ${word}`);
	const lines = [`Snapshots: ${parts.length > 0 ? parts.join(", ") : "none checked"}`];
	for (const summary of all) {
		if (summary.obsolete.length > 0) {
			lines.push(
				`  ${summary.obsolete.length} obsolete in ${summary.file} (run with -u to remove): ${summary.obsolete.map((key) => `"${key}"`).join(", ")}`,
			);
		}
		if (summary.removedKeys.length > 0) {
			lines.push(
				`  ${summary.removedKeys.length} obsolete removed from ${summary.file}: ${summary.removedKeys.map((key) => `"${key}"`).join(", ")}`,
			);
		}
		if (summary.removed === "file")
			lines.push(`  removed the snapshot file of ${summary.file} (no test checks it)`);
	}
	if (sum("unmatched") > 0) lines.push("  Inspect the failures above, or run with -u to update the snapshots.");
	return lines;
}

const MARKS: Record<TestResult["status"], string> = { passed: "ok  ", failed: "FAIL", skipped: "skip" };

/**
 * The human reporter: with `verbose`, a line per test and a count per spec file as they finish; then every failure,
 * numbered, and the closing line `N passed, N failed, N skipped` alone on the last line.
 */
export class DefaultReporter {
	private current: string | undefined;

	constructor(
		private readonly write: (text: string) => void,
		private readonly options: DefaultReporterOptions = {},
	) {}

	onEvent(event: EngineEvent, results: RunResults): void {
		if (!this.options.verbose) return;
		if (event.type === "fileStart" || event.type === "start") {
			this.endFile(results);
			this.current = event.type === "fileStart" ? event.file : undefined;
		} else if (event.type === "test") {
			const times = event.status === "skipped" ? "" : ` (${timesOf(event)})`;
			this.write(`  ${MARKS[event.status]} ${event.name}${times}`);
		}
	}

	/** The count line of the spec file that just finished. */
	private endFile(results: RunResults): void {
		const file = this.current;
		if (file === undefined) return;
		this.current = undefined;
		const tests = results.testsOf(file);
		const count = (status: TestResult["status"]) => tests.filter((test) => test.status === status).length;
		const errors = results.fileErrors.filter((error) => error.file === file).length;
		const [passed, failed, skipped] = [count("passed"), count("failed") + errors, count("skipped")];
		const line =
			passed + failed === 0 && skipped > 0
				? `0 tests run (${skipped} filtered out)`
				: `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
		this.write(`${failed > 0 ? "FAIL" : "ok  "} ${file}: ${line}`);
	}

	/** Prints the failures, `note` if any, and the closing line. */
	finish(results: RunResults, note?: string): void {
		this.endFile(results);
		results.failures().forEach((failure, i) => this.write(`\nFAIL ${i + 1}) ${formatFailure(failure)}`));
		if (results.files.length === 0) {
			const where = (this.options.specRoots ?? ["ServerScriptService"]).map((root) =>
				root === "." ? "the game" : root,
			);
			const what = this.options.lookedFor?.() ?? "modules named *.spec";
			this.write(`no spec files found: looked for ${what} in ${where.join(", ")}`);
		}
		const snapshots = snapshotLines(results);
		if (snapshots.length > 0) this.write(`\n${snapshots.join("\n")}`);
		if (note !== undefined) this.write(`\n${note}`);
		const { passed, failed, skipped } = results.totals();
		this.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
	}
}

/**
 * What a test run produced, gathered from the engine's events (runtime/engine/Runner.luau sends one per test), and
 * the one place where a failure becomes text: every reporter prints failures through {@link formatFailure}.
 */

/** One test (`it`) of a spec file. */
export interface TestResult {
	/** The spec module's path in the tree, e.g. "ServerScriptService/__Specs/purchase.spec". */
	file: string;
	/** TestEZ's full name: the file's name, each describe, then the test. */
	name: string;
	status: "passed" | "failed" | "skipped";
	errors: string[];
	/** Virtual seconds the test's world ran. */
	virtualSeconds?: number;
	/** Real milliseconds the test took, loading its spec file and booting its test host included. */
	realMs?: number;
	/** Errors raised by the game's scripts (in any server of the test's world) while the test ran. */
	scriptErrors?: string[];
	/** The TypeScript file and line its errors name first, when the run maps places (runtime/host/TsLocations.ts). */
	location?: TsLocation;
	/** A few numbered lines of TypeScript around `location`, its line marked with `>`. */
	codeFrame?: string;
}

/** A place in the game's TypeScript: the file relative to where the runner was started, and the line. */
export interface TsLocation {
	file: string;
	line: number;
}

/** A failure that belongs to a spec file rather than to one of its tests: it failed to load or to plan. */
export interface FileError {
	file: string;
	message: string;
	scriptErrors?: string[];
	location?: TsLocation;
	codeFrame?: string;
}

/** What Jest did with one spec file's snapshots (its `__snapshots__/<spec>.snap.lua` file). */
export interface SnapshotSummary {
	file: string;
	added: number;
	matched: number;
	unmatched: number;
	updated: number;
	/** Snapshots of the file that no test checked; -u removes them. */
	obsolete: string[];
	/** The obsolete snapshots this run removed (-u). */
	removedKeys: string[];
	/** "file" when -u removed the whole snapshot file (no test of it checks a snapshot any more). */
	removed?: "file";
}

export type EngineEvent =
	| { type: "start"; files: string[] }
	| ({ type: "snapshots" } & SnapshotSummary)
	| { type: "coverage"; counts: Record<string, number[]> }
	| { type: "fileStart"; file: string }
	| ({ type: "test" } & TestResult)
	| ({ type: "fileError" } & FileError);

export type Failure = { kind: "test"; test: TestResult } | { kind: "file"; error: FileError };

/** The TypeScript place of a failure, when the run mapped one. */
export function locationOf(failure: Failure): TsLocation | undefined {
	return failure.kind === "test" ? failure.test.location : failure.error.location;
}

/**
 * Turns a failure into the text every reporter shows: its name, its errors with the code frame of their TypeScript
 * place under the line that names it, then the game's script errors.
 */
export function formatFailure(failure: Failure): string {
	const [title, messages, scriptErrors] =
		failure.kind === "test"
			? [failure.test.name, failure.test.errors, failure.test.scriptErrors]
			: [failure.error.file, [failure.error.message], failure.error.scriptErrors];
	// Each message's own lines (its stack) are indented under it, so one failure reads as one block.
	const block = (texts: string[], pad: string) =>
		texts.map((text) => pad + text.replace(/\s+$/, "").split("\n").join(`\n${pad}`)).join("\n");
	let text = `${title}\n${withCodeFrame(block(messages, "  "), failure)}`;
	if (scriptErrors !== undefined && scriptErrors.length > 0) {
		text += `\n  Errors in the game's scripts during this test:\n${block(scriptErrors, "    ")}`;
	}
	return text;
}

/** `text` with the failure's code frame after the first line naming its place, set off by blank lines. */
function withCodeFrame(text: string, failure: Failure): string {
	const location = locationOf(failure);
	const frame = failure.kind === "test" ? failure.test.codeFrame : failure.error.codeFrame;
	if (location === undefined || frame === undefined) return text;
	const lines = text.split("\n");
	const at = lines.findIndex((line) => line.includes(`${location.file}:${location.line}`));
	if (at === -1) return text;
	const indent = `${/^\s*/.exec(lines[at])![0]}  `;
	lines.splice(at + 1, 0, "", ...frame.split("\n").map((line) => indent + line), "");
	while (lines[lines.length - 1].trim() === "") lines.pop();
	return lines.join("\n");
}

function withoutType<T extends { type: string }>(event: T): Omit<T, "type"> {
	const copy: Partial<T> = { ...event };
	delete copy.type;
	return copy as Omit<T, "type">;
}

/** The results of one run, in the order the engine sent them. */
export class RunResults {
	files: string[] = [];
	tests: TestResult[] = [];
	fileErrors: FileError[] = [];
	snapshots: SnapshotSummary[] = [];
	/** --coverage's counters, by Luau file, summed over every run. */
	coverage = new Map<string, number[]>();
	/** The Luau file each spec module was mounted from, by its tree path. */
	sources: Record<string, string> = {};

	add(event: EngineEvent): void {
		if (event.type === "start") {
			this.files = event.files;
		} else if (event.type === "test") {
			this.tests.push(withoutType(event));
		} else if (event.type === "fileError") {
			this.fileErrors.push(withoutType(event));
		} else if (event.type === "coverage") {
			for (const [file, counts] of Object.entries(event.counts)) {
				const sum = this.coverage.get(file) ?? [];
				counts.forEach((count, i) => (sum[i] = (sum[i] ?? 0) + count));
				this.coverage.set(file, sum);
			}
		} else if (event.type === "snapshots") {
			// An empty Luau table crosses as {}: the lists are read as lists whatever they came as.
			const list = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);
			this.snapshots.push({
				...withoutType(event),
				obsolete: list(event.obsolete),
				removedKeys: list(event.removedKeys),
			});
		}
	}

	/** Failed counts failed tests and spec files that could not run. */
	totals(): { passed: number; failed: number; skipped: number } {
		const count = (status: TestResult["status"]) => this.tests.filter((test) => test.status === status).length;
		return { passed: count("passed"), failed: count("failed") + this.fileErrors.length, skipped: count("skipped") };
	}

	/** Every failure, grouped by spec file in run order. */
	failures(): Failure[] {
		const failures: Failure[] = [];
		for (const file of this.files) {
			for (const error of this.fileErrors) if (error.file === file) failures.push({ kind: "file", error });
			for (const test of this.tests) {
				if (test.file === file && test.status === "failed") failures.push({ kind: "test", test });
			}
		}
		return failures;
	}

	testsOf(file: string): TestResult[] {
		return this.tests.filter((test) => test.file === file);
	}
}

/**
 * Runs a game's specs on the engine and reports them: the text report on `write`, the results for the other
 * reporters, and the exit code. The engine first lists the modules that may be specs (runtime/host/SpecDiscovery.ts
 * chooses among them); then each spec file runs in a worker thread of its own (runtime/host/EngineThread.ts), a
 * fresh heap per file, several at once, their reports printed in file order.
 */
import { availableParallelism } from "node:os";
import { EngineThread, type ThreadOutcome } from "./EngineThread.js";
import type { EngineOptions } from "./Launcher.js";
import { RunResults, type EngineEvent } from "./RunResults.js";
import { DefaultReporter } from "./reporters/DefaultReporter.js";
import { chooseSpecs, lookedFor, type JestConfigSeen, type SpecCandidate } from "./SpecDiscovery.js";

export interface SpecRunOptions {
	/** Exit 0 when no test ran (every test filtered out), as Jest's --passWithNoTests. */
	passWithNoTests?: boolean;
	/** Called with each result as it arrives (the watch mode and tests listen here). */
	onEvent?: (event: EngineEvent) => void;
	/** Spec files run at once (default: the machine's cores). */
	maxWorkers?: number;
}

type DiscoveredEvent = {
	type: "discovered";
	modules: SpecCandidate[];
	configs: Record<string, JestConfigSeen> | unknown[];
};

/** Why a file's worker could not finish, in words a user can act on. */
function crashMessage(crash: string): string {
	if (/not enough memory|out of memory|Cannot enlarge memory|Array buffer allocation failed/i.test(crash)) {
		return `ran out of memory (${crash}). The file's tests share one Luau heap of at most 2 GB; split the file, or free what its tests keep (large tables, servers left running).`;
	}
	return `the runtime stopped while running this file: ${crash}`;
}

/** The modules that may be specs, listed by the engine in a worker. */
async function discover(
	thread: EngineThread,
	options: EngineOptions,
	write: (text: string) => void,
): Promise<{ found?: DiscoveredEvent; outcome: ThreadOutcome }> {
	let found: DiscoveredEvent | undefined;
	const outcome = await thread.run({ ...options, command: "discover" }, write, (event) => {
		const raw = event as unknown as DiscoveredEvent;
		if (raw.type === "discovered") found = raw;
	});
	return { found, outcome };
}

/** Runs the specs; resolves with the exit code (1 when a test failed, no spec file exists, or no test ran). */
export async function runSpecs(
	options: EngineOptions & { command: "test" },
	write: (text: string) => void,
	run: SpecRunOptions = {},
): Promise<{ code: number; results: RunResults }> {
	const results = new RunResults();
	const looking = { for: lookedFor(options.jest !== undefined, {}) };
	const reporter = new DefaultReporter(write, {
		verbose: options.verbose,
		specRoots: options.specRoots,
		lookedFor: () => looking.for,
	});
	const deliver = (event: EngineEvent) => {
		results.add(event);
		reporter.onEvent(event, results);
		run.onEvent?.(event);
	};
	const threads: EngineThread[] = [];
	/** A thread of the pool that can take a run: `index`'s own, replaced by a new one once retired. */
	const threadFor = (index: number) => {
		if (!threads[index]?.usable) threads[index] = new EngineThread();
		return threads[index];
	};
	try {
		return await runWithThreads({ options, write, run, results, reporter, deliver, threadFor, looking });
	} finally {
		for (const thread of threads) thread.close();
	}
}

interface RunContext {
	options: EngineOptions & { command: "test" };
	write: (text: string) => void;
	run: SpecRunOptions;
	results: RunResults;
	reporter: DefaultReporter;
	deliver: (event: EngineEvent) => void;
	threadFor: (index: number) => EngineThread;
	/** What the "no spec files found" message says the runner looked for. */
	looking: { for: string };
}

/** Discovers the spec files (unless given), then runs each in the pool's threads. */
async function runWithThreads(context: RunContext): Promise<{ code: number; results: RunResults }> {
	const { options, write, run, results, reporter, deliver, threadFor } = context;
	let files = options.specFiles;
	const early: EngineEvent[] = [];
	let engineFailed = false;
	if (files === undefined) {
		const { found, outcome } = await discover(threadFor(0), options, write);
		if (found === undefined) {
			deliver({ type: "start", files: ["(spec discovery)"] });
			deliver({
				type: "fileError",
				file: "(spec discovery)",
				message: outcome.crash !== undefined ? crashMessage(outcome.crash) : "the engine listed no modules",
			});
			reporter.finish(results);
			return { code: 1, results };
		}
		// An empty table crosses as a JSON array.
		const configs = Array.isArray(found.configs) ? {} : found.configs;
		const chosen = chooseSpecs(found.modules, configs);
		for (const module of found.modules)
			if (module.source !== undefined) results.sources[module.path] = module.source;
		context.looking.for = lookedFor(options.jest !== undefined, configs);
		files = chosen.files;
		for (const { config, error } of chosen.configErrors) {
			files = [config, ...files.filter((file) => file !== config)];
			early.push({ type: "fileError", file: config, message: `the Jest config could not be read: ${error}` });
		}
	}
	deliver({ type: "start", files });
	for (const event of early) deliver(event);

	// Each file in a worker of its own; a file's output is held until the files before it are reported.
	const specFiles = files.filter((file) => !early.some((event) => event.type === "fileError" && event.file === file));
	const slots = specFiles.map(() => ({ actions: [] as Array<() => void>, done: false }));
	let flushed = 0;
	const flush = () => {
		while (flushed < slots.length) {
			const slot = slots[flushed];
			for (const action of slot.actions.splice(0)) action();
			if (!slot.done) return;
			flushed++;
		}
	};
	const runFile = async (worker: number, index: number) => {
		const file = specFiles[index];
		const slot = slots[index];
		const queue = (action: () => void) => {
			slot.actions.push(action);
			flush();
		};
		const attempt = (thread: EngineThread) => {
			const held: Array<() => void> = [];
			const outcome = thread.run(
				{ ...options, command: "test", specFiles: [file] },
				(text) => held.push(() => write(text)),
				(event) => {
					if (event.type !== "start") held.push(() => deliver(event));
				},
			);
			return outcome.then((result) => ({ result, held }));
		};
		let thread = threadFor(worker);
		const used = thread.runs > 0;
		let { result: outcome, held } = await attempt(thread);
		// A crash in a thread that ran other files first may be theirs (memory they left): once more, in a new one.
		if (outcome.crash !== undefined && used) {
			thread = threadFor(worker);
			({ result: outcome, held } = await attempt(thread));
		}
		for (const action of held) queue(action);
		if (outcome.crash !== undefined) {
			queue(() => deliver({ type: "fileError", file, message: crashMessage(outcome.crash) }));
		} else if (outcome.code !== 0) {
			engineFailed = true;
		}
		slot.done = true;
		flush();
	};
	const workers = Math.max(1, Math.min(run.maxWorkers ?? availableParallelism(), specFiles.length));
	let next = 0;
	await Promise.all(
		Array.from({ length: workers }, async (_, worker) => {
			while (next < specFiles.length) await runFile(worker, next++);
		}),
	);

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
	const code = engineFailed || failed > 0 || results.files.length === 0 ? 1 : 0;
	return { code, results };
}

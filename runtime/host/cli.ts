/**
 * Command line of the offline Roblox runtime.
 *
 *   runtime test [--filter <text>] [--verbose] [--errors] [--no-build] [--project <rojo file>] [--tsconfig <file>]
 *                [--spec-root <Service/Folder>] [--testez <path of TestEZ in the tree>] [--seed <n>] [--time-limit <s>]
 *                [--timeout <real seconds per test>]
 *   runtime run <Instance/Path> [--project <rojo file>] [--tsconfig <file>] [--no-build] [--arg <text>]
 *
 * `test` compiles the test build with rbxtsc, then runs every *.spec module with TestEZ.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runHostTests } from "../test/HostTests.js";
import { jestModuleOf } from "./JestDetection.js";
import { runEngine, type EngineOptions } from "./Launcher.js";
import { freshLuauHeap } from "./LuauVm.js";
import { runSpecs } from "./SpecRun.js";

const CLOSING_LINE = /^\n?(\d+) passed, (\d+) failed, (\d+) skipped$/;

function write(text: string): void {
	process.stdout.write(`${text}\n`);
}

function parse(argv: string[]) {
	const { values, positionals } = parseArgs({
		args: argv,
		strict: true,
		allowPositionals: true,
		options: {
			filter: { type: "string" },
			project: { type: "string" },
			"time-limit": { type: "string" },
			timeout: { type: "string" },
			seed: { type: "string" },
			tsconfig: { type: "string" },
			"spec-root": { type: "string" },
			testez: { type: "string" },
			arg: { type: "string" },
			verbose: { type: "boolean" },
			errors: { type: "boolean" },
			"no-build": { type: "boolean" },
		},
	});
	return { flags: values, positional: positionals };
}

function build(tsconfig: string, project: string): void {
	const result = spawnSync("npx", ["rbxtsc", "-p", tsconfig, "--rojo", project, "--type", "game"], {
		stdio: "inherit",
	});
	if (result.status !== 0) {
		process.stdout.write("\nrbxtsc failed\n0 passed, 1 failed, 0 skipped\n");
		process.exit(1);
	}
}

async function main() {
	const [command, ...rest] = process.argv.slice(2);
	const { flags, positional } = parse(rest);
	const project = resolve(flags.project ?? "test.project.json");
	const tsconfig = resolve(flags.tsconfig ?? "tsconfig.test.json");
	if (!flags["no-build"]) build(tsconfig, project);
	const options: EngineOptions = {
		command: command === "run" ? "run" : "test",
		project,
		tsconfig,
		jest: jestModuleOf(process.cwd()),
		verbose: flags.verbose === true,
		showErrors: flags.errors === true,
		// The library's heaviest specs take some seconds of real time on a busy machine.
		timeout: Number(flags.timeout ?? 120),
	};
	if (flags.filter !== undefined) options.filter = flags.filter;
	if (flags["time-limit"] !== undefined) options.timeLimit = Number(flags["time-limit"]);
	if (flags.seed !== undefined) options.seed = Number(flags.seed);
	if (flags["spec-root"] !== undefined) options.specRoots = [flags["spec-root"]];
	if (flags.testez !== undefined) options.testez = flags.testez;
	if (flags.arg !== undefined) options.argument = flags.arg;
	if (command === "run") {
		if (!positional[0])
			throw new Error("runtime run: missing the module path to run, e.g. ServerScriptService/Demo");
		options.script = positional[0];
		process.exitCode = await runEngine(options);
		return;
	} else if (command !== "test") {
		throw new Error(`runtime: unknown command "${command}" (expected "test" or "run")`);
	}
	// The runtime's own host-side checks run first; their counts join the engine's closing line.
	const host = await runHostTests(options.filter, write);
	// The host tests ran the engine many times, jest-lua included: the specs (some of which fill DataStore keys to
	// their 4 MB limit) start on a heap of their own.
	freshLuauHeap();
	let ran = host.passed + host.failed;
	const { code } = await runSpecs(
		{ ...options, command: "test" },
		(text) => {
			const match = CLOSING_LINE.exec(text);
			if (!match) return write(text);
			const [passed, failed, skipped] = [match[1], match[2], match[3]].map(Number);
			ran += passed + failed;
			write(
				`\n${passed + host.passed} passed, ${failed + host.failed} failed, ${skipped + host.skipped} skipped`,
			);
		},
		{ passWithNoTests: true },
	);
	if (ran === 0) write(`No tests matched --filter "${options.filter ?? ""}".`);
	process.exitCode = code !== 0 || host.failed > 0 || ran === 0 ? 1 : 0;
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});

/**
 * Command line of the offline Roblox runtime.
 *
 *   runtime test [--filter <text>] [--verbose] [--errors] [--no-build] [--project <rojo file>] [--tsconfig <file>]
 *                [--spec-root <Service/Folder>] [--testez <path of TestEZ in the tree>] [--seed <n>] [--time-limit <s>]
 *   runtime run <Instance/Path> [--project <rojo file>] [--tsconfig <file>] [--no-build] [--arg <text>]
 *
 * `test` compiles the test build with rbxtsc, then runs every *.spec module with TestEZ.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { runHostTests } from "../test/HostTests.js";
import { jestModuleOf } from "./JestDetection.js";
import { runEngine, type EngineOptions } from "./Launcher.js";

const CLOSING_LINE = /^\n?(\d+) passed, (\d+) failed, (\d+) skipped$/;

function write(text: string): void {
	process.stdout.write(`${text}\n`);
}

function parse(argv: string[]) {
	const flags: Record<string, string | boolean> = {};
	const positional: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg.startsWith("--")) {
			const key = arg.slice(2);
			const next = argv[i + 1];
			if (
				["filter", "project", "time-limit", "seed", "tsconfig", "spec-root", "testez", "arg"].includes(key) &&
				next !== undefined
			) {
				flags[key] = next;
				i++;
			} else {
				flags[key] = true;
			}
		} else {
			positional.push(arg);
		}
	}
	return { flags, positional };
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
	const project = resolve(String(flags.project ?? "test.project.json"));
	const tsconfig = resolve(String(flags.tsconfig ?? "tsconfig.test.json"));
	if (!flags["no-build"]) build(tsconfig, project);
	const options: EngineOptions = {
		command: command === "run" ? "run" : "test",
		project,
		tsconfig,
		jest: jestModuleOf(process.cwd()),
		verbose: flags.verbose === true,
		showErrors: flags.errors === true,
		timing: flags.timing === true,
		listSpecs: flags.list === true,
	};
	if (typeof flags.filter === "string") options.filter = flags.filter;
	if (typeof flags["time-limit"] === "string") options.timeLimit = Number(flags["time-limit"]);
	if (typeof flags.seed === "string") options.seed = Number(flags.seed);
	if (typeof flags["spec-root"] === "string") options.specRoots = [flags["spec-root"]];
	if (typeof flags.testez === "string") options.testez = flags.testez;
	if (typeof flags.arg === "string") options.argument = flags.arg;
	if (command === "run") {
		if (!positional[0])
			throw new Error("runtime run: missing the module path to run, e.g. ServerScriptService/Demo");
		options.script = positional[0];
	} else if (command !== "test") {
		throw new Error(`runtime: unknown command "${command}" (expected "test" or "run")`);
	}
	if (command === "run") {
		process.exitCode = await runEngine(options);
		return;
	}
	// The runtime's own host-side checks run first; their counts join the engine's closing line.
	const host = await runHostTests(options.filter, write);
	const code = await runEngine(options, (text) => {
		const match = CLOSING_LINE.exec(text);
		if (!match) return write(text);
		const [passed, failed, skipped] = [match[1], match[2], match[3]].map(Number);
		write(`\n${passed + host.passed} passed, ${failed + host.failed} failed, ${skipped + host.skipped} skipped`);
	});
	process.exitCode = code !== 0 || host.failed > 0 ? 1 : 0;
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});

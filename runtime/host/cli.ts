/**
 * The repository's own command line for the offline Roblox runtime (`npm test`, `npm run runtime`): the runtime's
 * host checks, then every *.spec module of the repository's test build, with the product's strict flag handling
 * (an unknown flag or a malformed value prints the usage and exits 2).
 *
 *   runtime test [options]            (npm test -- --help lists them)
 *   runtime run <Instance/Path> [options]
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { runHostTests } from "../test/HostTests.js";
import { parsePercent, parseSeconds, parseSeed, RUN_OPTIONS, strictParse, UsageError } from "./CliArgs.js";
import { reportCoverage } from "./CoverageReport.js";
import { jestModuleOf } from "./JestDetection.js";
import { runEngine, type EngineOptions } from "./Launcher.js";
import { runSpecs } from "./SpecRun.js";

const CLOSING_LINE = /^\n?(\d+) passed, (\d+) failed, (\d+) skipped$/;

const USAGE = `Usage: npm test -- [options]
       npm run runtime -- test [options]
       npm run runtime -- run <Instance/Path> [options]

test: compiles the repository's test build (tsconfig.test.json, test.project.json) with rbxtsc, runs the runtime's
host checks (runtime/test/), then every *.spec module with the offline runtime. Exits 1 when a test fails or none ran.
run: runs one module of the build (a demo, a benchmark) and exits with its outcome.

Options:
  --filter <text>         Run only host checks, spec files and tests whose name contains <text>
  --verbose               Print each test with its times, and the game's output
  --errors                Print the errors of the game's scripts as they happen
  --no-build              Run the last build as it is
  --project <file>        The Rojo project                                [default: test.project.json]
  --tsconfig <file>       The tsconfig of the build                       [default: tsconfig.test.json]
  --spec-root <path>      Where the specs are in the tree                 [default: ServerScriptService]
  --testez <path>         Where TestEZ is in the tree
  --seed <n>              Seed of every random draw of the simulation     [default: 1]
  --time-limit <seconds>  Virtual seconds a test may run                  [default: 7200]
  --timeout <seconds>     Real seconds a test may run                     [default: 120]
  --arg <text>            Text the specs (or the module run) read with Runtime.argument()
  --coverage              Report the coverage of src/ (on by default when no --filter is given)
  --coverage-threshold <percent>  Fail when lines or branches of src/ covered are below <percent>
  --coverage-directory <folder>   Where lcov.info and coverage-summary.json go   [default: coverage]
  -h, --help              Show this help`;

function write(text: string): void {
	process.stdout.write(`${text}\n`);
}

const OPTIONS = {
	...RUN_OPTIONS,
	"spec-root": { type: "string" },
	testez: { type: "string" },
	errors: { type: "boolean" },
} as const;

function parse(argv: string[]) {
	const { values, positionals } = strictParse(argv, OPTIONS, undefined, true);
	parseSeed(values.seed);
	return {
		flags: values,
		positional: positionals,
		timeout: parseSeconds("--timeout", values.timeout),
		timeLimit: parseSeconds("--time-limit", values["time-limit"]),
	};
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
	if (command === "--help" || command === "-h") return write(USAGE);
	if (command !== "test" && command !== "run") {
		throw new UsageError(
			command === undefined
				? "missing command (expected test or run)"
				: `unknown command "${command}" (expected test or run)`,
		);
	}
	const { flags, positional, timeout, timeLimit } = parse(rest);
	if (flags.help) return write(USAGE);
	if (command === "test" && positional.length > 0) {
		throw new UsageError(`test takes no positional argument, got "${positional[0]}" (use --filter <text>)`);
	}
	if (command === "run" && positional[0] === undefined) {
		throw new UsageError("run: missing the module path to run, e.g. ServerScriptService/Demo/main");
	}
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
		timeout: timeout ?? 120,
	};
	if (flags.filter !== undefined) options.filter = flags.filter;
	if (timeLimit !== undefined) options.timeLimit = timeLimit;
	if (flags.seed !== undefined) options.seed = Number(flags.seed);
	if (flags["spec-root"] !== undefined) options.specRoots = [flags["spec-root"]];
	if (flags.testez !== undefined) options.testez = flags.testez;
	if (flags.arg !== undefined) options.argument = flags.arg;
	if (command === "run") {
		options.script = positional[0];
		process.exitCode = await runEngine(options);
		return;
	}
	// The runtime's own host-side checks run first; their counts join the engine's closing line.
	const host = await runHostTests(options.filter, write);
	let ran = host.passed + host.failed;
	// The library's coverage on every full run (a filtered run's figure would say little), or when asked for.
	const coverage = flags.coverage === true || flags["coverage-threshold"] !== undefined || flags.filter === undefined;
	if (coverage) options.coverage = { roots: [resolve("src")] };
	let closing = "";
	const { code, results } = await runSpecs(
		{ ...options, command: "test" },
		(text) => {
			const match = CLOSING_LINE.exec(text);
			if (!match) return write(text);
			const [passed, failed, skipped] = [match[1], match[2], match[3]].map(Number);
			ran += passed + failed;
			// Held back: the coverage report comes first, so that the closing line stays the last line.
			closing = `\n${passed + host.passed} passed, ${failed + host.failed} failed, ${skipped + host.skipped} skipped`;
		},
		{ passWithNoTests: true },
	);
	const coverageMet =
		!coverage ||
		reportCoverage({
			tsconfig,
			roots: [resolve("src")],
			counts: results.coverage,
			directory: resolve(flags["coverage-directory"] ?? "coverage"),
			threshold: parsePercent("--coverage-threshold", flags["coverage-threshold"]),
			write,
		});
	if (ran === 0) write(`No tests matched --filter "${options.filter ?? ""}".`);
	write(closing);
	process.exitCode = code !== 0 || host.failed > 0 || ran === 0 || !coverageMet ? 1 : 0;
}

main().catch((err) => {
	if (err instanceof UsageError) {
		process.stderr.write(`runtime: ${err.message}\n\n${USAGE}\n`);
		process.exitCode = 2;
		return;
	}
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});

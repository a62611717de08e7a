/**
 * The command line of `rbxts-runtime`: its usage texts and a strict parser on Node's `util.parseArgs`. An unknown
 * flag, a value where none belongs, a missing or malformed value, or an unknown key in `rbxts-runtime.json` is a
 * {@link UsageError}: the command prints it with the usage and exits 2, and runs nothing.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how the command was called: printed with the usage of the command it concerns. */
export class UsageError extends Error {
	constructor(
		message: string,
		readonly command?: "test" | "init",
	) {
		super(message);
	}
}

export const REPORTERS = ["default", "json", "junit", "github"] as const;
export type ReporterName = (typeof REPORTERS)[number];

export const TOP_USAGE = `Usage: rbxts-runtime <command> [options]

Runs a roblox-ts game's specs on an offline Roblox server runtime.

Commands:
  init    Set up specs in this game: test/first.spec.ts, test/tsconfig.json, rbxts-runtime.json
  test    Build the game and its specs into .rbxts-runtime/ and run the specs

Options:
  -h, --help     Show this help
  -v, --version  Show the version

Run \`rbxts-runtime <command> --help\` for a command's options.`;

export const TEST_USAGE = `Usage: rbxts-runtime test [options]

Builds the game and its specs with the game's roblox-ts into .rbxts-runtime/ (never out/ or include/) and runs
them: *.spec files with TestEZ, and with @rbxts/jest the files Jest finds (*.spec.ts, *.test.ts, __tests__/, or
the testMatch of the game's jest.config). Specs may sit next to the code in the source folder, in the specs
folder, or both. Each file runs in a fresh world; a file that drives the runtime (servers, DataStore, the clock)
gets a fresh world for each test. Exits 1 when a test fails or none ran.

Options:
  --filter <text>         Run only spec files whose path, or tests whose name, contains <text>
  --pass-with-no-tests    Exit 0 when no test ran (e.g. --filter matched none)
  --reporter <name>       default | json | junit | github (GitHub Actions annotations)    [default: default]
  --output-file <file>    Write the json or junit report to <file> instead of stdout
  --verbose               Print each test with its virtual and real time, and the game's output
  --timeout <seconds>     Real seconds a test may run before the watchdog stops it      [default: 30]
  --time-limit <seconds>  Virtual seconds a test may run                                [default: 7200]
  --seed <n>              Seed of every random draw of the simulation (an integer)      [default: 1]
  --arg <text>            Text the specs read with Runtime.argument()
  -u, --update-snapshot   Rewrite the Jest snapshots that do not match, and remove obsolete ones
  --ci                    A snapshot a test has none of fails instead of being written (default: when CI is set)
  --coverage              Line and branch coverage of the game's TypeScript: a summary, coverage/lcov.info and
                          coverage/coverage-summary.json
  --coverage-threshold <percent>  With --coverage: fail when lines or branches covered are below <percent>
  --coverage-directory <folder>   Where --coverage writes its files                     [default: coverage]
  --max-workers <n>       Spec files run at once, each in a worker thread    [default: the machine's cores]
  --watch                 Rebuild and rerun the affected spec files when a file changes
  --no-build              Run the last build as it is (warns when the sources are newer)
  --project <file>        The game's Rojo project                         [default: default.project.json]
  --tsconfig <file>       The game's tsconfig                             [default: tsconfig.json]
  --specs <folder>        A folder of specs outside the sources, when it exists     [default: test]
  -h, --help              Show this help

--project, --tsconfig, --specs and --timeout can also be set in rbxts-runtime.json.`;

export const INIT_USAGE = `Usage: rbxts-runtime init [options]

Adds test/first.spec.ts, test/tsconfig.json (for the editor), rbxts-runtime.json and a .gitignore entry, maps the
@rbxts-profile packages in the tsconfig and Rojo project, and keeps the specs out of the game's own build.

Options:
  --project <file>   The game's Rojo project        [default: default.project.json]
  --tsconfig <file>  The game's tsconfig            [default: tsconfig.json]
  --specs <folder>   The folder of the game's specs [default: test]
  -h, --help         Show this help`;

const SHARED = {
	project: { type: "string" },
	tsconfig: { type: "string" },
	specs: { type: "string" },
	help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** The options of a run of the specs, shared with the repository's own command line (runtime/host/cli.ts). */
export const RUN_OPTIONS = {
	project: { type: "string" },
	tsconfig: { type: "string" },
	help: { type: "boolean", short: "h" },
	filter: { type: "string" },
	verbose: { type: "boolean" },
	timeout: { type: "string" },
	"time-limit": { type: "string" },
	seed: { type: "string" },
	arg: { type: "string" },
	"no-build": { type: "boolean" },
	coverage: { type: "boolean" },
	"coverage-threshold": { type: "string" },
	"coverage-directory": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

const TEST_OPTIONS = {
	...SHARED,
	...RUN_OPTIONS,
	"pass-with-no-tests": { type: "boolean" },
	reporter: { type: "string" },
	"output-file": { type: "string" },
	watch: { type: "boolean" },
	ci: { type: "boolean" },
	"update-snapshot": { type: "boolean", short: "u" },
	"max-workers": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

/** The options `test` was given; numbers are checked, absent ones undefined. */
export interface TestArgs {
	project?: string;
	tsconfig?: string;
	specs?: string;
	filter?: string;
	passWithNoTests: boolean;
	reporter: ReporterName;
	outputFile?: string;
	verbose: boolean;
	timeout?: number;
	timeLimit?: number;
	seed?: number;
	arg?: string;
	watch: boolean;
	noBuild: boolean;
	/** Jest's --ci: a snapshot a test has none of fails instead of being written. Default: the CI variable. */
	ci: boolean;
	updateSnapshots: boolean;
	maxWorkers?: number;
	coverage: boolean;
	/** The percentage of lines (and of branches) below which --coverage fails the run. */
	coverageThreshold?: number;
	coverageDirectory?: string;
}

export interface InitArgs {
	project?: string;
	tsconfig?: string;
	specs?: string;
}

export type Invocation =
	| { command: "help"; text: string }
	| { command: "version" }
	| { command: "test"; args: TestArgs }
	| { command: "init"; args: InitArgs };

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			current[j] = Math.min(
				previous[j] + 1,
				current[j - 1] + 1,
				previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
			);
		}
		previous = current;
	}
	return previous[b.length];
}

/** parseArgs in strict mode, its messages kept ("Unknown option '--wtch'") and tied to the command. */
export function strictParse<T extends NonNullable<ParseArgsConfig["options"]>>(
	args: string[],
	options: T,
	command?: "test" | "init",
	allowPositionals = false,
) {
	try {
		return parseArgs({ args, options, strict: true, allowPositionals });
	} catch (err) {
		let message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
		const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
		if (unknown !== undefined) {
			const [closest] = Object.keys(options)
				.map((name) => ({ name, far: distance(unknown, name) }))
				.sort((a, b) => a.far - b.far);
			if (closest !== undefined && closest.far <= 2) message += `. Did you mean --${closest.name}?`;
		}
		throw new UsageError(message, command);
	}
}

/** A positive number of seconds, for --timeout and --time-limit. */
export function parseSeconds(flag: string, text: string | undefined, command: "test" = "test"): number | undefined {
	if (text === undefined) return undefined;
	const value = Number(text);
	if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
		throw new UsageError(`${flag} must be a positive number of seconds, got "${text}"`, command);
	}
	return value;
}

/** Whether the run is on a CI service, as Jest decides its --ci default: a CI variable that is not "false". */
export function isCi(): boolean {
	const value = process.env.CI;
	return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/** A whole number of at least 1, for --max-workers. */
export function parseCount(flag: string, text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) < 1) {
		throw new UsageError(`${flag} must be a whole number of at least 1, got "${text}"`, "test");
	}
	return Number(text);
}

/** A percentage from 0 to 100, for --coverage-threshold. */
export function parsePercent(flag: string, text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const value = Number(text.replace(/%$/, ""));
	if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 100) {
		throw new UsageError(`${flag} must be a percentage from 0 to 100, got "${text}"`, "test");
	}
	return value;
}

export function parseSeed(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
		throw new UsageError(`--seed must be an integer, got "${text}"`, "test");
	}
	return Number(text);
}

/** Reads the command line (without `node` and the script). Throws {@link UsageError} on any mistake. */
export function parseCommandLine(argv: string[]): Invocation {
	const [first, ...rest] = argv;
	if (first === undefined) throw new UsageError("missing command (expected test or init)");
	if (first.startsWith("-")) {
		const { values } = strictParse(argv, {
			help: { type: "boolean", short: "h" },
			version: { type: "boolean", short: "v" },
		});
		if (values.version) return { command: "version" };
		return { command: "help", text: TOP_USAGE };
	}
	if (first === "init") {
		const { values } = strictParse(rest, SHARED, "init");
		if (values.help) return { command: "help", text: INIT_USAGE };
		return { command: "init", args: { project: values.project, tsconfig: values.tsconfig, specs: values.specs } };
	}
	if (first === "test") {
		const { values } = strictParse(rest, TEST_OPTIONS, "test");
		if (values.help) return { command: "help", text: TEST_USAGE };
		const reporter = values.reporter ?? "default";
		if (!(REPORTERS as readonly string[]).includes(reporter)) {
			throw new UsageError(`--reporter must be one of ${REPORTERS.join(", ")}, got "${reporter}"`, "test");
		}
		if (values["output-file"] !== undefined && (reporter === "default" || reporter === "github")) {
			throw new UsageError(`--output-file needs --reporter json or junit`, "test");
		}
		return {
			command: "test",
			args: {
				project: values.project,
				tsconfig: values.tsconfig,
				specs: values.specs,
				filter: values.filter,
				passWithNoTests: values["pass-with-no-tests"] === true,
				reporter: reporter as ReporterName,
				outputFile: values["output-file"],
				verbose: values.verbose === true,
				timeout: parseSeconds("--timeout", values.timeout),
				timeLimit: parseSeconds("--time-limit", values["time-limit"]),
				seed: parseSeed(values.seed),
				arg: values.arg,
				watch: values.watch === true,
				noBuild: values["no-build"] === true,
				ci: values.ci === true || isCi(),
				updateSnapshots: values["update-snapshot"] === true,
				maxWorkers: parseCount("--max-workers", values["max-workers"]),
				coverage: values.coverage === true || values["coverage-threshold"] !== undefined,
				coverageThreshold: parsePercent("--coverage-threshold", values["coverage-threshold"]),
				coverageDirectory: values["coverage-directory"],
			},
		};
	}
	throw new UsageError(`unknown command "${first}" (expected test or init)`);
}

/** The usage text a {@link UsageError} is printed with. */
export function usageOf(error: UsageError): string {
	return error.command === "test" ? TEST_USAGE : error.command === "init" ? INIT_USAGE : TOP_USAGE;
}

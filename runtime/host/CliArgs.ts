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
every *.spec file with TestEZ. Each test runs alone in a fresh world. Exits 1 when a test fails or none ran.

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
  --watch                 Rebuild and rerun the affected spec files when a file changes
  --no-build              Run the last build as it is (warns when the sources are newer)
  --project <file>        The game's Rojo project                         [default: default.project.json]
  --tsconfig <file>       The game's tsconfig                             [default: tsconfig.json]
  --specs <folder>        The folder of the game's specs                  [default: test]
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

const TEST_OPTIONS = {
	...SHARED,
	filter: { type: "string" },
	"pass-with-no-tests": { type: "boolean" },
	reporter: { type: "string" },
	"output-file": { type: "string" },
	verbose: { type: "boolean" },
	timeout: { type: "string" },
	"time-limit": { type: "string" },
	seed: { type: "string" },
	arg: { type: "string" },
	watch: { type: "boolean" },
	"no-build": { type: "boolean" },
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
function strictParse<T extends NonNullable<ParseArgsConfig["options"]>>(
	args: string[],
	options: T,
	command?: "test" | "init",
) {
	try {
		return parseArgs({ args, options, strict: true, allowPositionals: false });
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

function parseSeed(text: string | undefined): number | undefined {
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
			},
		};
	}
	throw new UsageError(`unknown command "${first}" (expected test or init)`);
}

/** The usage text a {@link UsageError} is printed with. */
export function usageOf(error: UsageError): string {
	return error.command === "test" ? TEST_USAGE : error.command === "init" ? INIT_USAGE : TOP_USAGE;
}

/**
 * The command line: commands, flags, help texts, and the usage errors that name what was wrong.
 */
import { parseArgs } from "node:util";
import { CliError } from "./CliError.js";

export const BIN = "profileservice-admin";

export type CommandName = "view" | "versions" | "diff" | "rollback" | "edit" | "unlock" | "erase";

interface FlagSpec {
	type: "string" | "boolean";
	short?: string;
	value?: string;
	help: string;
}

const text = (value: string, help: string): FlagSpec => ({ type: "string", value, help });

const COMMON: Record<string, FlagSpec> = {
	universe: text("<id>", 'the experience\'s universe id (or "universeId" in the config file)'),
	scope: text("<name>", 'the data store scope (default "global")'),
	json: { type: "boolean", help: "print the result as JSON on stdout, for scripts" },
	config: text("<file>", "the config file (default ./profileservice-admin.json, if present)"),
	"base-url": text("<url>", "Open Cloud's address (default https://apis.roblox.com): a proxy or a stand-in"),
	help: { type: "boolean", short: "h", help: "show this help" },
};

const WRITE: Record<string, FlagSpec> = {
	yes: { type: "boolean", short: "y", help: "do not ask for confirmation" },
	"dry-run": { type: "boolean", help: "show what would be done and change nothing" },
	force: { type: "boolean", help: "write over a lock that this tool shows is dead (the reason is printed)" },
};

const EDIT_WAIT: Record<string, FlagSpec> = {
	timeout: text("<seconds>", "how long to wait for the game to apply the edit to a held profile (default 300)"),
	reason: text("<text>", "a note kept with the edit in the profile's receipt"),
};

interface CommandSpec {
	args: string[];
	optionalArgs?: string[];
	summary: string;
	details: string[];
	flags: Record<string, FlagSpec>;
	example: string;
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
	view: {
		args: ["store", "key"],
		summary: "show a profile: Data, MetaTags, the lock in words, pending global updates, UserIds, size",
		details: ["With --version, the profile as that revision stored it."],
		flags: { version: text("<revision>", "a revision id from `versions`"), ...COMMON },
		example: `${BIN} view PlayerData Player_1001 --universe 1234567`,
	},
	versions: {
		args: ["store", "key"],
		summary: "list a profile's revisions, newest first, with times, sizes and who held the lock",
		details: ["Sizes and holders read each revision (one request each); --no-sizes lists only."],
		flags: {
			limit: text("<n>", "how many revisions to list (default 10, at most 1000)"),
			"no-sizes": {
				type: "boolean",
				help: "do not read each revision (needs only universe-datastores.versions:list)",
			},
			...COMMON,
		},
		example: `${BIN} versions PlayerData Player_1001 --limit 5`,
	},
	diff: {
		args: ["store", "key", "from"],
		optionalArgs: ["to"],
		summary: "show what changed in Data between two revisions (`to` defaults to the latest)",
		details: ['Revisions are ids from `versions`, or "latest".'],
		flags: COMMON,
		example: `${BIN} diff PlayerData Player_1001 <revision> latest`,
	},
	rollback: {
		args: ["store", "key"],
		summary: "restore the Data a revision stored, without overwriting a newer save or a server's session",
		details: [
			"A released profile is written directly, only if no save landed since it was read.",
			"A held profile is sent the rollback as a global update, which the game applies (see the README).",
		],
		flags: {
			version: text("<revision>", "the revision whose Data to restore (required)"),
			...WRITE,
			...EDIT_WAIT,
			...COMMON,
		},
		example: `${BIN} rollback PlayerData Player_1001 --version <revision>`,
	},
	edit: {
		args: ["store", "key"],
		summary: "change Data with a JSON Patch or a script, without overwriting a newer save or a server's session",
		details: [
			'--patch takes a JSON Patch (RFC 6902) over Data, e.g. [{"op":"replace","path":"/Coins","value":100}],',
			'from a file or "-" for stdin. --script takes a JavaScript module whose default export gets a copy of Data',
			"and returns the new Data (or changes it in place). A held profile is sent the edit as a global update.",
		],
		flags: {
			patch: text("<file|->", "a JSON Patch over Data"),
			script: text("<file>", "a JavaScript module: export default (data) => newData"),
			...WRITE,
			...EDIT_WAIT,
			...COMMON,
		},
		example: `${BIN} edit PlayerData Player_1001 --patch refund.json --reason "ticket 4411"`,
	},
	unlock: {
		args: ["store", "key"],
		summary: "clear a session lock, only when it is provably dead by the protocol's rules",
		details: ["Refuses a lock that may be live, and says when the 30-minute rule will make it dead."],
		flags: { ...WRITE, ...COMMON },
		example: `${BIN} unlock PlayerData Player_1001`,
	},
	erase: {
		args: ["store", "key"],
		summary: "delete a profile (GDPR erasure) and report what Roblox keeps",
		details: [
			"Refuses while a server holds the profile. Roblox keeps the tombstone and the earlier revisions for 30 days;",
			"the report lists them.",
		],
		flags: { ...WRITE, ...COMMON },
		example: `${BIN} erase PlayerData Player_1001`,
	},
};

function flagLines(flags: Record<string, FlagSpec>): string[] {
	return Object.entries(flags).map(([name, spec]) => {
		const short = spec.short !== undefined ? `-${spec.short}, ` : "";
		const left = `  ${short}--${name}${spec.value !== undefined ? ` ${spec.value}` : ""}`;
		return `${left.padEnd(30)} ${spec.help}`;
	});
}

export function commandHelp(name: CommandName): string {
	const spec = COMMANDS[name];
	const args = [...spec.args.map((arg) => `<${arg}>`), ...(spec.optionalArgs ?? []).map((arg) => `[${arg}]`)];
	return [
		`Usage: ${BIN} ${name} ${args.join(" ")} [options]`,
		"",
		`${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`,
		...spec.details,
		"",
		"Options:",
		...flagLines(spec.flags),
		"",
		`Example: ${spec.example}`,
		"",
		`The API key is read from the environment variable OPEN_CLOUD_API_KEY (or the one the config's "apiKeyEnv" names).`,
	].join("\n");
}

export function generalHelp(version: string): string {
	return [
		`Usage: ${BIN} <command> <store> <key> [options]`,
		"",
		"Support tooling for ProfileService profiles over Roblox Open Cloud, aware of the session lock.",
		"",
		"Commands:",
		...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(10)} ${spec.summary}`),
		"",
		`Run "${BIN} <command> --help" for a command's options.`,
		"The API key is read from OPEN_CLOUD_API_KEY, never from a flag. Exit codes: 0 done, 1 Open Cloud or network",
		"failed, 2 usage, 3 key refused or missing a permission, 4 not found, 5 refused for safety, 6 edit pending in",
		"the game, 7 not confirmed.",
		"",
		`${BIN} ${version}`,
	].join("\n");
}

export interface ParsedCommand {
	command: CommandName;
	positionals: string[];
	flags: Record<string, string | boolean | undefined>;
}

export type Invocation = { kind: "help"; text: string } | { kind: "version" } | { kind: "run"; parsed: ParsedCommand };

/** Reads argv (without node and the script). Throws a usage CliError naming the problem. */
export function parseCommandLine(argv: string[], version: string): Invocation {
	const [first, ...rest] = argv;
	if (first === undefined || first === "--help" || first === "-h" || first === "help") {
		return { kind: "help", text: generalHelp(version) };
	}
	if (first === "--version" || first === "-v") return { kind: "version" };
	if (!(first in COMMANDS)) {
		const known = Object.keys(COMMANDS).join(", ");
		throw CliError.usage(`${BIN}: unknown command "${first}" (expected one of ${known}). Run "${BIN} --help".`);
	}
	const command = first as CommandName;
	const spec = COMMANDS[command];
	let values: Record<string, string | boolean | undefined>;
	let positionals: string[];
	try {
		const options = Object.fromEntries(
			Object.entries(spec.flags).map(([name, flag]) => [
				name,
				flag.short !== undefined ? { type: flag.type, short: flag.short } : { type: flag.type },
			]),
		);
		({ values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: true }) as {
			values: Record<string, string | boolean | undefined>;
			positionals: string[];
		});
	} catch (err) {
		const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");
		throw CliError.usage(`${BIN} ${command}: ${message}. Run "${BIN} ${command} --help".`);
	}
	if (values.help === true) return { kind: "help", text: commandHelp(command) };
	const max = spec.args.length + (spec.optionalArgs?.length ?? 0);
	if (positionals.length < spec.args.length) {
		const missing = spec.args.slice(positionals.length).map((arg) => `<${arg}>`);
		throw CliError.usage(
			`${BIN} ${command}: missing ${missing.join(" ")}. Usage: ${commandHelp(command).split("\n")[0].slice(7)}`,
		);
	}
	if (positionals.length > max) {
		throw CliError.usage(
			`${BIN} ${command}: unexpected argument "${positionals[max]}". Run "${BIN} ${command} --help".`,
		);
	}
	return { kind: "run", parsed: { command, positionals, flags: values } };
}

/** A flag's whole number, or a usage error naming the flag. */
export function wholeNumberFlag(
	command: string,
	flag: string,
	raw: unknown,
	min: number,
	max: number,
): number | undefined {
	if (raw === undefined) return undefined;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw CliError.usage(
			`${BIN} ${command}: --${flag} must be a whole number from ${min} to ${max}, not "${String(raw)}"`,
		);
	}
	return value;
}

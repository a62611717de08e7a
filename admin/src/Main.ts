/**
 * Runs one command line and returns its exit code. Everything outside comes through `io`, so the specs run the
 * command in-process against the stand-in, in virtual time.
 */
import { readFileSync } from "node:fs";
import { CliError } from "./CliError.js";
import type { CliIo } from "./CliIo.js";
import { CommandContext } from "./CommandContext.js";
import { BIN, parseCommandLine } from "./CommandLine.js";
import { resolveConfig } from "./Config.js";
import { ExitCode } from "./ExitCode.js";
import { OpenCloudClient } from "./OpenCloudClient.js";
import { diff } from "./commands/Diff.js";
import { edit } from "./commands/Edit.js";
import { erase } from "./commands/Erase.js";
import { rollback } from "./commands/Rollback.js";
import { unlock } from "./commands/Unlock.js";
import { versions } from "./commands/Versions.js";
import { view } from "./commands/View.js";

export const VERSION = (
	JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Roblox's limits on names (the data stores guide): 50 characters each. */
const MAX_NAME = 50;

function checkName(command: string, what: string, value: string) {
	if (value === "" || value.length > MAX_NAME) {
		throw CliError.usage(
			`${BIN} ${command}: <${what}> must be 1 to ${MAX_NAME} characters, not ${value.length} ("${value.slice(0, 60)}")`,
		);
	}
}

export async function runCli(
	argv: string[],
	io: CliIo,
	readStdin: () => Promise<string> = async () => "",
): Promise<number> {
	let ctx: CommandContext | undefined;
	let json = argv.includes("--json");
	try {
		const invocation = parseCommandLine(argv, VERSION);
		if (invocation.kind === "help") {
			io.stdout(invocation.text);
			return ExitCode.Ok;
		}
		if (invocation.kind === "version") {
			io.stdout(VERSION);
			return ExitCode.Ok;
		}
		const { command, positionals, flags } = invocation.parsed;
		json = flags.json === true;
		const [store, key, ...rest] = positionals;
		checkName(command, "store", store);
		checkName(command, "key", key);
		const config = resolveConfig(command, flags, io);
		const client = new OpenCloudClient({ ...config, io });
		ctx = new CommandContext(command, io, config, client, { store, scope: config.scope, key }, flags);
		if (command === "view") await view(ctx);
		else if (command === "versions") await versions(ctx);
		else if (command === "diff") await diff(ctx, rest[0], rest[1]);
		else if (command === "rollback") await rollback(ctx);
		else if (command === "edit") await edit(ctx, readStdin);
		else if (command === "unlock") await unlock(ctx);
		else await erase(ctx);
		if (json) io.stdout(JSON.stringify({ ...ctx.result, exitCode: ExitCode.Ok }, undefined, 2));
		return ExitCode.Ok;
	} catch (err) {
		const known = err instanceof CliError;
		const message = known ? err.message : `${BIN}: unexpected error: ${(err as Error)?.message ?? String(err)}`;
		const exitCode = known ? err.exitCode : ExitCode.Failed;
		io.stderr(message);
		if (!known && io.env.PROFILESERVICE_ADMIN_DEBUG === "1") io.stderr(String((err as Error)?.stack));
		if (json) {
			const error = { code: known ? err.code : "INTERNAL", message };
			io.stdout(JSON.stringify({ ...(ctx?.result ?? {}), error, exitCode }, undefined, 2));
		}
		return exitCode;
	}
}

/**
 * `edit <store> <key> (--patch <file|-> | --script <file>)`: changes Data.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError } from "../CliError.js";
import type { CommandContext } from "../CommandContext.js";
import { BIN } from "../CommandLine.js";
import { guardedPatch } from "../DataDiff.js";
import { applyPatch, hasNull, parsePatch } from "../JsonPatch.js";
import { runEdit } from "../ProfileEdit.js";
import { clone } from "../ProfileValue.js";

type Script = (data: Record<string, unknown>) => unknown;

async function readPatch(ctx: CommandContext, source: string, readStdin: () => Promise<string>) {
	let text: string;
	try {
		text = source === "-" ? await readStdin() : readFileSync(resolve(ctx.io.cwd, source), "utf8");
	} catch (err) {
		throw CliError.usage(
			`${BIN} edit: cannot read --patch ${source} (${(err as NodeJS.ErrnoException).code ?? err})`,
		);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		throw CliError.usage(`${BIN} edit: --patch ${source} is not valid JSON (${(err as Error).message})`);
	}
	return parsePatch(parsed, `--patch ${source}`);
}

async function loadScript(ctx: CommandContext, source: string): Promise<Script> {
	const path = resolve(ctx.io.cwd, source);
	let module: { default?: unknown };
	try {
		module = (await import(pathToFileURL(path).href)) as { default?: unknown };
	} catch (err) {
		throw CliError.usage(`${BIN} edit: cannot load --script ${source}: ${(err as Error).message}`);
	}
	if (typeof module.default !== "function") {
		throw CliError.usage(
			`${BIN} edit: --script ${source} must export a default function: export default (data) => data`,
		);
	}
	return module.default as Script;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function edit(ctx: CommandContext, readStdin: () => Promise<string>): Promise<void> {
	const { patch: patchSource, script: scriptSource } = ctx.flags;
	if ((patchSource === undefined) === (scriptSource === undefined)) {
		throw CliError.usage(`${BIN} edit: give exactly one of --patch <file|-> and --script <file>`);
	}
	if (typeof patchSource === "string") {
		const patch = await readPatch(ctx, patchSource, readStdin);
		return runEdit(ctx, {
			title: `Edit (JSON Patch, ${patch.length} operation${patch.length === 1 ? "" : "s"})`,
			newData: async (current) => applyPatch(current.profile.Data, patch),
			holderPatch: () => patch,
		});
	}
	const script = await loadScript(ctx, scriptSource as string);
	return runEdit(ctx, {
		title: `Edit (script ${scriptSource})`,
		newData: async (current) => {
			const copy = clone(current.profile.Data);
			let returned: unknown;
			try {
				returned = await script(copy);
			} catch (err) {
				throw CliError.usage(`${BIN} edit: --script ${scriptSource} threw: ${(err as Error).message ?? err}`);
			}
			const data = returned === undefined ? copy : returned;
			if (!isObject(data))
				return { problem: `the script returned ${JSON.stringify(data)}, not an object for Data` };
			if (hasNull(data))
				return {
					problem:
						"the script's Data holds a null, which a DataStore value cannot (delete the field instead)",
				};
			try {
				return { data: clone(data) };
			} catch (err) {
				return { problem: `the script's Data cannot be stored as JSON (${(err as Error).message})` };
			}
		},
		// Each change is guarded by the value the script saw: the game refuses it if the player changed that since.
		holderPatch: (current, data) => guardedPatch(current.profile.Data, data),
	});
}

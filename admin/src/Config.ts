/**
 * Where the tool points: the universe (a flag, or the config file), Open Cloud's address, and the API key, which is
 * only ever read from an environment variable so that it never lands in shell history.
 *
 * profileservice-admin.json (optional): { "universeId": "1234567", "apiKeyEnv": "MY_GAME_KEY", "baseUrl": "...",
 * "scope": "global" }
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError } from "./CliError.js";
import type { CliIo } from "./CliIo.js";
import { BIN } from "./CommandLine.js";

export const DEFAULT_BASE_URL = "https://apis.roblox.com";
export const DEFAULT_KEY_VARIABLE = "OPEN_CLOUD_API_KEY";
export const CONFIG_FILE = "profileservice-admin.json";

export interface Config {
	universeId: string;
	baseUrl: string;
	scope: string;
	apiKey: string;
	apiKeyVariable: string;
}

const KNOWN_KEYS = new Set(["universeId", "apiKeyEnv", "baseUrl", "scope"]);

function readConfigFile(path: string, explicit: boolean): Record<string, unknown> {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (err) {
		if (!explicit && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
		throw CliError.usage(
			`${BIN}: cannot read the config file ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
		);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		throw CliError.usage(`${BIN}: the config file ${path} is not valid JSON (${(err as Error).message})`);
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
		throw CliError.usage(`${BIN}: the config file ${path} must hold a JSON object`);
	}
	for (const key of Object.keys(parsed)) {
		if (!KNOWN_KEYS.has(key)) {
			throw CliError.usage(
				`${BIN}: the config file ${path} has an unknown key "${key}" (known: ${[...KNOWN_KEYS].join(", ")}); ` +
					"an API key never goes in the file: name its environment variable with apiKeyEnv",
			);
		}
	}
	return parsed as Record<string, unknown>;
}

function stringSetting(value: unknown, what: string): string | undefined {
	if (value === undefined) return undefined;
	if (typeof value === "number") return String(value);
	if (typeof value !== "string" || value === "") throw CliError.usage(`${BIN}: ${what} must be a non-empty string`);
	return value;
}

export function resolveConfig(command: string, flags: Record<string, unknown>, io: CliIo): Config {
	const explicit = typeof flags.config === "string";
	const path = resolve(io.cwd, explicit ? (flags.config as string) : CONFIG_FILE);
	const file = readConfigFile(path, explicit);
	const universeId =
		stringSetting(flags.universe, "--universe") ?? stringSetting(file.universeId, `"universeId" in ${path}`);
	if (universeId === undefined) {
		throw CliError.usage(
			`${BIN} ${command}: no universe id. Pass --universe <id> (the experience's universe id, from the Creator ` +
				`Dashboard's URL or game.GameId), or put "universeId" in ${CONFIG_FILE}.`,
		);
	}
	if (!/^\d+$/.test(universeId))
		throw CliError.usage(`${BIN} ${command}: the universe id must be digits, not "${universeId}"`);
	const baseUrl =
		stringSetting(flags["base-url"], "--base-url") ?? stringSetting(file.baseUrl, '"baseUrl"') ?? DEFAULT_BASE_URL;
	try {
		new URL(baseUrl);
	} catch {
		throw CliError.usage(`${BIN} ${command}: --base-url "${baseUrl}" is not a URL`);
	}
	const scope = stringSetting(flags.scope, "--scope") ?? stringSetting(file.scope, '"scope"') ?? "global";
	const apiKeyVariable = stringSetting(file.apiKeyEnv, '"apiKeyEnv"') ?? DEFAULT_KEY_VARIABLE;
	const apiKey = io.env[apiKeyVariable];
	if (apiKey === undefined || apiKey.trim() === "") {
		throw CliError.usage(
			`${BIN} ${command}: the environment variable ${apiKeyVariable} holds no API key. Create a key at ` +
				"https://create.roblox.com/dashboard/credentials with the permissions the README lists for this command, " +
				`then: export ${apiKeyVariable}=... (the key is never taken from a flag, so it stays out of shell history)`,
		);
	}
	return { universeId, baseUrl, scope, apiKey: apiKey.trim(), apiKeyVariable };
}

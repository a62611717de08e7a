/**
 * A world with game servers, the Open Cloud stand-in in front of its DataStore, and profileservice-admin run
 * in-process against it: its clock is the world's and its waits advance virtual time, so a spec that waits five
 * minutes for a game server takes a second.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../src/CliIo.js";
import { runCli } from "../src/Main.js";
import type { ProfileValue } from "../src/ProfileValue.js";
import { OpenCloudStandIn, type StandInKey } from "./OpenCloudStandIn.js";
import { WorldSession } from "./WorldSession.js";

export const UNIVERSE = "4242";
export const STORE = "PlayerData";
export const ALL_SCOPES = [
	"universe-datastores.objects:read",
	"universe-datastores.objects:update",
	"universe-datastores.objects:delete",
	"universe-datastores.objects:create",
	"universe-datastores.objects:list",
	"universe-datastores.versions:list",
];
export const KEYS: StandInKey[] = [
	{ key: "support-key", scopes: ALL_SCOPES },
	{ key: "read-only-key", scopes: ["universe-datastores.objects:read", "universe-datastores.versions:list"] },
];

export interface RunResult {
	code: number;
	stdout: string;
	stderr: string;
	/** stdout parsed, for --json runs. */
	json?: Record<string, unknown>;
}

export interface RunOptions {
	/** Answers to the confirmation prompts, in order; without it there is no terminal. */
	answers?: string[];
	key?: string;
	stdin?: string;
	cwd?: string;
	baseUrl?: string;
	/** Pass --universe (default true): false leaves it to the config file. */
	universe?: boolean;
}

export interface Fixture {
	world: WorldSession;
	standIn: OpenCloudStandIn;
	baseUrl: string;
	dir: string;
	run: (args: string[], options?: RunOptions) => Promise<RunResult>;
	/** The profile as the DataStore holds it now. */
	stored: (key: string) => Promise<{ version: string; value: ProfileValue } | undefined>;
}

export async function withFixture(body: (fixture: Fixture) => Promise<void>): Promise<void> {
	const world = await WorldSession.start();
	const standIn = new OpenCloudStandIn(world, UNIVERSE, KEYS);
	const dir = mkdtempSync(join(tmpdir(), "profileservice-admin-"));
	try {
		const baseUrl = await standIn.listen();
		const run = async (args: string[], options: RunOptions = {}): Promise<RunResult> => {
			const out: string[] = [];
			const err: string[] = [];
			const answers = options.answers !== undefined ? [...options.answers] : undefined;
			const io: CliIo = {
				stdout: (text) => out.push(text),
				stderr: (text) => err.push(text),
				ask: answers !== undefined ? async (question) => (err.push(question), answers.shift()) : undefined,
				env: { OPEN_CLOUD_API_KEY: options.key ?? "support-key" },
				cwd: options.cwd ?? dir,
				now: () => world.unixMillis,
				sleep: (ms) => world.advance(ms / 1000).then(() => undefined),
				fetch: globalThis.fetch,
			};
			const universe = options.universe === false ? [] : ["--universe", UNIVERSE];
			const argv = [...args, ...universe, "--base-url", options.baseUrl ?? baseUrl];
			const code = await runCli(argv, io, async () => options.stdin ?? "");
			const stdout = out.join("\n");
			let json: Record<string, unknown> | undefined;
			if (args.includes("--json")) json = JSON.parse(stdout) as Record<string, unknown>;
			return { code, stdout, stderr: err.join("\n"), json };
		};
		const stored = async (key: string) => {
			const history = await world.command<Array<{ info: { version: string; deleted: boolean }; json?: string }>>(
				"dsHistory",
				{ store: STORE, scope: "global", key },
			);
			const latest = history[history.length - 1];
			if (latest === undefined || latest.info.deleted) return undefined;
			return { version: latest.info.version, value: JSON.parse(latest.json!) as ProfileValue };
		};
		await body({ world, standIn, baseUrl, dir, run, stored });
	} finally {
		await standIn.close();
		await world.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

/** A game server with a player whose profile it holds. */
export async function onlinePlayer(world: WorldSession, userId: number, server = "Game") {
	if (!(await world.command<boolean>("hasServer", { name: server })))
		await world.command("startServer", { name: server });
	await world.command("join", { server, userId });
}

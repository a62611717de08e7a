/**
 * Starts the Luau VM and hands the engine (runtime/engine/Boot.luau) what it needs from the host: file reads,
 * directory scans, chunk compilation, stdout and a real clock for benchmarks. Only strings, numbers and booleans
 * cross the boundary, because luau-web converts tables lossily.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { instrumentLuau } from "./CoverageInstrument.js";
import { guardLoops } from "./LoopGuard.js";
import { loadLuauWeb, type LuauStateLike } from "./LuauVm.js";
import { modelForEngine } from "./Rbxm.js";
import type { EngineEvent } from "./RunResults.js";
import { isInside, isSpecLike } from "./SpecDiscovery.js";
import { TsLocations } from "./TsLocations.js";

export const ENGINE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "engine");

const MOUNTED_EXTENSIONS = [".lua", ".luau", ".json", ".txt", ".rbxm", ".rbxmx"];

/** Lists the files Rojo would mount under `root`, one per line, relative, folders ending in "/". */
export function scanTree(root: string): string | undefined {
	try {
		if (!statSync(root).isDirectory()) return undefined;
	} catch {
		return undefined;
	}
	const lines: string[] = [];
	const walk = (dir: string, rel: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			if (entry.name.startsWith(".")) continue;
			const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
			let isDir = entry.isDirectory();
			if (entry.isSymbolicLink()) {
				try {
					isDir = statSync(join(dir, entry.name)).isDirectory();
				} catch {
					continue;
				}
			}
			if (isDir) {
				lines.push(`${childRel}/`);
				walk(join(dir, entry.name), childRel);
			} else if (MOUNTED_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts")) {
				lines.push(childRel);
			}
		}
	};
	walk(root, "");
	return lines.join("\n");
}

export interface EngineOptions {
	/** "emulated" prints, as JSON, what the runtime emulates (runtime/host/EmulatedList.ts). */
	command: "test" | "run" | "emulated" | "discover";
	project: string;
	filter?: string;
	verbose?: boolean;
	showErrors?: boolean;
	/** Where to look for spec modules (tree paths; "." is the whole game). */
	specRoots?: string[];
	/** Only modules mounted from files under this folder are specs (the private build's out/). */
	specSourceDir?: string;
	/** The spec modules to run, chosen by the host (runtime/host/SpecDiscovery.ts); each worker gets one. */
	specFiles?: string[];
	testez?: string;
	/** Passed to the script as Runtime.argument(). */
	argument?: string;
	script?: string;
	/** Virtual seconds a test may run (default 7200). */
	timeLimit?: number;
	/** Real seconds a test may run before the watchdog stops it (0: never). */
	timeout?: number;
	seed?: number;
	/** The tree path of `@rbxts/jest`, when the game uses it: specs importing `@rbxts/jest-globals` run with it. */
	jest?: string;
	/** The tsconfig of the roblox-ts build that runs: places in its Luau are then printed as TypeScript lines. */
	tsconfig?: string;
	/** The folder whose files FileSystemService may touch (Jest's snapshots); default: the Rojo project's folder. */
	fileRoot?: string;
	/** Jest's --ci: snapshots a test has none of are not written, and fail. */
	ci?: boolean;
	/** Jest's -u: snapshots that do not match are rewritten, obsolete ones removed. */
	updateSnapshots?: boolean;
	/** --coverage: the folders of the TypeScript whose compiled Luau gets counters (spec files never do). */
	coverage?: { roots: string[] };
	/** Unix seconds at the world's virtual time 0 (`run` only; default 2026-01-01T00:00:00Z). */
	epoch?: number;
	/**
	 * Answers `Runtime.bridge(message)` (`run` only): the world stands still until the promise settles, so a host
	 * program can read or change it between steps of virtual time (admin/test/WorldSession.ts). Never sent to Luau as
	 * an option: only strings cross.
	 */
	bridge?: (message: string) => Promise<string>;
}

/**
 * Runs the engine once and resolves with the exit code it returns. The test command sends each result to `event`
 * (runtime/host/SpecRun.ts turns them into a report and an exit code); `write` gets the rest of its output.
 */
export async function runEngine(
	options: EngineOptions,
	write: (text: string) => void = defaultWrite,
	event: (event: EngineEvent) => void = () => {},
): Promise<number> {
	const { LuauState } = await loadLuauWeb();
	// The host's compile function needs the state that is created with it.
	const holder: { state?: LuauStateLike } = {};
	const modelStrings: string[] = [];
	const locations = options.tsconfig === undefined ? undefined : TsLocations.load(options.tsconfig);
	const fileRoot = resolve(options.fileRoot ?? dirname(options.project));
	const coverageRoots = options.coverage?.roots.map((root) => resolve(root));
	/** Whether a Luau file of the build was compiled from the game's TypeScript under --coverage's roots. */
	const covered = (luauPath: string) => {
		if (coverageRoots === undefined) return false;
		const tsFile = locations?.sourceOf(luauPath);
		return tsFile !== undefined && !isSpecLike(tsFile) && coverageRoots.some((root) => isInside(root, tsFile));
	};
	const host = {
		readFile(path: string): string | undefined {
			try {
				return readFileSync(path, "utf8");
			} catch {
				return undefined;
			}
		},
		scan: (path: string) => scanTree(path),
		readModel: (path: string) => modelForEngine(path, modelStrings),
		modelString: (id: number) => modelStrings[id],
		// `guard`: game and spec chunks get the watchdog's loop checks (line structure kept, so places still map);
		// `path`: the file the chunk was read from, whose places are then named in TypeScript.
		compile: (source: string, chunkname: string, guard?: boolean, path?: string | null) => {
			if (typeof path === "string") {
				locations?.noteChunk(chunkname, path);
				if (covered(path)) source = instrumentLuau(source, resolve(path)).source;
			}
			return holder.state!.loadstring(guard === true ? guardLoops(source) : source, chunkname, false);
		},
		write: locations === undefined ? write : (text: string) => write(locations.rewrite(text)),
		event: (json: string) => {
			const parsed = JSON.parse(json) as EngineEvent;
			event(locations === undefined ? parsed : locations.mapEvent(parsed));
		},
		wallClock: () => performance.now(),
		// FileSystemService and CoreScriptSyncService (runtime/engine/FileSystem.luau), for Jest's snapshots.
		fileAccess: (path: string) => {
			const rel = relative(fileRoot, resolve(path));
			return rel.startsWith("..") || isAbsolute(rel)
				? `${path} is outside the game's folder (${fileRoot}), which the runtime keeps scripts to`
				: "";
		},
		fileKind: (path: string) => {
			const stat = statSync(path, { throwIfNoEntry: false });
			return stat === undefined ? "none" : stat.isDirectory() ? "directory" : "file";
		},
		writeFile: (path: string, text: string) => writeFileSync(path, text),
		createDirectories: (path: string) => mkdirSync(path, { recursive: true }),
		removeFile: (path: string) => rmSync(path),
		scriptFilePath: (luauPath: string, name: string) => {
			const file = locations?.sourceOf(luauPath) ?? luauPath;
			return join(dirname(file), name).split("\\").join("/");
		},
		// luau-web hands Luau a table for an undefined property: the flag says whether there is a bridge.
		hasBridge: options.bridge !== undefined,
		bridge: options.bridge ?? (async () => ""),
	};
	const state = await LuauState.createAsync({});
	holder.state = state;
	const bootSource = readFileSync(join(ENGINE_DIR, "Boot.luau"), "utf8");
	const boot = state.loadstring(bootSource, "=engine/Boot", true) as (...args: unknown[]) => Promise<unknown[]>;
	// JSON leaves the bridge function out.
	const result = await boot(host, ENGINE_DIR, JSON.stringify(options));
	const code = Array.isArray(result) ? result[0] : result;
	return typeof code === "number" ? code : 1;
}

function defaultWrite(text: string): void {
	process.stdout.write(`${text}\n`);
}

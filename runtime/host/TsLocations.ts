/**
 * Maps places in compiled Luau (`ServerScriptService.__Specs.purchase.spec:23`) to the TypeScript they came from
 * (`test/purchase.spec.ts:16`): in the runner's results, each failure with the first place it names and a few lines
 * of that TypeScript around it, and in the game's output.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as TS from "typescript";
import type { EngineEvent } from "./RunResults.js";
import { mapLines } from "./SourceMap.js";

/** Lines of source shown above and below the marked line of a code frame. */
const FRAME_CONTEXT = 2;

interface Mapped {
	tsFile: string;
	lines: number[];
}

/** The TypeScript compiler the game builds with (any roblox-ts game has one), else the one beside this package. */
export function loadTypescript(fromDir: string): typeof TS | undefined {
	for (const base of [join(fromDir, "package.json"), import.meta.url]) {
		try {
			return createRequire(base)("typescript") as typeof TS;
		} catch {
			// Try the next place.
		}
	}
	return undefined;
}

function commonAncestor(paths: string[]): string | undefined {
	if (paths.length === 0) return undefined;
	let common = paths[0].split(sep);
	for (const path of paths.slice(1)) {
		const parts = path.split(sep);
		let k = 0;
		while (k < common.length && k < parts.length && common[k] === parts[k]) k++;
		common = common.slice(0, k);
	}
	return common.join(sep) || sep;
}

/** A few lines of `text` around `line`, numbered, the line itself marked with `>`, as Babel and Jest print them. */
export function codeFrame(text: string, line: number, indent = ""): string {
	const lines = text.split(/\r?\n/);
	const first = Math.max(1, line - FRAME_CONTEXT);
	const last = Math.min(lines.length, line + FRAME_CONTEXT);
	const width = String(last).length;
	const out: string[] = [];
	for (let n = first; n <= last; n++) {
		const source = lines[n - 1].replace(/\t/g, "  ");
		out.push(`${indent}${n === line ? ">" : " "} ${String(n).padStart(width)} | ${source}`.trimEnd());
	}
	return out.join("\n");
}

/** Maps the chunks the engine compiled back to the TypeScript of one roblox-ts build (its tsconfig). */
export class TsLocations {
	private readonly chunks = new Map<string, string>();
	private readonly mapped = new Map<string, Mapped | undefined>();
	private pattern: RegExp | undefined;
	private readonly sourceFiles: Set<string>;
	private readonly outDir: string;
	private readonly bases: string[];

	private constructor(
		private readonly ts: typeof TS,
		parsed: TS.ParsedCommandLine,
		private readonly displayRoot: string,
	) {
		this.sourceFiles = new Set(parsed.fileNames.map((file) => resolve(file)));
		const options = parsed.options;
		this.outDir = resolve(options.outDir ?? ".");
		const rootDirs = (options.rootDirs ?? []).map((dir) => resolve(dir));
		const sources = [...this.sourceFiles].filter((file) => !file.endsWith(".d.ts")).map(dirname);
		this.bases = [options.rootDir, commonAncestor(rootDirs), ...rootDirs, commonAncestor(sources)].filter(
			(dir): dir is string => dir !== undefined,
		);
	}

	/**
	 * Reads the tsconfig of the build whose Luau runs; undefined when it cannot be read or no TypeScript compiler
	 * is found (the output is then left as the engine wrote it). Paths print relative to `displayRoot`.
	 */
	static load(tsconfigFile: string, displayRoot = process.cwd()): TsLocations | undefined {
		const ts = loadTypescript(dirname(tsconfigFile));
		if (ts === undefined || !existsSync(tsconfigFile)) return undefined;
		const parsed = ts.getParsedCommandLineOfConfigFile(
			tsconfigFile,
			{},
			{
				...ts.sys,
				onUnRecoverableConfigFileDiagnostic: () => undefined,
			},
		);
		return parsed === undefined ? undefined : new TsLocations(ts, parsed, displayRoot);
	}

	/** Records that the engine compiled the Luau file `luauPath` under the chunk name `chunkName`. */
	noteChunk(chunkName: string, luauPath: string): void {
		const name = chunkName.replace(/^[=@]/, "");
		const path = resolve(luauPath);
		// Only chunks of this build: packages' Luau has no TypeScript to name.
		if (this.chunks.get(name) === path || this.sourceOf(path) === undefined) return;
		this.chunks.set(name, path);
		// Longest names first, so that `a.b.spec` is not read as `a.b` followed by text.
		const names = [...this.chunks.keys()].sort((x, y) => y.length - x.length);
		this.pattern = new RegExp(
			`(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")}):(\\d+)`,
			"g",
		);
	}

	/** Every Luau file of the build's output with the TypeScript file it was compiled from. */
	compiledFiles(): Array<{ luau: string; ts: string }> {
		const out: Array<{ luau: string; ts: string }> = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, { withFileTypes: true })) {
				const path = join(dir, entry.name);
				if (entry.isDirectory()) walk(path);
				else if (/\.luau?$/.test(entry.name)) {
					const ts = this.sourceOf(path);
					if (ts !== undefined) out.push({ luau: path, ts });
				}
			}
		};
		if (existsSync(this.outDir)) walk(this.outDir);
		return out.sort((a, b) => (a.ts < b.ts ? -1 : 1));
	}

	/** The TypeScript file a Luau file was compiled from, if it is part of this build. */
	sourceOf(luauPath: string): string | undefined {
		const rel = relative(this.outDir, resolve(luauPath));
		if (rel.startsWith("..") || !/\.luau?$/.test(rel)) return undefined;
		const tail = rel.replace(/\.luau?$/, "");
		// roblox-ts writes index.ts as init.luau, and index.spec.ts as init.spec.luau.
		const indexTail = /(^|[\\/])init(\.[^\\/]+)?$/.test(tail)
			? tail.replace(/init(\.[^\\/]+)?$/, (_, rest?: string) => `index${rest ?? ""}`)
			: undefined;
		for (const base of this.bases) {
			for (const stem of indexTail === undefined ? [tail] : [tail, indexTail]) {
				for (const ext of [".ts", ".tsx"]) {
					const candidate = join(base, stem + ext);
					if (this.sourceFiles.has(candidate)) return candidate;
				}
			}
		}
		return undefined;
	}

	private mapOf(luauPath: string): Mapped | undefined {
		if (this.mapped.has(luauPath)) return this.mapped.get(luauPath);
		let result: Mapped | undefined;
		const tsFile = this.sourceOf(luauPath);
		if (tsFile !== undefined && existsSync(luauPath)) {
			const lines = mapLines(this.ts, tsFile, readFileSync(tsFile, "utf8"), readFileSync(luauPath, "utf8"));
			result = { tsFile, lines };
		}
		this.mapped.set(luauPath, result);
		return result;
	}

	/** The TypeScript file and line of a Luau chunk's line, when the chunk came from this build. */
	locate(chunkName: string, line: number): { file: string; line: number } | undefined {
		const luauPath = this.chunks.get(chunkName.replace(/^[=@]/, ""));
		const map = luauPath === undefined ? undefined : this.mapOf(luauPath);
		const tsLine = map?.lines[Math.min(line, map.lines.length - 1)];
		return map === undefined || !tsLine ? undefined : { file: map.tsFile, line: tsLine };
	}

	/** `text` with every place in a mapped chunk replaced by its TypeScript file and line; the first such place. */
	private replacePlaces(text: string): { text: string; first?: TsPlace } {
		if (this.pattern === undefined) return { text };
		let first: TsPlace | undefined;
		const replaced = text.replace(this.pattern, (whole, chunk: string, line: string) => {
			const place = this.locate(chunk, Number(line));
			if (place === undefined) return whole;
			const shown = { file: relative(this.displayRoot, place.file).split(sep).join("/"), line: place.line };
			first ??= { ...shown, source: place.file };
			return `${shown.file}:${shown.line}`;
		});
		return { text: replaced, first };
	}

	/** `text` (the game's output) with every place in a mapped chunk replaced by its TypeScript file and line. */
	rewrite(text: string): string {
		return this.replacePlaces(text).text;
	}

	/**
	 * A failure's message in TypeScript terms: its places mapped, its stack without the frameworks' and engine's
	 * frames, and the first TypeScript place it names.
	 */
	mapMessage(message: string): { text: string; first?: TsPlace } {
		const { text, first } = this.replacePlaces(message);
		return { text: tidyStack(text.split("\n")).join("\n"), first };
	}

	/**
	 * A result from the engine in TypeScript terms: its messages mapped, and the first TypeScript place they name
	 * as its location, with that place's code frame (runtime/host/RunResults.ts prints it under the line naming it).
	 */
	mapEvent(event: EngineEvent): EngineEvent {
		if (event.type !== "test" && event.type !== "fileError") return event;
		let first: TsPlace | undefined;
		const map = (message: string) => {
			const mapped = this.mapMessage(message);
			first ??= mapped.first;
			return mapped.text;
		};
		const scriptErrors = event.scriptErrors?.map((text) => this.rewrite(text));
		const mapped: EngineEvent =
			event.type === "test"
				? { ...event, errors: event.errors.map(map) }
				: { ...event, message: map(event.message) };
		if (scriptErrors !== undefined) mapped.scriptErrors = scriptErrors;
		const place = first as TsPlace | undefined;
		if (place !== undefined) {
			mapped.location = { file: place.file, line: place.line };
			mapped.codeFrame = codeFrame(readFileSync(place.source, "utf8"), place.line);
		}
		return mapped;
	}
}

/** A place in TypeScript: `file` relative to the display root, `source` the file's absolute path. */
interface TsPlace {
	file: string;
	line: number;
	source: string;
}

/** A line of a Luau stack traceback: a place, then the function's name when it has one. */
const FRAME = /^(\s*)(\S+:\d+)(?: function (\S+))?$/;

/** Frames of the test frameworks (TestEZ; jest-lua and its packages) and of the engine. */
const INTERNAL_FRAME = /testez|@jsdotlua|@rbxts-js|jest-vendor|^engine\//i;

/**
 * A failure's traceback without the framework's and engine's frames, each remaining frame indented under the
 * message and written as Node writes its frames (`at name (place)`).
 */
function tidyStack(lines: string[]): string[] {
	const out: string[] = [];
	let indent = "";
	for (const line of lines) {
		const frame = FRAME.exec(line);
		if (frame === null) {
			if (line.trim() !== "" && !/^\s*stack traceback:$/.test(line)) indent = /^\s*/.exec(line)![0];
			out.push(line);
		} else if (!INTERNAL_FRAME.test(frame[2])) {
			out.push(`${indent}  at ${frame[3] === undefined ? frame[2] : `${frame[3]} (${frame[2]})`}`);
		}
	}
	while (out.length > 0 && out[out.length - 1].trim() === "") out.pop();
	return out;
}

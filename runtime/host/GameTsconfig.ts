/**
 * The game's tsconfig as TypeScript reads it (its `extends` chain, `paths`, `references`, every relative path
 * resolved where it was written), and the private build's tsconfig that extends it. The private tsconfig changes
 * only what the runtime must: where the build goes, the folders of the specs, and the declaration options that a
 * build without `.d.ts` output cannot keep (`declarationMap` and `composite` need `declaration`, TS5069 and TS6304).
 */
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as TS from "typescript";

/**
 * The compiler that reads the config: the TypeScript that `from` (roblox-ts's package.json, or the game's) resolves,
 * else the one beside this package. Throws when there is none.
 */
export function gameTypescript(from: string): typeof TS {
	for (const base of [from, import.meta.url]) {
		try {
			return createRequire(base)("typescript") as typeof TS;
		} catch {
			// Try the next place.
		}
	}
	throw new Error("TypeScript is not installed in this game; run `npm install --save-dev roblox-ts` first");
}

export interface GameTsconfig {
	file: string;
	/** The effective compiler options, paths absolute. */
	options: TS.CompilerOptions;
	/** The files the game's own build compiles. */
	fileNames: string[];
	/** The folder of the game's sources (rootDir, else the first of rootDirs, else src beside the tsconfig). */
	sourceDir: string;
	/** The game's output folder (outDir, else out beside the tsconfig). */
	outDir: string;
	references: readonly TS.ProjectReference[];
	/** `ignoreDeprecations` set to a version the compiler does not know (a tsconfig written for a newer TypeScript). */
	unknownIgnoreDeprecations?: string;
	/** The compiler's version. */
	version: string;
}

/** A config diagnostic as one line of text. */
function diagnosticText(ts: typeof TS, diagnostic: TS.Diagnostic): string {
	const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
	return `TS${diagnostic.code}: ${message}`;
}

/**
 * Reads the game's tsconfig with its own TypeScript. Throws with the compiler's message when the file cannot be
 * read; the diagnostics of a readable config are left to the build, which prints them as the game's rbxtsc would.
 */
export function readGameTsconfig(ts: typeof TS, file: string): GameTsconfig {
	let fatal: string | undefined;
	const parsed = ts.getParsedCommandLineOfConfigFile(
		file,
		{},
		{
			...ts.sys,
			onUnRecoverableConfigFileDiagnostic: (diagnostic) => (fatal = diagnosticText(ts, diagnostic)),
		},
	);
	if (parsed === undefined || fatal !== undefined) throw new Error(`${file}: ${fatal ?? "cannot be read"}`);
	const options = parsed.options;
	const base = dirname(file);
	const sourceDir = options.rootDir ?? options.rootDirs?.[0] ?? join(base, "src");
	// TS5103 comes from the program, not the config's parse: asked of an empty program.
	const program = ts.createProgram({ rootNames: [], options: { ...options, noLib: true, types: [] } });
	const tooNew = program.getOptionsDiagnostics().some((diagnostic) => diagnostic.code === 5103);
	return {
		file,
		options,
		version: ts.version,
		unknownIgnoreDeprecations: tooNew ? options.ignoreDeprecations : undefined,
		fileNames: parsed.fileNames,
		sourceDir: resolve(sourceDir),
		outDir: resolve(options.outDir ?? join(base, "out")),
		references: parsed.projectReferences ?? [],
	};
}

/** The deepest folder that holds every one of `paths`. */
export function commonFolder(paths: string[]): string {
	let common = resolve(paths[0]).split(sep);
	for (const path of paths.slice(1)) {
		const parts = resolve(path).split(sep);
		let k = 0;
		while (k < common.length && k < parts.length && common[k] === parts[k]) k++;
		common = common.slice(0, k);
	}
	return common.join(sep) || sep;
}

export interface PrivateTsconfigInput {
	game: GameTsconfig;
	/** The private build's folder (.rbxts-runtime/), where the tsconfig is written. */
	privateDir: string;
	/** The folders compiled beside the sources (spec folders outside the source folder). */
	extraRoots: string[];
	/** Every file to compile: the game's own and the specs. */
	files: string[];
	/** The type roots, relative to the private folder. */
	typeRoots: string[];
	types: string[];
}

/**
 * The private build's tsconfig: `extends` the game's, so TypeScript resolves everything the game's config says as
 * it does for the game's own build. `null` resets an option to its default.
 */
export function privateTsconfig(input: PrivateTsconfigInput): Record<string, unknown> {
	const { game, privateDir } = input;
	const fromPrivate = (path: string) => relative(privateDir, path).split(sep).join("/");
	const compilerOptions: Record<string, unknown> = {
		// The sources and the spec folders keep their layout under out/ (roblox-ts maps rootDirs to the Rojo tree).
		rootDir: null,
		rootDirs: [game.sourceDir, ...input.extraRoots].map(fromPrivate),
		outDir: "out",
		typeRoots: input.typeRoots,
		types: input.types,
		// No .d.ts output: declarationMap and composite would then fail the build (TS5069, TS6304).
		declaration: false,
		declarationMap: null,
		composite: null,
		emitDeclarationOnly: null,
		incremental: true,
		tsBuildInfoFile: "out/tsconfig.tsbuildinfo",
	};
	// A value only a newer TypeScript knows fails every file of the build (TS5103); the option has no effect here.
	if (game.unknownIgnoreDeprecations !== undefined) compilerOptions.ignoreDeprecations = null;
	const config: Record<string, unknown> = {
		extends: fromPrivate(game.file),
		compilerOptions,
		files: input.files.map(fromPrivate),
		include: [],
	};
	// `references` is not inherited through `extends`: carried over, so imports into them resolve as for the game.
	if (game.references.length > 0) {
		config.references = game.references.map((reference) => ({ path: fromPrivate(reference.path) }));
	}
	return config;
}

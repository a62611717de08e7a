#!/usr/bin/env node
/**
 * `rbxts-runtime`, the command of the `@rbxts-profile/runtime` package: runs a roblox-ts game's specs on the offline
 * runtime.
 *
 *   rbxts-runtime test [options]    (rbxts-runtime test --help lists them; runtime/host/CliArgs.ts)
 *   rbxts-runtime init [options]
 *
 * `test` compiles the game and its specs with the game's own roblox-ts into `.rbxts-runtime/` (never the game's
 * `out/` or `include/`), builds the test tree from the game's Rojo project (its output folders pointed at that
 * private build, the specs folder added under ServerScriptService), and runs the specs with TestEZ. TestEZ and the
 * `Runtime` harness come with this package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseCommandLine, parseSeconds, UsageError, usageOf, type InitArgs, type TestArgs } from "./CliArgs.js";
import { commonFolder, gameTypescript, privateTsconfig, readGameTsconfig, type GameTsconfig } from "./GameTsconfig.js";
import { jestModuleOf } from "./JestDetection.js";
import type { EngineOptions } from "./Launcher.js";
import { newestChange } from "./NewestChange.js";
import { githubAnnotations } from "./reporters/GithubReporter.js";
import { jsonReport } from "./reporters/JsonReporter.js";
import { junitReport } from "./reporters/JunitReporter.js";
import { keepSpecsOutOfBuild } from "./SpecsOutOfBuild.js";
import type { RunResults } from "./RunResults.js";
import { isInside, isSpecLike } from "./SpecDiscovery.js";
import { runSpecs } from "./SpecRun.js";
import { reportCoverage } from "./CoverageReport.js";
import { watchSpecs } from "./WatchSpecs.js";

const PRIVATE_DIR = ".rbxts-runtime";
const CONFIG_FILE = "rbxts-runtime.json";
/** Real seconds a test may run before the watchdog stops it, unless --timeout or rbxts-runtime.json says. */
const DEFAULT_TIMEOUT = 30;

interface Config {
	/** The game's Rojo project. Default "default.project.json". */
	project: string;
	/** The game's tsconfig. Default "tsconfig.json". */
	tsconfig: string;
	/** The folder of the game's specs, outside the game's own build. Default "test". */
	specs: string;
	/** Real seconds a test may run (the watchdog). Default 30. */
	timeout?: number;
}

const CONFIG_KEYS = ["project", "tsconfig", "specs", "timeout"];

function fail(message: string): never {
	process.stderr.write(`rbxts-runtime: ${message}\n`);
	process.exit(1);
}

/** Reads a JSON file that may hold comments and trailing commas (tsconfig.json does). */
function readJson(path: string): Record<string, unknown> {
	const text = readFileSync(path, "utf8");
	const stripped = text
		.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, quoted: string | undefined) => quoted ?? "")
		.replace(/,(\s*[}\]])/g, "$1");
	try {
		return JSON.parse(stripped) as Record<string, unknown>;
	} catch (err) {
		fail(`${path} is not valid JSON: ${(err as Error).message}`);
	}
}

/** rbxts-runtime.json under the command line's flags; a key it does not know or a value of the wrong type is an error. */
function loadConfig(root: string, flags: InitArgs, command: "test" | "init"): Config {
	const file = join(root, CONFIG_FILE);
	const saved = existsSync(file) ? readJson(file) : {};
	for (const [key, value] of Object.entries(saved)) {
		if (!CONFIG_KEYS.includes(key)) {
			throw new UsageError(
				`${CONFIG_FILE}: unknown key "${key}" (known keys: ${CONFIG_KEYS.join(", ")})`,
				command,
			);
		}
		if (key === "timeout" ? typeof value !== "number" : typeof value !== "string") {
			throw new UsageError(
				`${CONFIG_FILE}: "${key}" must be a ${key === "timeout" ? "number" : "string"}`,
				command,
			);
		}
	}
	const config: Config = {
		project: flags.project ?? (saved.project as string | undefined) ?? "default.project.json",
		tsconfig: flags.tsconfig ?? (saved.tsconfig as string | undefined) ?? "tsconfig.json",
		specs: flags.specs ?? (saved.specs as string | undefined) ?? "test",
	};
	if (saved.timeout !== undefined) config.timeout = parseSeconds(`${CONFIG_FILE} "timeout"`, String(saved.timeout));
	return config;
}

/** The game's roblox-ts: its command line and its package.json, or undefined when the game has none. */
function findCompiler(root: string): { bin: string; manifest: string } | undefined {
	try {
		const require = createRequire(join(root, "package.json"));
		const manifest = require.resolve("roblox-ts/package.json");
		const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: Record<string, string> }).bin.rbxtsc;
		return { bin: join(dirname(manifest), bin), manifest };
	} catch {
		return undefined;
	}
}

/** The game's roblox-ts command line, or a clear failure when the game has none. */
function gameCompiler(root: string): string {
	const compiler = findCompiler(root);
	if (compiler === undefined) {
		fail("roblox-ts is not installed in this game; run `npm install --save-dev roblox-ts` first");
	}
	return compiler.bin;
}

/** Where this package's TestEZ lives (a dependency of the package). */
function testezDir(): string {
	const require = createRequire(import.meta.url);
	return dirname(require.resolve("@rbxts/testez/package.json"));
}

type RojoNode = { [key: string]: unknown; $path?: string | { optional: string } };

/**
 * The game's Rojo tree with every path into the game's output folder moved to the private build, its include
 * folder to the private include folder, and the other paths made relative to the private folder.
 */
function retarget(node: RojoNode, moveTo: (path: string) => string): RojoNode {
	const copy: RojoNode = {};
	for (const [key, value] of Object.entries(node)) {
		if (key === "$path") {
			copy.$path =
				typeof value === "string"
					? moveTo(value)
					: { optional: moveTo((value as { optional: string }).optional) };
		} else if (!key.startsWith("$") && typeof value === "object" && value !== null) {
			copy[key] = retarget(value as RojoNode, moveTo);
		} else {
			copy[key] = value;
		}
	}
	return copy;
}

const normalize = (path: string) => path.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\/$/, "");

/** The game's compiler options as written (none when it has no tsconfig yet) and the folder of its sources, for init. */
function gameCompilerOptions(tsconfigFile: string) {
	const options = existsSync(tsconfigFile)
		? ((readJson(tsconfigFile).compilerOptions ?? {}) as Record<string, unknown>)
		: {};
	return { options, sourceDir: resolve(dirname(tsconfigFile), String(options.rootDir ?? "src")) };
}

/** The .ts files under `dir` (not .d.ts), recursively, skipping node_modules and dot folders. */
function typescriptFiles(dir: string, keep: (path: string) => boolean = () => true): string[] {
	const out: string[] = [];
	if (!existsSync(dir)) return out;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...typescriptFiles(path, keep));
		else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") && keep(path)) out.push(path);
	}
	return out;
}

/** The scope folders of roblox-ts packages the game installed (node_modules/@rbxts, @rbxts-js, ...). */
function packageScopes(root: string): string[] {
	const modules = join(root, "node_modules");
	if (!existsSync(modules)) return [];
	return readdirSync(modules).filter((name) => /^@rbxts/.test(name));
}

/**
 * A package's Rojo project (its tree a folder or module, not a DataModel) placed as a game would require it: under
 * ReplicatedStorage, beside the include folder and the installed roblox-ts packages.
 */
function asGameTree(name: string, tree: RojoNode, root: string): RojoNode {
	if (tree.$className === "DataModel") return tree;
	const modules: RojoNode = { $className: "Folder" };
	for (const scope of packageScopes(root)) modules[scope] = { $path: `node_modules/${scope}` };
	return {
		$className: "DataModel",
		ReplicatedStorage: {
			$className: "ReplicatedStorage",
			rbxts_include: { $path: "include", node_modules: modules },
			[name]: tree,
		},
	};
}

/**
 * Writes the private build's tsconfig and Rojo project under .rbxts-runtime/ for the game's current settings, and
 * returns where things are. Specs may sit next to the code (co-located in the source folder), in the specs folder,
 * or both: co-located specs are compiled where the game's own Rojo project puts the sources, the specs folder is
 * mounted under ServerScriptService.
 */
function prepare(root: string, config: Config) {
	const projectFile = resolve(root, config.project);
	if (!existsSync(projectFile)) fail(`no Rojo project at ${config.project} (use --project)`);
	const tsconfigFile = resolve(root, config.tsconfig);
	if (!existsSync(tsconfigFile)) fail(`no tsconfig at ${config.tsconfig} (use --tsconfig)`);
	let game: GameTsconfig;
	try {
		// The TypeScript of the game's roblox-ts reads the config, as its build will; without one, the game's own.
		const typescript = gameTypescript(findCompiler(root)?.manifest ?? join(root, "package.json"));
		game = readGameTsconfig(typescript, tsconfigFile);
	} catch (err) {
		fail((err as Error).message);
	}
	if (game.unknownIgnoreDeprecations !== undefined) {
		process.stderr.write(
			`rbxts-runtime: ${config.tsconfig} sets "ignoreDeprecations": "${game.unknownIgnoreDeprecations}", which roblox-ts's TypeScript ${game.version} does not know (TS5103); the test build leaves it out\n`,
		);
	}
	const sourceDir = game.sourceDir;
	const specsDir = resolve(root, config.specs);
	// The default specs folder may be absent (specs next to the code); one named with --specs must exist.
	if (!existsSync(specsDir) && config.specs !== "test") {
		fail(`no specs folder at ${config.specs} (check --specs or rbxts-runtime.json)`);
	}
	const separateSpecs = existsSync(specsDir) && !isInside(sourceDir, specsDir) ? specsDir : undefined;
	const privateDir = join(root, PRIVATE_DIR);
	mkdirSync(privateDir, { recursive: true });

	const outDir = normalize(relative(root, game.outDir));
	const testez = testezDir();
	// roblox-ts expects the packages in node_modules beside its tsconfig: the private folder links to the game's.
	const modulesLink = join(privateDir, "node_modules");
	// lstat, not existsSync: a link to a node_modules not installed yet dangles, and is still there.
	if (!lstatSync(modulesLink, { throwIfNoEntry: false })) {
		symlinkSync(join(root, "node_modules"), modulesLink, "junction");
	}
	// Each type root twice: through the link (roblox-ts checks for node_modules/@rbxts beside its tsconfig) and by
	// its real path (what imports resolve to, and what roblox-ts compares their scope with).
	const typeRoots = (game.options.typeRoots ?? [join(dirname(tsconfigFile), "node_modules/@rbxts")]).flatMap(
		(dir) => {
			const fromRoot = normalize(relative(root, dir));
			const real = relative(privateDir, dir);
			return fromRoot.startsWith("node_modules/") ? [fromRoot, real] : [real];
		},
	);
	const testezRoot = relative(privateDir, dirname(testez));
	if (!typeRoots.includes(testezRoot)) typeRoots.push(testezRoot);
	const types = [...(game.options.types ?? ["types", "compiler-types"]), "testez/globals"];
	// The game's files, and the specs: every file of the specs folder, and the spec files next to the code that the
	// game's own build leaves out (a release tsconfig often excludes them).
	const files = new Set(game.fileNames.map((file) => resolve(file)));
	for (const file of typescriptFiles(sourceDir, isSpecLike)) files.add(file);
	if (separateSpecs !== undefined) for (const file of typescriptFiles(separateSpecs)) files.add(file);
	const extraRoots = separateSpecs === undefined ? [] : [separateSpecs];
	// roblox-ts lays out out/ from the folder that holds every root.
	const buildBase = commonFolder([sourceDir, ...extraRoots]);
	const outOf = (folder: string) => normalize(`out/${relative(buildBase, folder).split(sep).join("/")}`);
	writeFileSync(
		join(privateDir, "tsconfig.json"),
		JSON.stringify(
			privateTsconfig({ game, privateDir, extraRoots, files: [...files].sort(), typeRoots, types }),
			undefined,
			"\t",
		),
	);

	// The game's tree, pointed at the private build; the specs and this package's TestEZ added.
	const project = readJson(projectFile) as { name?: string; tree: RojoNode };
	const projectDir = dirname(projectFile);
	const moveTo = (path: string) => {
		const fromRoot = normalize(relative(root, resolve(projectDir, path)));
		if (fromRoot === outDir || fromRoot.startsWith(`${outDir}/`)) {
			return `${outOf(sourceDir)}${fromRoot.slice(outDir.length)}`;
		}
		if (fromRoot === "include") return "include";
		return normalize(relative(privateDir, resolve(projectDir, path)));
	};
	const tree = retarget(asGameTree(project.name ?? "game", project.tree, root), moveTo);
	const services = tree as Record<string, RojoNode>;
	if (separateSpecs !== undefined) {
		services.ServerScriptService ??= { $className: "ServerScriptService" };
		services.ServerScriptService.__Specs = { $path: outOf(separateSpecs) };
	}
	services.ReplicatedStorage ??= { $className: "ReplicatedStorage" };
	services.ReplicatedStorage.__TestEZ = { $path: normalize(relative(privateDir, join(testez, "src"))) };
	const testProject = join(privateDir, "test.project.json");
	writeFileSync(testProject, JSON.stringify({ name: `${project.name ?? "game"}-specs`, tree }, undefined, "\t"));

	const specFolders = [sourceDir, ...extraRoots];
	return {
		root,
		privateDir,
		testProject,
		specsDir,
		sourceDir,
		specFolders,
		buildBase,
		tsconfigFile,
		projectFile,
	};
}

type Prepared = ReturnType<typeof prepare>;

/** Compiles the game and its specs into the private build with the game's roblox-ts; false when rbxtsc failed. */
function build(root: string, prepared: Prepared, stdoutIsReport = false): boolean {
	const result = spawnSync(
		process.execPath,
		[
			gameCompiler(root),
			"-p",
			join(prepared.privateDir, "tsconfig.json"),
			"--rojo",
			prepared.testProject,
			"--type",
			"game",
			"-i",
			join(prepared.privateDir, "include"),
		],
		// When stdout carries a json or junit report, roblox-ts's output goes to stderr.
		{ cwd: root, stdio: ["inherit", stdoutIsReport ? 2 : "inherit", "inherit"] },
	);
	return result.status === 0;
}

/** With --no-build: fails when there is no build, and says so when a source is newer than it. */
function checkBuildAge(root: string, prepared: Prepared): void {
	const buildInfo = join(prepared.privateDir, "out", "tsconfig.tsbuildinfo");
	if (!existsSync(buildInfo)) fail("--no-build: there is no build yet in .rbxts-runtime/; run without --no-build");
	const newest = newestChange([prepared.sourceDir, prepared.specsDir, prepared.tsconfigFile, prepared.projectFile]);
	const built = newestChange([buildInfo]);
	if (newest !== undefined && built !== undefined && newest.time > built.time) {
		process.stderr.write(
			`rbxts-runtime: --no-build runs the build in .rbxts-runtime/, which is older than ${relative(root, newest.path)}; drop --no-build to rebuild\n`,
		);
	}
}

/** The game-relative .ts file a spec module was compiled from, for reporters that need a file for every failure. */
function specSource(prepared: Prepared, results: RunResults, specFile: string): { file: string } {
	const luau = results.sources[specFile];
	if (luau === undefined) return { file: specFile };
	// roblox-ts writes index.ts as init.luau and index.spec.ts as init.spec.luau.
	const fromOut = relative(join(prepared.privateDir, "out"), luau)
		.replace(/\.luau?$/, ".ts")
		.replace(/(^|[\\/])init(\.[^\\/]+)$/, "$1index$2");
	return { file: normalize(relative(prepared.root, join(prepared.buildBase, fromOut))) };
}

/** Runs the specs once (or only `files`) and reports them; resolves with the exit code. */
/** A json or junit report on stdout leaves stdout to the report: the human text goes to stderr. */
const reportOnStdout = (args: TestArgs) =>
	(args.reporter === "json" || args.reporter === "junit") && args.outputFile === undefined;

async function runOnce(
	args: TestArgs,
	config: Config,
	prepared: Prepared,
	files?: string[],
): Promise<{ code: number; results: RunResults }> {
	const options: EngineOptions = {
		command: "test",
		project: prepared.testProject,
		tsconfig: join(prepared.privateDir, "tsconfig.json"),
		jest: jestModuleOf(prepared.root),
		verbose: args.verbose,
		// The whole game: specs are wherever the game's Rojo project puts the files they were compiled from.
		specRoots: ["."],
		specSourceDir: join(prepared.privateDir, "out"),
		testez: "ReplicatedStorage/__TestEZ",
		timeout: args.timeout ?? config.timeout ?? DEFAULT_TIMEOUT,
		// Jest's snapshots are written next to the specs' TypeScript, in the game's folder.
		fileRoot: prepared.root,
		ci: args.ci,
		updateSnapshots: args.updateSnapshots,
	};
	if (args.coverage) options.coverage = { roots: [prepared.sourceDir] };
	if (args.filter !== undefined) options.filter = args.filter;
	if (args.timeLimit !== undefined) options.timeLimit = args.timeLimit;
	if (args.seed !== undefined) options.seed = args.seed;
	if (args.arg !== undefined) options.argument = args.arg;
	if (files !== undefined) options.specFiles = files;
	const stream = reportOnStdout(args) ? process.stderr : process.stdout;
	const { code, results } = await runSpecs({ ...options, command: "test" }, (text) => stream.write(`${text}\n`), {
		passWithNoTests: args.passWithNoTests,
		maxWorkers: args.maxWorkers,
	});
	let coverageMet = true;
	if (args.coverage) {
		coverageMet = reportCoverage({
			tsconfig: join(prepared.privateDir, "tsconfig.json"),
			roots: [prepared.sourceDir],
			counts: results.coverage,
			directory: resolve(prepared.root, args.coverageDirectory ?? "coverage"),
			threshold: args.coverageThreshold,
			write: (text) => stream.write(`${text}\n`),
			displayRoot: prepared.root,
		});
	}
	let report: string | undefined;
	if (args.reporter === "json") report = jsonReport(results, code === 0);
	if (args.reporter === "junit") report = junitReport(results);
	if (args.reporter === "github") {
		process.stdout.write(githubAnnotations(results, (file) => specSource(prepared, results, file)));
	}
	if (report !== undefined) {
		if (args.outputFile === undefined) process.stdout.write(report);
		else writeFileSync(resolve(args.outputFile), report);
	}
	return { code: code === 0 && !coverageMet ? 1 : code, results };
}

async function test(root: string, args: TestArgs) {
	const config = loadConfig(root, args, "test");
	const prepared = prepare(root, config);
	if (args.noBuild) {
		checkBuildAge(root, prepared);
	} else if (!build(root, prepared, reportOnStdout(args))) {
		(reportOnStdout(args) ? process.stderr : process.stdout).write(
			"\nrbxtsc failed\n0 passed, 1 failed, 0 skipped\n",
		);
		if (!args.watch) process.exit(1);
	}
	if (args.watch) {
		// The tree path of each compiled spec, from the last run, for rerunning the spec files a change affects.
		const treeOf = new Map<string, string>();
		await watchSpecs({
			watched: prepared.specFolders,
			specsDir: prepared.specsDir,
			rebuild: () => build(root, prepare(root, config), reportOnStdout(args)),
			run: async (files) => {
				const { code, results } = await runOnce(args, config, prepared, files);
				for (const [tree, luau] of Object.entries(results.sources)) treeOf.set(luau, tree);
				return code;
			},
			specPath: (file) => {
				const luau = join(prepared.privateDir, "out", relative(prepared.buildBase, file)).replace(
					/(index)?\.tsx?$/,
					(_, index?: string) =>
						index !== undefined && /[\\/]index\.tsx?$/.test(file) ? "init.luau" : ".luau",
				);
				return treeOf.get(luau) ?? luau;
			},
		});
		return;
	}
	process.exitCode = (await runOnce(args, config, prepared)).code;
}

/** The first spec of a game that uses ProfileService: a crashed server's profile taken over by another server. */
const PROFILE_SPEC = `import Runtime, { type SimServer } from "@rbxts-profile/runtime";
import type * as ProfileServiceModule from "@rbxts-profile/profileservice";

// Every simulated server requires its own copy of the library (its own module cache and singleton).
const LIBRARY = "ReplicatedStorage/rbxts_include/node_modules/@rbxts-profile/profileservice";
const TEMPLATE = { Coins: 0 };

function storeOn(server: SimServer) {
	return server.require<typeof ProfileServiceModule>(LIBRARY).ProfileService.GetProfileStore("PlayerData", TEMPLATE);
}

export = () => {
	it("gives a crashed server's profile to the next server, with what the crashed server saved", () => {
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const profileA = a.call(() => storeOn(a).LoadProfileAsync("Player_1"))!;
		profileA.Data.Coins = 10;
		profileA.Save();
		Runtime.wait(10);
		a.crash();
		const start = Runtime.now();
		const profileB = b.call(() => storeOn(b).LoadProfileAsync("Player_1"));
		expect(profileB).to.be.ok();
		expect(profileB!.Data.Coins).to.equal(10);
		// The crashed server's lock is taken in well under the original's minute.
		expect(Runtime.now() - start < 60).to.equal(true);
	});
};
`;

/** The first spec of a game without ProfileService: two servers share the world's DataStore. */
const DATASTORE_SPEC = `import Runtime from "@rbxts-profile/runtime";

export = () => {
	it("keeps what a crashed server wrote for the next server", () => {
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const storeOf = (server: typeof a) => server.game.GetService("DataStoreService").GetDataStore("PlayerData");
		a.call(() => storeOf(a).SetAsync("Player_1", { Coins: 10 }));
		a.crash();
		const [value] = b.call(() => storeOf(b).GetAsync("Player_1"));
		expect((value as { Coins: number }).Coins).to.equal(10);
	});
};
`;

/**
 * Makes the game see the `@rbxts-profile` packages: their folder in the tsconfig's typeRoots (edited as text, so
 * the template's comments stay) and in the Rojo project next to `@rbxts`. Returns what it changed.
 */
function linkScope(root: string, config: Config): string[] {
	const changed: string[] = [];
	const tsconfigFile = resolve(root, config.tsconfig);
	if (existsSync(tsconfigFile)) {
		const text = readFileSync(tsconfigFile, "utf8");
		if (!text.includes("node_modules/@rbxts-profile")) {
			const edited = text.replace(
				/("typeRoots"\s*:\s*\[[^\]]*?"node_modules\/@rbxts")/,
				'$1, "node_modules/@rbxts-profile"',
			);
			if (edited === text) {
				process.stdout.write(
					`rbxts-runtime init: add "node_modules/@rbxts-profile" to typeRoots in ${config.tsconfig}\n`,
				);
			} else {
				writeFileSync(tsconfigFile, edited);
				changed.push(`${config.tsconfig} typeRoots`);
			}
		}
	}
	const projectFile = resolve(root, config.project);
	if (existsSync(projectFile)) {
		const project = readJson(projectFile) as { tree: Record<string, RojoNode> };
		const modules = (project.tree.ReplicatedStorage?.rbxts_include as RojoNode | undefined)?.node_modules as
			RojoNode | undefined;
		if (modules === undefined) {
			process.stdout.write(
				`rbxts-runtime init: map "node_modules/@rbxts-profile" next to "@rbxts" in ${config.project}\n`,
			);
		} else if (modules["@rbxts-profile"] === undefined) {
			modules["@rbxts-profile"] = { $path: "node_modules/@rbxts-profile" };
			writeFileSync(projectFile, `${JSON.stringify(project, undefined, "\t")}\n`);
			changed.push(`${config.project} @rbxts-profile folder`);
		}
	}
	return changed;
}

/** Keeps the specs folder out of the game's own rbxtsc build (see SpecsOutOfBuild.ts). Returns what it changed. */
function keepSpecsOut(root: string, config: Config): string[] {
	const tsconfigFile = resolve(root, config.tsconfig);
	if (!existsSync(tsconfigFile)) return [];
	const text = readFileSync(tsconfigFile, "utf8");
	const tsconfigDir = dirname(tsconfigFile);
	const folder = (path: string) => normalize(relative(tsconfigDir, path));
	const edited = keepSpecsOutOfBuild(
		text,
		readJson(tsconfigFile),
		folder(gameCompilerOptions(tsconfigFile).sourceDir),
		folder(resolve(root, config.specs)),
	);
	if (edited === undefined) return [];
	writeFileSync(tsconfigFile, edited);
	return [`${config.tsconfig} include/exclude (keeps ${config.specs}/ out of the game's own build)`];
}

function init(root: string, args: InitArgs) {
	const config = loadConfig(root, args, "init");
	const specsDir = resolve(root, config.specs);
	mkdirSync(specsDir, { recursive: true });
	const spec = join(specsDir, "first.spec.ts");
	const created: string[] = [];
	if (!existsSync(spec)) {
		const manifest = existsSync(join(root, "package.json")) ? readJson(join(root, "package.json")) : {};
		const deps = { ...(manifest.dependencies as object), ...(manifest.devDependencies as object) };
		writeFileSync(spec, "@rbxts-profile/profileservice" in deps ? PROFILE_SPEC : DATASTORE_SPEC);
		created.push(relative(root, spec));
	}
	const specsTsconfig = join(specsDir, "tsconfig.json");
	if (!existsSync(specsTsconfig)) {
		// For the editor only: type-checks the specs with the game's settings and TestEZ's globals.
		writeFileSync(
			specsTsconfig,
			`${JSON.stringify(
				{
					extends: relative(specsDir, resolve(root, config.tsconfig)),
					compilerOptions: {
						rootDir: "..",
						noEmit: true,
						types: ["types", "compiler-types", "testez/globals"],
					},
					include: [
						".",
						normalize(relative(specsDir, gameCompilerOptions(resolve(root, config.tsconfig)).sourceDir)),
					],
				},
				undefined,
				"\t",
			)}\n`,
		);
		created.push(relative(root, specsTsconfig));
	}
	const configFile = join(root, CONFIG_FILE);
	if (!existsSync(configFile)) {
		writeFileSync(configFile, `${JSON.stringify(config, undefined, "\t")}\n`);
		created.push(CONFIG_FILE);
	}
	created.push(...linkScope(root, config));
	created.push(...keepSpecsOut(root, config));
	const gitignore = join(root, ".gitignore");
	const ignored = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
	if (!ignored.split(/\r?\n/).includes(`/${PRIVATE_DIR}`)) {
		writeFileSync(gitignore, `${ignored}${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}/${PRIVATE_DIR}\n`);
		created.push(".gitignore entry");
	}
	process.stdout.write(
		created.length === 0
			? "rbxts-runtime init: nothing to do, everything is in place\n"
			: `rbxts-runtime init: created ${created.join(", ")}\nRun \`npx rbxts-runtime test\`.\n`,
	);
}

/** This package's version, from its package.json (one folder up from dist/ and from host/). */
function version(): string {
	const require = createRequire(import.meta.url);
	return (require("../package.json") as { version: string }).version;
}

async function main() {
	const invocation = parseCommandLine(process.argv.slice(2));
	const root = process.cwd();
	if (invocation.command === "help") process.stdout.write(`${invocation.text}\n`);
	else if (invocation.command === "version") process.stdout.write(`${version()}\n`);
	else if (invocation.command === "test") await test(root, invocation.args);
	else init(root, invocation.args);
}

main().catch((err) => {
	if (err instanceof UsageError) {
		process.stderr.write(`rbxts-runtime: ${err.message}\n\n${usageOf(err)}\n`);
		process.exitCode = 2;
		return;
	}
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});

#!/usr/bin/env node
/**
 * `rbxts-runtime`, the command of the `@rbxts-profile/runtime` package: runs a roblox-ts game's specs on the offline
 * runtime.
 *
 *   rbxts-runtime test [--filter <text>] [--verbose] [--seed <n>] [--time-limit <s>] [--no-build]
 *                      [--project <rojo file>] [--tsconfig <file>] [--specs <folder>]
 *   rbxts-runtime init [--specs <folder>]
 *
 * `test` compiles the game and its specs with the game's own roblox-ts into `.rbxts-runtime/` (never the game's
 * `out/` or `include/`), builds the test tree from the game's Rojo project (its output folders pointed at that
 * private build, the specs folder added under ServerScriptService), and runs the specs with TestEZ. TestEZ and the
 * `Runtime` harness come with this package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { jestModuleOf } from "./JestDetection.js";
import { runEngine, type EngineOptions } from "./Launcher.js";

const PRIVATE_DIR = ".rbxts-runtime";
const CONFIG_FILE = "rbxts-runtime.json";
const VALUE_FLAGS = ["filter", "project", "time-limit", "seed", "tsconfig", "specs"];

interface Config {
	/** The game's Rojo project. Default "default.project.json". */
	project: string;
	/** The game's tsconfig. Default "tsconfig.json". */
	tsconfig: string;
	/** The folder of the game's specs, outside the game's own build. Default "test". */
	specs: string;
}

function fail(message: string): never {
	process.stderr.write(`rbxts-runtime: ${message}\n`);
	process.exit(1);
}

function parse(argv: string[]) {
	const flags: Record<string, string | boolean> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith("--")) fail(`unexpected argument "${arg}"`);
		const key = arg.slice(2);
		if (VALUE_FLAGS.includes(key)) {
			const value = argv[i + 1];
			if (value === undefined) fail(`--${key} needs a value`);
			flags[key] = value;
			i++;
		} else {
			flags[key] = true;
		}
	}
	return flags;
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

function loadConfig(root: string, flags: Record<string, string | boolean>): Config {
	const file = join(root, CONFIG_FILE);
	const saved = existsSync(file) ? (readJson(file) as Partial<Config>) : {};
	return {
		project: String(flags.project ?? saved.project ?? "default.project.json"),
		tsconfig: String(flags.tsconfig ?? saved.tsconfig ?? "tsconfig.json"),
		specs: String(flags.specs ?? saved.specs ?? "test"),
	};
}

/** The game's roblox-ts command line, or a clear failure when the game has none. */
function gameCompiler(root: string): string {
	try {
		const require = createRequire(join(root, "package.json"));
		const manifest = require.resolve("roblox-ts/package.json");
		const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: Record<string, string> }).bin.rbxtsc;
		return join(dirname(manifest), bin);
	} catch {
		fail("roblox-ts is not installed in this game; run `npm install --save-dev roblox-ts` first");
	}
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

/** The game's compiler options (none when it has no tsconfig yet) and the folder of its sources (rootDir). */
function gameCompilerOptions(tsconfigFile: string) {
	const options = existsSync(tsconfigFile)
		? ((readJson(tsconfigFile).compilerOptions ?? {}) as Record<string, unknown>)
		: {};
	return { options, sourceDir: resolve(dirname(tsconfigFile), String(options.rootDir ?? "src")) };
}

async function test(root: string, flags: Record<string, string | boolean>) {
	const config = loadConfig(root, flags);
	const projectFile = resolve(root, config.project);
	if (!existsSync(projectFile)) fail(`no Rojo project at ${config.project} (use --project)`);
	const tsconfigFile = resolve(root, config.tsconfig);
	if (!existsSync(tsconfigFile)) fail(`no tsconfig at ${config.tsconfig} (use --tsconfig)`);
	const specsDir = resolve(root, config.specs);
	if (!existsSync(specsDir)) fail(`no specs folder at ${config.specs} (run \`rbxts-runtime init\`, or use --specs)`);
	const privateDir = join(root, PRIVATE_DIR);
	mkdirSync(privateDir, { recursive: true });

	const { options: gameOptions, sourceDir } = gameCompilerOptions(tsconfigFile);
	const tsconfigDir = dirname(tsconfigFile);
	const outDir = normalize(relative(root, resolve(tsconfigDir, String(gameOptions.outDir ?? "out"))));
	const rootDir = normalize(relative(root, sourceDir));
	const specsRel = normalize(relative(root, specsDir));
	const testez = testezDir();
	// roblox-ts expects the packages in node_modules beside its tsconfig: the private folder links to the game's.
	const modulesLink = join(privateDir, "node_modules");
	if (!existsSync(modulesLink)) symlinkSync(join(root, "node_modules"), modulesLink, "junction");
	// Each type root twice: through the link (roblox-ts checks for node_modules/@rbxts beside its tsconfig) and by
	// its real path (what imports resolve to, and what roblox-ts compares their scope with).
	const typeRoots = ((gameOptions.typeRoots as string[] | undefined) ?? ["node_modules/@rbxts"]).flatMap((dir) => {
		const fromRoot = normalize(relative(root, resolve(tsconfigDir, dir)));
		const real = relative(privateDir, resolve(tsconfigDir, dir));
		return fromRoot.startsWith("node_modules/") ? [fromRoot, real] : [real];
	});
	const testezRoot = relative(privateDir, dirname(testez));
	if (!typeRoots.includes(testezRoot)) typeRoots.push(testezRoot);
	const types = [...((gameOptions.types as string[] | undefined) ?? ["types", "compiler-types"]), "testez/globals"];
	// The game's compiler options, with every path made relative to the private folder, and the specs folder
	// compiled beside the game's sources (rootDirs keeps their layout: out/<rootDir>/..., out/<specs>/...).
	const inherited = { ...gameOptions };
	delete inherited.rootDir;
	const fromPrivate = (path: unknown) => relative(privateDir, resolve(tsconfigDir, String(path)));
	const compilerOptions: Record<string, unknown> = {
		...inherited,
		rootDirs: [fromPrivate(sourceDir), fromPrivate(specsDir)],
		outDir: "out",
		typeRoots,
		types,
		declaration: false,
		incremental: true,
		tsBuildInfoFile: "out/tsconfig.tsbuildinfo",
	};
	if (gameOptions.baseUrl !== undefined) compilerOptions.baseUrl = fromPrivate(gameOptions.baseUrl);
	writeFileSync(
		join(privateDir, "tsconfig.json"),
		JSON.stringify({ compilerOptions, include: [fromPrivate(sourceDir), fromPrivate(specsDir)] }, undefined, "\t"),
	);

	// The game's tree, pointed at the private build; the specs and this package's TestEZ added.
	const project = readJson(projectFile) as { name?: string; tree: RojoNode };
	const projectDir = dirname(projectFile);
	const moveTo = (path: string) => {
		const fromRoot = normalize(relative(root, resolve(projectDir, path)));
		if (fromRoot === outDir || fromRoot.startsWith(`${outDir}/`)) {
			return `out/${rootDir}${fromRoot.slice(outDir.length)}`;
		}
		if (fromRoot === "include") return "include";
		return normalize(relative(privateDir, resolve(projectDir, path)));
	};
	const tree = retarget(project.tree, moveTo);
	const services = tree as Record<string, RojoNode>;
	services.ServerScriptService ??= { $className: "ServerScriptService" };
	services.ServerScriptService.__Specs = { $path: `out/${specsRel}` };
	services.ReplicatedStorage ??= { $className: "ReplicatedStorage" };
	services.ReplicatedStorage.__TestEZ = { $path: normalize(relative(privateDir, join(testez, "src"))) };
	const testProject = join(privateDir, "test.project.json");
	writeFileSync(testProject, JSON.stringify({ name: `${project.name ?? "game"}-specs`, tree }, undefined, "\t"));

	if (!flags["no-build"]) {
		const compiler = gameCompiler(root);
		const build = spawnSync(
			process.execPath,
			[
				compiler,
				"-p",
				join(privateDir, "tsconfig.json"),
				"--rojo",
				testProject,
				"--type",
				"game",
				"-i",
				join(privateDir, "include"),
			],
			{ cwd: root, stdio: "inherit" },
		);
		if (build.status !== 0) {
			process.stdout.write("\nrbxtsc failed\n0 passed, 1 failed, 0 skipped\n");
			process.exit(1);
		}
	}
	const options: EngineOptions = {
		command: "test",
		project: testProject,
		tsconfig: join(privateDir, "tsconfig.json"),
		jest: jestModuleOf(root),
		verbose: flags.verbose === true,
		specRoots: ["ServerScriptService/__Specs"],
		testez: "ReplicatedStorage/__TestEZ",
	};
	if (typeof flags.filter === "string") options.filter = flags.filter;
	if (typeof flags["time-limit"] === "string") options.timeLimit = Number(flags["time-limit"]);
	if (typeof flags.seed === "string") options.seed = Number(flags.seed);
	process.exitCode = await runEngine(options);
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

function init(root: string, flags: Record<string, string | boolean>) {
	const config = loadConfig(root, flags);
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

async function main() {
	const [command, ...rest] = process.argv.slice(2);
	const flags = parse(rest);
	const root = process.cwd();
	if (command === "test") return test(root, flags);
	if (command === "init") return init(root, flags);
	fail(`unknown command "${command ?? ""}" (expected "test" or "init")`);
}

main().catch((err) => {
	process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
	process.exitCode = 1;
});

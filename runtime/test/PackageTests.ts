/**
 * Checks of the published package: the tarball holds the compiled Luau and the .d.ts files and nothing else, and a
 * fresh roblox-ts game that installs the tarball compiles and runs a server script that uses it.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { runEngine } from "../host/Launcher.js";

const root = resolve(".");
let tarball: string | undefined;
let runtimeTarball: string | undefined;

export function run(command: string, args: string[], cwd: string): string {
	try {
		return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
	} catch (err) {
		const failed = err as { stdout?: string; stderr?: string; message: string };
		throw new Error(`${failed.message}\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
	}
}

function listFiles(dir: string, prefix = ""): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
		if (entry.isDirectory()) out.push(...listFiles(join(dir, entry.name), rel));
		else out.push(rel);
	}
	return out;
}

/** Temp folders of this run: a scratch game with its node_modules is about 60 MB, so none may be left behind. */
const temps: string[] = [];

export function tempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	temps.push(dir);
	return dir;
}

/** Removes every temp folder the package tests made. */
export function removePackageTemps() {
	for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
	tarball = undefined;
	runtimeTarball = undefined;
}

/** Builds the package and packs it once per run; returns the tarball path. */
export function packOnce(): string {
	if (tarball !== undefined) return tarball;
	// A plain `npm pack` builds first (the prepack script), so the tarball always holds the compiled package.
	const dest = tempDir("profileservice-pack-");
	const output = run("npm", ["pack", "--pack-destination", dest, "--json"], root);
	const [{ filename }] = JSON.parse(output) as Array<{ filename: string }>;
	tarball = join(dest, filename);
	return tarball;
}

/** Jest Roblox as a game installs it: the runner and the globals specs import. */
const JEST_PACKAGES = ["@rbxts/jest@0.1.0", "@rbxts/jest-globals@0.1.0"];

/** The compiler options every roblox-ts game has (the standard template's), for the scratch games of host tests. */
export const ROBLOX_TS_OPTIONS = {
	allowSyntheticDefaultImports: true,
	downlevelIteration: true,
	module: "commonjs",
	moduleResolution: "Node",
	noLib: true,
	strict: true,
	target: "ESNext",
	moduleDetection: "force",
};

export const packageTests: Array<[string, () => Promise<void> | void]> = [
	[
		"npm pack ships the compiled Luau and .d.ts files and nothing else",
		() => {
			const file = packOnce();
			const unpacked = tempDir("profileservice-unpack-");
			run("tar", ["-xzf", file, "-C", unpacked], root);
			const files = listFiles(join(unpacked, "package"));
			const allowed = new Set(["package.json", "README.md", "LICENSE", "default.project.json"]);
			for (const path of files) {
				const ok = allowed.has(path) || (path.startsWith("out/") && /\.(luau|d\.ts)$/.test(path));
				assert.ok(ok, `unexpected file in the package: ${path}`);
				assert.ok(
					!/\.spec\.|tsbuildinfo|^(src|test|runtime|bench|demo|examples)\//.test(path),
					`tooling shipped: ${path}`,
				);
			}
			assert.ok(files.includes("out/init.luau"));
			assert.ok(files.includes("out/index.d.ts"));
			for (const luau of files.filter((path) => path.endsWith(".luau") && path !== "out/init.luau")) {
				assert.ok(files.includes(luau.replace(/\.luau$/, ".d.ts")), `no declarations for ${luau}`);
			}
			const manifest = JSON.parse(readFileSync(join(unpacked, "package", "package.json"), "utf8"));
			assert.equal(manifest.main, "out/init.luau");
			assert.equal(manifest.types, "out/index.d.ts");
			const declarations = readFileSync(join(unpacked, "package", "out", "Profile.d.ts"), "utf8");
			assert.match(declarations, /Loads|session lock/, "TSDoc comments are kept in the .d.ts");
			assert.ok(!declarations.includes("internal/"), "a public .d.ts names a stripped internal module");
		},
	],
	[
		"a fresh roblox-ts game installs the tarball, compiles a server script that uses it, and runs it",
		async () => {
			const file = packOnce();
			const game = tempDir("profileservice-game-");
			const own = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
			const dev = own.devDependencies as Record<string, string>;
			writeFileSync(
				join(game, "package.json"),
				JSON.stringify({
					name: "scratch-game",
					version: "1.0.0",
					private: true,
					dependencies: { "@rbxts-profile/profileservice": `file:${file}` },
					devDependencies: {
						"roblox-ts": dev["roblox-ts"],
						"@rbxts/types": dev["@rbxts/types"],
						"@rbxts/compiler-types": dev["@rbxts/compiler-types"],
						typescript: dev.typescript,
					},
				}),
			);
			writeFileSync(
				join(game, "tsconfig.json"),
				JSON.stringify({
					compilerOptions: {
						...ROBLOX_TS_OPTIONS,
						typeRoots: ["node_modules/@rbxts", "node_modules/@rbxts-profile"],
						types: ["types", "compiler-types"],
						rootDir: "src",
						outDir: "out",
					},
				}),
			);
			writeFileSync(
				join(game, "default.project.json"),
				JSON.stringify({
					name: "scratch-game",
					tree: {
						$className: "DataModel",
						ReplicatedStorage: {
							$className: "ReplicatedStorage",
							rbxts_include: {
								$path: "include",
								node_modules: {
									$className: "Folder",
									"@rbxts": { $path: "node_modules/@rbxts" },
									"@rbxts-profile": { $path: "node_modules/@rbxts-profile" },
								},
							},
						},
						ServerScriptService: { $className: "ServerScriptService", Game: { $path: "out/server" } },
					},
				}),
			);
			mkdirSync(join(game, "src", "server"), { recursive: true });
			writeFileSync(
				join(game, "src", "server", "Main.ts"),
				[
					'import ProfileService from "@rbxts-profile/profileservice";',
					"",
					'const store = ProfileService.GetProfileStore("ScratchData", { Coins: 0, Items: new Array<string>() });',
					"",
					"export = () => {",
					'\tconst profile = store.LoadProfileAsync("Player_1");',
					'\tif (profile === undefined) error("no profile");',
					"\tprofile.Data.Coins += 7;",
					'\tprofile.Data.Items.push("Sword");',
					"\tprofile.Release();",
					"\ttask.wait(10);",
					'\tconst view = store.ViewProfileAsync("Player_1");',
					'\tprint(`scratch game: ${view?.Data.Coins} coins, ${view?.Data.Items.join(",")}`);',
					"};",
					"",
				].join("\n"),
			);
			run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], game);
			run("npx", ["rbxtsc"], game);
			// Misuse the public types must refuse, type-checked by tsc (roblox-ts forbids @ts-expect-error): each
			// directive that finds no error fails the check.
			mkdirSync(join(game, "misuse"));
			writeFileSync(
				join(game, "misuse", "tsconfig.json"),
				JSON.stringify({
					extends: "../tsconfig.json",
					compilerOptions: { noEmit: true, skipLibCheck: true, rootDir: ".." },
					include: ["Misuse.ts"],
				}),
			);
			writeFileSync(
				join(game, "misuse", "Misuse.ts"),
				[
					"import ProfileService, {",
					"\tGlobalUpdates,",
					"\tProfile,",
					"\tProfileStore,",
					"\tProfileVersionQuery,",
					"\tScriptSignal,",
					'} from "@rbxts-profile/profileservice";',
					"",
					"export function misuse() {",
					"\t// @ts-expect-error private constructor",
					"\tnew ProfileStore();",
					"\t// @ts-expect-error private constructor",
					"\tnew Profile();",
					"\t// @ts-expect-error private constructor",
					"\tnew GlobalUpdates();",
					"\t// @ts-expect-error private constructor",
					"\tnew ProfileVersionQuery();",
					"\t// @ts-expect-error private constructor",
					"\tnew ScriptSignal();",
					"\t// @ts-expect-error read-only",
					"\tProfileService.ServiceLocked = true;",
					"\t// @ts-expect-error read-only",
					"\tProfileService.CriticalState = false;",
					"}",
					"",
				].join("\n"),
			);
			run("npx", ["tsc", "-p", "misuse/tsconfig.json"], game);
			const lines: string[] = [];
			const code = await runEngine(
				{
					command: "run",
					project: join(game, "default.project.json"),
					script: "ServerScriptService/Game/Main",
					verbose: true,
				},
				(text) => lines.push(text),
			);
			const output = lines.join("\n");
			assert.equal(code, 0, output);
			assert.match(output, /scratch game: 7 coins, Sword/);
		},
	],
	[
		"the README's offline-testing section, followed verbatim in a game made from the standard template",
		async () => {
			const tarball = packOnce();
			// The layout the README assumes: the clone in ../profileservice, both tarballs where npm pack writes them.
			const base = tempDir("profileservice-readme-");
			const clone = join(base, "profileservice");
			mkdirSync(join(clone, "runtime"), { recursive: true });
			cpSync(tarball, join(clone, "rbxts-profile-profileservice-0.1.0.tgz"));
			const runtimeTarball = packRuntimeOnce();
			assert.equal(basename(runtimeTarball), "rbxts-profile-runtime-0.1.0.tgz");
			cpSync(runtimeTarball, join(clone, "runtime", basename(runtimeTarball)));
			const game = join(base, "game");
			copyTemplate(game);
			run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], game);
			run("npx", ["rbxtsc"], game);
			const before = { out: hashTree(join(game, "out")), include: hashTree(join(game, "include")) };

			const readme = readFileSync(join(root, "README.md"), "utf8");
			const section = readme.slice(readme.indexOf("## Testing your game's data code offline"));
			const block = /```sh\n([\s\S]*?)```/.exec(section);
			assert.ok(block, "no sh block in the README section");
			const commands = block[1].trim().split("\n");
			assert.equal(commands[commands.length - 1], "npx rbxts-runtime test");
			// The game's commands get a temp folder of their own, so what they leave there is theirs alone (the
			// machine's /tmp is shared with other runs).
			const commandTemp = join(base, "tmp");
			mkdirSync(commandTemp);
			const env = { ...process.env, TMPDIR: commandTemp, TMP: commandTemp, TEMP: commandTemp };
			let last = { status: 0, output: "" };
			for (const command of commands) {
				const result = spawnSync("sh", ["-c", command], { cwd: game, encoding: "utf8", env });
				last = { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
				if (command !== commands[commands.length - 1])
					assert.equal(last.status, 0, `${command}\n${last.output}`);
			}
			assert.equal(last.status, 0, last.output);
			assert.match(last.output, /\n1 passed, 0 failed, 0 skipped/);
			assert.ok(existsSync(join(game, "test", "first.spec.ts")));

			// A failing spec fails the command.
			writeFileSync(
				join(game, "test", "failing.spec.ts"),
				'export = () => {\n\tit("fails on purpose", () => {\n\t\texpect(1 + 1).to.equal(3);\n\t});\n};\n',
			);
			const failing = spawnSync("npx", ["rbxts-runtime", "test"], { cwd: game, encoding: "utf8", env });
			assert.equal(failing.status, 1, failing.stdout);
			assert.match(failing.stdout, /fails on purpose/);
			// ... and names the TypeScript file and line, with the line in a code frame.
			assert.match(
				failing.stdout,
				/\n {2}test\/failing\.spec\.ts:3: Expected value "3" \(number\), got "2" \(number\)/,
			);
			assert.match(failing.stdout, /\n {4}> 3 \| {5}expect\(1 \+ 1\)\.to\.equal\(3\);\n/);
			assert.ok(!failing.stdout.includes("__Specs"), failing.stdout);
			assert.match(failing.stdout, /\n1 passed, 1 failed, 0 skipped/);

			// --filter and --verbose: the filtered-out file says so.
			const filtered = spawnSync(
				"npx",
				["rbxts-runtime", "test", "--filter", "crashed", "--verbose", "--no-build"],
				{ cwd: game, encoding: "utf8", env },
			);
			assert.equal(filtered.status, 0, filtered.stdout);
			assert.match(filtered.stdout, /failing\.spec: 0 tests run \(1 filtered out\)/);

			// A spec that never yields is stopped by the watchdog, with its file, test and line, and the run goes on;
			// the junit report has every test.
			writeFileSync(
				join(game, "test", "hang.spec.ts"),
				[
					'import Runtime from "@rbxts-profile/runtime";',
					"",
					"export = () => {",
					'\tit("spins for ever", () => {',
					"\t\tlet n = 0;",
					"\t\tRuntime.current().call(() => {",
					"\t\t\twhile (true) n++;",
					"\t\t});",
					"\t});",
					"};",
					"",
				].join("\n"),
			);
			const hung = spawnSync(
				"npx",
				["rbxts-runtime", "test", "--timeout", "2", "--reporter", "junit", "--output-file", "report.xml"],
				{ cwd: game, encoding: "utf8", env },
			);
			assert.equal(hung.status, 1, hung.stdout + hung.stderr);
			assert.match(hung.stdout, /hang spins for ever\n {2}stopped by the watchdog after 2 s of real time/);
			// Where it was stuck is named in TypeScript too: the loop's line.
			assert.match(hung.stdout, /stuck at:\n.*test\/hang\.spec\.ts:7/);
			assert.match(hung.stdout, /\n1 passed, 2 failed, 0 skipped/);
			const report = readFileSync(join(game, "report.xml"), "utf8");
			assert.equal(report.match(/<testcase /g)?.length, 3, report);
			// Each failed testcase carries the TypeScript file and line its failure names.
			assert.match(
				report,
				/<testcase name="failing fails on purpose" [^>]* file="test\/failing\.spec\.ts" line="3">/,
			);
			rmSync(join(game, "report.xml"));
			rmSync(join(game, "test", "hang.spec.ts"));

			// GitHub Actions annotations point at the TypeScript line.
			const github = spawnSync("npx", ["rbxts-runtime", "test", "--no-build", "--reporter", "github"], {
				cwd: game,
				encoding: "utf8",
				env,
			});
			assert.equal(github.status, 1, github.stdout + github.stderr);
			assert.match(
				github.stdout,
				/^::error file=test\/failing\.spec\.ts,line=3,title=failing fails on purpose::/m,
			);

			// With @rbxts/jest installed, a spec written with Jest runs too, its failure at its TypeScript line.
			run(
				"npm",
				["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", ...JEST_PACKAGES],
				game,
			);
			writeFileSync(
				join(game, "test", "jest.spec.ts"),
				[
					'import { describe, expect, it } from "@rbxts/jest-globals";',
					"",
					'describe("coins", () => {',
					'\tit("add up", () => {',
					"\t\texpect(2 + 3).toBe(5);",
					"\t});",
					'\tit("fail to add up on purpose", () => {',
					"\t\texpect(2 + 2).toBe(5);",
					"\t});",
					"});",
					"",
				].join("\n"),
			);
			const jest = spawnSync("npx", ["rbxts-runtime", "test"], { cwd: game, encoding: "utf8", env });
			assert.equal(jest.status, 1, jest.stdout + jest.stderr);
			assert.match(jest.stdout, /coins fail to add up on purpose\n {2}expect\(received\)\.toBe\(expected\)/);
			assert.match(jest.stdout, /at test\/jest\.spec\.ts:8\n/);
			assert.match(jest.stdout, /\n2 passed, 2 failed, 0 skipped/);

			// The game's own build is untouched, and nothing was left in the temp folder.
			assert.deepEqual(hashTree(join(game, "out")), before.out);
			assert.deepEqual(hashTree(join(game, "include")), before.include);
			assert.deepEqual(readdirSync(commandTemp), []);

			// The game's own build stays green after init: the template's tsconfig has no include, so without init's
			// edit rbxtsc compiled test/ too (TS6059, "Cannot find name 'it'").
			const gameBuild = spawnSync("npx", ["rbxtsc"], { cwd: game, encoding: "utf8", env });
			assert.equal(gameBuild.status, 0, gameBuild.stdout + gameBuild.stderr);

			// --watch: an edited spec is rebuilt and rerun, alone.
			rmSync(join(game, "test", "failing.spec.ts"));
			rmSync(join(game, "test", "jest.spec.ts"));
			await watchRerun(game, env);
		},
	],
	[
		"rbxts-runtime test says clearly when the game has no roblox-ts",
		() => {
			const game = tempDir("profileservice-nocompiler-");
			mkdirSync(join(game, "test"));
			writeFileSync(join(game, "package.json"), JSON.stringify({ name: "no-compiler", version: "1.0.0" }));
			writeFileSync(join(game, "tsconfig.json"), JSON.stringify({ compilerOptions: { outDir: "out" } }));
			writeFileSync(
				join(game, "default.project.json"),
				JSON.stringify({ name: "g", tree: { $className: "DataModel" } }),
			);
			run("npx", ["tsc", "-p", "runtime/tsconfig.build.json"], root);
			const result = spawnSync(process.execPath, [join(root, "runtime/dist/GameCli.js"), "test"], {
				cwd: game,
				encoding: "utf8",
			});
			assert.equal(result.status, 1, result.stdout + result.stderr);
			assert.match(
				result.stderr,
				/roblox-ts is not installed in this game; run `npm install --save-dev roblox-ts`/,
			);
		},
	],
];

/** Builds the runtime package and packs it once per run; returns the tarball path. */
export function packRuntimeOnce(): string {
	if (runtimeTarball !== undefined) return runtimeTarball;
	run("npx", ["tsc", "-p", "runtime/tsconfig.build.json"], root);
	const dest = tempDir("profileservice-runtime-pack-");
	const [{ filename }] = JSON.parse(
		run("npm", ["pack", "--pack-destination", dest, "--json", "--ignore-scripts"], join(root, "runtime")),
	) as Array<{ filename: string }>;
	runtimeTarball = join(dest, filename);
	return runtimeTarball;
}

/** A new game made from the standard roblox-ts template (runtime/test/template), in `dir`. */
export function copyTemplate(dir: string) {
	cpSync(join(root, "runtime", "test", "template"), dir, { recursive: true });
	rmSync(join(dir, "README.md"));
	renameTemplateFiles(dir);
}

/**
 * Starts `rbxts-runtime test --watch` in the game, breaks test/first.spec.ts once the first run is over, and waits
 * (bounded) for the rerun of that file alone to report the failure.
 */
async function watchRerun(game: string, env: NodeJS.ProcessEnv) {
	const cli = join(game, "node_modules", "@rbxts-profile", "runtime", "dist", "GameCli.js");
	const watcher = spawn(process.execPath, [cli, "test", "--watch"], { cwd: game, env });
	let output = "";
	watcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
	watcher.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
	const waitFor = async (pattern: RegExp, seconds: number) => {
		const deadline = Date.now() + seconds * 1000;
		while (!pattern.test(output)) {
			assert.ok(Date.now() < deadline, `--watch: no ${pattern} within ${seconds} s:\n${output}`);
			await new Promise((done) => setTimeout(done, 200));
		}
	};
	try {
		await waitFor(/1 passed, 0 failed, 0 skipped\n+Watching for changes/, 120);
		const spec = join(game, "test", "first.spec.ts");
		writeFileSync(spec, readFileSync(spec, "utf8").replace("to.equal(10)", "to.equal(11)"));
		await waitFor(/Changed: test\/first\.spec\.ts[\s\S]*\n0 passed, 1 failed, 0 skipped\n+Watching/, 180);
		assert.match(output, /Expected value "11" \(number\), got "10"/);
	} finally {
		watcher.kill("SIGINT");
		await new Promise((done) => {
			const timer = setTimeout(() => watcher.kill("SIGKILL"), 5000);
			watcher.once("exit", () => done(clearTimeout(timer)));
		});
	}
}

/** The template keeps `.gitignore` as `gitignore` and its sources as `.txt`; a new game has the real names. */
function renameTemplateFiles(dir: string) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) renameTemplateFiles(path);
		else if (entry.name === "gitignore") moveFile(path, join(dir, ".gitignore"));
		else if (entry.name.endsWith(".ts.txt")) moveFile(path, path.slice(0, -".txt".length));
	}
}

function moveFile(from: string, to: string) {
	cpSync(from, to);
	rmSync(from);
}

/** Every file under `dir` with its hash, to prove a folder unchanged. */
function hashTree(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const file of listFiles(dir)) {
		out[file] = createHash("sha256")
			.update(readFileSync(join(dir, file)))
			.digest("hex");
	}
	return out;
}

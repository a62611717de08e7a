/**
 * Failures in TypeScript terms: a corpus of specs (runtime/test/linemap, kept as .ts.txt so that neither this
 * repository's build nor its linters read them) is compiled with roblox-ts and run; every failure must name the
 * TypeScript line marked `// <-` in the corpus. The corpus was written for this check, not tuned with the mapper:
 * multi-line expressions, nested describes, arrow functions, template strings, destructuring, classes, loops,
 * promises and imports from a game module.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { jestModuleOf } from "../host/JestDetection.js";
import { runSpecs } from "../host/SpecRun.js";
import { codeFrame } from "../host/TsLocations.js";
import { ROBLOX_TS_OPTIONS } from "./PackageTests.js";

const CORPUS = resolve("runtime/test/linemap");

/** The share of failures that must name the marked line. */
const REQUIRED_HIT_RATE = 0.95;

interface CorpusRun {
	dir: string;
	output: string;
	failures: string[];
}

let corpusRun: CorpusRun | undefined;

/** Compiles the corpus as a game (src/ and test/) with this repository's roblox-ts and runs its specs, once. */
async function runCorpus(): Promise<CorpusRun> {
	if (corpusRun !== undefined) return corpusRun;
	const dir = mkdtempSync(join(tmpdir(), "runtime-linemap-"));
	try {
		for (const folder of ["src", "test"]) {
			mkdirSync(join(dir, folder));
			for (const name of readdirSync(join(CORPUS, folder))) {
				cpSync(join(CORPUS, folder, name), join(dir, folder, name.replace(/\.txt$/, "")));
			}
		}
		symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "junction");
		writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "linemap", version: "1.0.0", private: true }));
		writeFileSync(
			join(dir, "tsconfig.json"),
			JSON.stringify({
				compilerOptions: {
					...ROBLOX_TS_OPTIONS,
					typeRoots: ["node_modules/@rbxts"],
					types: ["types", "compiler-types", "testez/globals"],
					rootDirs: ["src", "test"],
					outDir: "out",
				},
				include: ["src", "test"],
			}),
		);
		writeFileSync(
			join(dir, "default.project.json"),
			JSON.stringify({
				name: "linemap",
				tree: {
					$className: "DataModel",
					ReplicatedStorage: {
						$className: "ReplicatedStorage",
						rbxts_include: {
							$path: "include",
							node_modules: { $className: "Folder", "@rbxts": { $path: "node_modules/@rbxts" } },
						},
					},
					ServerScriptService: {
						$className: "ServerScriptService",
						Game: { $path: "out/src" },
						Specs: { $path: "out/test" },
					},
				},
			}),
		);
		const compiler = resolve("node_modules/roblox-ts/out/CLI/cli.js");
		try {
			execFileSync(process.execPath, [compiler, "-p", join(dir, "tsconfig.json"), "--type", "game"], {
				cwd: dir,
				encoding: "utf8",
				stdio: ["ignore", "pipe", "pipe"],
			});
		} catch (err) {
			const failed = err as { stdout?: string; stderr?: string };
			throw new Error(`the corpus does not compile:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
		}
		const texts: string[] = [];
		await runSpecs(
			{
				command: "test",
				project: join(dir, "default.project.json"),
				tsconfig: join(dir, "tsconfig.json"),
				specRoots: ["ServerScriptService/Specs"],
				jest: jestModuleOf(resolve(".")),
			},
			(text) => texts.push(text),
		);
		corpusRun = {
			dir,
			output: texts.join("\n"),
			failures: texts.filter((text) => /^\n?FAIL /.test(text)),
		};
		return corpusRun;
	} catch (err) {
		rmSync(dir, { recursive: true, force: true });
		throw err;
	}
}

/** Removes the compiled corpus. */
export function removeLineMapTemps() {
	if (corpusRun !== undefined) rmSync(corpusRun.dir, { recursive: true, force: true });
	corpusRun = undefined;
}

/**
 * Every `file:line` marked `// <-` in the corpus (the file named by its folder and name), with the number of
 * failures that name it (`// <- 2` when two tests fail there).
 */
function markedLines(): Map<string, number> {
	const marked = new Map<string, number>();
	for (const folder of ["src", "test"]) {
		for (const name of readdirSync(join(CORPUS, folder))) {
			const lines = readFileSync(join(CORPUS, folder, name), "utf8").split("\n");
			lines.forEach((line, i) => {
				const mark = /\/\/ <-(?: (\d+))?$/.exec(line);
				if (mark) marked.set(`${folder}/${name.replace(/\.txt$/, "")}:${i + 1}`, Number(mark[1] ?? 1));
			});
		}
	}
	return marked;
}

/** The first place a failure names: `<folder>/<file>.ts:<line>`, or its first line when it names none. */
function firstPlace(failure: string): string {
	const match = /(src|test)\/([\w.]+\.ts):(\d+)/.exec(failure);
	return match === null ? failure.trim().split("\n")[0] : `${match[1]}/${match[2]}:${match[3]}`;
}

export const lineMapTests: Array<[string, () => Promise<void> | void]> = [
	[
		`failures name the TypeScript line in at least ${REQUIRED_HIT_RATE * 100} % of a varied corpus of specs`,
		async () => {
			const { failures, output } = await runCorpus();
			const marked = markedLines();
			const expected = [...marked.values()].reduce((sum, n) => sum + n, 0);
			assert.equal(failures.length, expected, `one failure per mark expected:\n${output}`);
			const missed = failures.filter((failure) => !marked.has(firstPlace(failure)));
			const hitRate = (failures.length - missed.length) / failures.length;
			assert.ok(
				hitRate >= REQUIRED_HIT_RATE,
				`${(hitRate * 100).toFixed(1)} % of failures named the marked line; missed:\n${missed.join("\n")}`,
			);
		},
	],
	[
		"a failing expectation prints its spec's TypeScript file and line with a code frame, not the Luau module",
		async () => {
			const { failures, dir } = await runCorpus();
			const failure = failures.find((text) => text.includes("compares numbers"));
			assert.ok(failure);
			assert.match(failure, /\/test\/basics\.spec\.ts:4: Expected value "31" \(number\), got "30" \(number\)/);
			assert.ok(!failure.includes("ServerScriptService.Specs"), failure);
			const source = readFileSync(join(dir, "test", "basics.spec.ts"), "utf8");
			assert.ok(failure.includes(codeFrame(source, 4, "    ")), failure);
			assert.match(failure, /\n {4}> 4 \| {5}expect\(coins\)\.to\.equal\(31\); \/\/ <-\n/);
			// A multi-line expectation is named by the line its statement starts on.
			const multiline = failures.find((text) => text.includes("a chain spread over lines"));
			assert.match(multiline ?? "", /\/test\/multiline\.spec\.ts:20: Expected value "3"/);
		},
	],
	[
		"an error thrown in a game module names the module's TypeScript line, and its stack the spec's",
		async () => {
			const { failures } = await runCorpus();
			const failure = failures.find((text) => text.includes("an imported class that throws"));
			assert.ok(failure);
			assert.match(failure, /\/src\/Inventory\.ts:14: inventory full: Bow does not fit/);
			assert.match(
				failure,
				/\n {4}at [^\n]*\/src\/Inventory\.ts:14\)?\n {4}at [^\n]*\/test\/classes\.spec\.ts:49/,
			);
			// The test framework's and the engine's own frames are left out.
			assert.ok(!/testez|engine\//i.test(failure), failure);
		},
	],
	[
		"a game with @rbxts/jest runs its Jest specs beside its TestEZ specs, counted in the same closing line",
		async () => {
			const { failures, output } = await runCorpus();
			const diff = failures.find((text) => text.includes("an inventory, with Jest finds by name"));
			assert.ok(diff, output);
			assert.match(diff, /expect\(received\)\.toEqual\(expected\) -- deep equality/);
			assert.match(diff, /- {3}"price": 5,\n {2}\+ {3}"price": 4,/);
			assert.match(diff, /at [^\n]*\/test\/jest\.spec\.ts:18\n/);
			assert.ok(!diff.includes("\u001b[") && !diff.includes("@jsdotlua"), diff);
			// it.each runs each case; only the third fails.
			const each = failures.filter((text) => text.includes("nested doubles"));
			assert.deepEqual(
				each.map((text) => text.split("\n")[1]),
				["FAIL 30) an inventory, with Jest nested doubles 3"],
			);
			// TestEZ's passing tests and Jest's (adds up prices, doubles 1 and 2), and Jest's it.skip.
			assert.match(output, /\n5 passed, 49 failed, 1 skipped$/);
		},
	],
];

/**
 * The shipped `rbxts-runtime test` on a library laid out as public roblox-ts packages are (issue 27): specs next to
 * the code (`index.spec.ts`, `__tests__/`) and in `test/`, a Rojo project whose tree is the package itself, a
 * tsconfig that `extends` another with `declarationMap` and `paths`, Jest specs with mocks, fake timers and
 * snapshots, and `--coverage`. Nothing of the library is moved or edited for the runtime.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ROBLOX_TS_OPTIONS } from "./PackageTests.js";

type HostTest = [name: string, run: () => Promise<void> | void];

const root = resolve(".");
let built = false;

/** Runs the shipped command in `cwd` (built once per run). */
function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
	if (!built) {
		execFileSync("npx", ["tsc", "-p", "runtime/tsconfig.build.json"], { cwd: root, stdio: "ignore" });
		built = true;
	}
	const result = spawnSync(process.execPath, [join(root, "runtime/dist/GameCli.js"), "test", ...args], {
		cwd,
		encoding: "utf8",
		env: { ...process.env, CI: "", ...env },
	});
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const closing = (output: string) => output.trimEnd().split("\n").pop();

function write(dir: string, files: Record<string, string>) {
	for (const [path, text] of Object.entries(files)) {
		mkdirSync(dirname(join(dir, path)), { recursive: true });
		writeFileSync(join(dir, path), text);
	}
}

/** The library: this repository's node_modules stand in for the library's own installed packages. */
function library(dir: string) {
	symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "junction");
	write(dir, {
		"package.json": JSON.stringify({ name: "lib", version: "1.0.0", devDependencies: { "@rbxts/jest": "0.1.0" } }),
		"tsconfig.base.json": JSON.stringify({
			compilerOptions: {
				...ROBLOX_TS_OPTIONS,
				typeRoots: ["node_modules/@rbxts"],
				types: ["types", "compiler-types", "testez/globals"],
				rootDir: "src",
				outDir: "out",
				declaration: true,
				declarationMap: true,
				baseUrl: ".",
				paths: { "@src/*": ["src/*"] },
			},
		}),
		"tsconfig.json": JSON.stringify({ extends: "./tsconfig.base.json", include: ["src"] }),
		"default.project.json": JSON.stringify({ name: "lib", tree: { $path: "out" } }),
		"src/index.ts": 'export { add } from "./math";\nexport { later } from "./clock";\n',
		"src/math/index.ts": [
			"export function add(a: number, b: number) {",
			"\tif (a < 0) {",
			"\t\treturn b;",
			"\t}",
			"\treturn a + b;",
			"}",
			"",
			"export function unused() {",
			'\treturn "never called";',
			"}",
			"",
		].join("\n"),
		"src/math/index.spec.ts": [
			'import { add } from "@src/math";',
			"",
			"export = () => {",
			'\tit("adds", () => {',
			"\t\texpect(add(1, 2)).to.equal(3);",
			"\t});",
			'\tit("writes an Instance as null in JSON", () => {',
			'\t\tconst json = game.GetService("HttpService").JSONEncode([1, new Instance("Part")]);',
			'\t\texpect(json).to.equal("[1,null]");',
			"\t});",
			"};",
			"",
		].join("\n"),
		"src/clock.ts":
			"export function later(seconds: number, callback: () => void) {\n\ttask.delay(seconds, callback);\n}\n",
		"src/__tests__/clock.test.ts": [
			'import { describe, expect, it, jest } from "@rbxts/jest-globals";',
			'import { later } from "../clock";',
			"",
			"let ran = 0;",
			"",
			'describe("clock", () => {',
			'\tit("fires task.delay when fake timers advance", () => {',
			"\t\tran += 1;",
			"\t\tjest.useFakeTimers();",
			"\t\tconst callback = jest.fn();",
			"\t\tlater(5, callback);",
			"\t\tjest.advanceTimersByTime(4000);",
			"\t\texpect(callback).never.toHaveBeenCalled();",
			"\t\tjest.advanceTimersByTime(1000);",
			"\t\texpect(callback).toHaveBeenCalledTimes(1);",
			"\t\tjest.useRealTimers();",
			"\t});",
			'\tit("mocks a return value, in the same file run as the test before (mocks cleared between tests)", () => {',
			"\t\tran += 1;",
			'\t\tconst greet = jest.fn().mockReturnValue("hi");',
			'\t\texpect(greet("a")).toBe("hi");',
			'\t\texpect(greet).toHaveBeenCalledWith("a");',
			"\t\texpect(ran).toBe(2);",
			"\t});",
			'\tit("matches its snapshot", () => {',
			"\t\texpect({ seconds: 5, steps: [1, 2] }).toMatchSnapshot();",
			"\t});",
			"});",
			"",
		].join("\n"),
		"test/extra.spec.ts": [
			'import { add } from "@src/math";',
			"",
			"export = () => {",
			'\tit("sees the library from test/ too", () => {',
			"\t\texpect(add(2, 2)).to.equal(5);",
			"\t});",
			"};",
			"",
		].join("\n"),
	});
}

export const layoutTests: HostTest[] = [
	[
		"a library with specs in src/ and test/, its tsconfig extending one with declarationMap and paths, runs unchanged: TestEZ and Jest, mocks, fake timers, snapshots on disk, coverage",
		() => {
			const dir = mkdtempSync(join(tmpdir(), "rbxts-layout-"));
			try {
				library(dir);
				const first = cli([], dir);
				assert.doesNotMatch(first.output, /TS5069|Could not find Rojo data/, first.output);
				// test/extra.spec.ts fails on purpose: its failure names the TypeScript line.
				assert.match(
					first.output,
					/test\/extra\.spec\.ts:5: Expected value "5" \(number\), got "4"/,
					first.output,
				);
				assert.equal(closing(first.output), "5 passed, 1 failed, 0 skipped", first.output);
				assert.match(first.output, /Snapshots: 1 written/);
				const snapshot = join(dir, "src", "__tests__", "__snapshots__", "clock.test.snap.lua");
				assert.ok(existsSync(snapshot), "the snapshot is written next to the spec's TypeScript");
				assert.match(readFileSync(snapshot, "utf8"), /"seconds": 5/);

				// An index.spec.ts failure is named at its TypeScript line, with its folder's name as TestEZ gives it.
				const spec = join(dir, "src", "math", "index.spec.ts");
				writeFileSync(spec, readFileSync(spec, "utf8").replace("to.equal(3)", "to.equal(4)"));
				// The snapshot now exists: it is read back and matches; with CI set a missing one would fail.
				const second = cli([], dir);
				assert.match(
					second.output,
					/FAIL \d\) math adds\n {2}src\/math\/index\.spec\.ts:5: Expected value "4"/,
				);
				assert.match(second.output, /Snapshots: 1 passed/);

				// A changed value fails against the snapshot; -u rewrites it.
				const test = join(dir, "src", "__tests__", "clock.test.ts");
				writeFileSync(test, readFileSync(test, "utf8").replace("steps: [1, 2]", "steps: [1, 3]"));
				const changed = cli([], dir);
				assert.match(changed.output, /clock matches its snapshot\n {2}expect\(received\)\.toMatchSnapshot\(\)/);
				assert.match(changed.output, /Snapshots: 1 failed/);
				const updated = cli(["-u", "--no-build"], dir);
				assert.match(updated.output, /Snapshots: 1 updated/, updated.output);
				assert.match(readFileSync(snapshot, "utf8"), /3,/);

				// --coverage: the library's TypeScript (not its specs), lines and branches; a threshold above fails.
				const covered = cli(["--coverage", "--coverage-threshold", "95"], dir);
				assert.match(covered.output, /src\/math\/index\.ts +\| +\d+(\.\d+)? \| +50 \| 3, 9\n/, covered.output);
				assert.doesNotMatch(covered.output, /index\.spec\.ts +\|/);
				assert.match(covered.output, /Coverage of lines [\d.]+% is below --coverage-threshold 95%/);
				assert.equal(covered.status, 1);
				const lcov = readFileSync(join(dir, "coverage", "lcov.info"), "utf8");
				assert.match(lcov, /SF:src\/math\/index\.ts\n(BRDA:2,0,[01],[\d-]+\n){2}/);
				assert.ok(existsSync(join(dir, "coverage", "coverage-summary.json")));
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		},
	],
	[
		"with no spec file, the runner says what it looked for, Jest's testMatch of the game's jest.config included",
		() => {
			const dir = mkdtempSync(join(tmpdir(), "rbxts-nospecs-"));
			try {
				library(dir);
				rmSync(join(dir, "test"), { recursive: true });
				rmSync(join(dir, "src", "math", "index.spec.ts"));
				write(dir, { "src/__tests__/jest.config.ts": 'export = { testMatch: ["**/*.check"] };\n' });
				const run = cli(["--pass-with-no-tests"], dir);
				assert.match(
					run.output,
					/no spec files found: looked for modules named \*\.spec \(TestEZ: files \*\.spec\.ts\), and modules that import @rbxts\/jest-globals matching \*\*\/\*\.check/,
					run.output,
				);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		},
	],
];

/**
 * Host checks of the `rbxts-runtime` command line (the built runtime/dist/GameCli.js, as the package ships it), of
 * the tsconfig edit that keeps specs out of a game's build, of the watch mode and of the CI reporters.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatFailure, RunResults, type EngineEvent } from "../host/RunResults.js";
import { githubAnnotations } from "../host/reporters/GithubReporter.js";
import { jsonReport } from "../host/reporters/JsonReporter.js";
import { junitReport } from "../host/reporters/JunitReporter.js";
import { keepSpecsOutOfBuild } from "../host/SpecsOutOfBuild.js";
import { affectedSpecs, watchSpecs } from "../host/WatchSpecs.js";

type HostTest = [name: string, run: () => Promise<void> | void];

const root = resolve(".");
let built = false;

/** Runs the shipped command in `cwd`, building it once per run. */
function cli(args: string[], cwd: string) {
	if (!built) {
		execFileSync("npx", ["tsc", "-p", "runtime/tsconfig.build.json"], { cwd: root, stdio: "ignore" });
		built = true;
	}
	const result = spawnSync(process.execPath, [join(root, "runtime/dist/GameCli.js"), ...args], {
		cwd,
		encoding: "utf8",
	});
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withTempDir<T>(prefix: string, body: (dir: string) => T): T {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	try {
		return body(dir);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** A game with just enough for `test` to get past its checks: a tsconfig, a Rojo project and a specs folder. */
function bareGame(dir: string) {
	mkdirSync(join(dir, "src"));
	mkdirSync(join(dir, "test"));
	writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { rootDir: "src", outDir: "out" } }));
	writeFileSync(join(dir, "default.project.json"), JSON.stringify({ name: "g", tree: { $className: "DataModel" } }));
}

const results = (events: EngineEvent[]) => {
	const run = new RunResults();
	events.forEach((event) => run.add(event));
	return run;
};

const SAMPLE: EngineEvent[] = [
	{ type: "start", files: ["ServerScriptService/__Specs/shop.spec"] },
	{ type: "fileStart", file: "ServerScriptService/__Specs/shop.spec" },
	{
		type: "test",
		file: "ServerScriptService/__Specs/shop.spec",
		name: "shop sells <swords> & shields",
		status: "failed",
		errors: ['ServerScriptService.__Specs.shop.spec:3: Expected "1", got "2"\nstack'],
		virtualSeconds: 12.5,
		realMs: 40,
		scriptErrors: [],
	},
	{
		type: "test",
		file: "ServerScriptService/__Specs/shop.spec",
		name: "shop opens",
		status: "passed",
		errors: [],
		virtualSeconds: 0,
		realMs: 5,
	},
	{ type: "test", file: "ServerScriptService/__Specs/shop.spec", name: "shop later", status: "skipped", errors: [] },
];

export const cliTests: HostTest[] = [
	[
		"the harness typings pass tsc without skipLibCheck (no TS2309)",
		() =>
			withTempDir("rbxts-typings-", (dir) => {
				writeFileSync(
					join(dir, "tsconfig.json"),
					JSON.stringify({
						compilerOptions: {
							noLib: true,
							strict: true,
							noEmit: true,
							skipLibCheck: false,
							module: "commonjs",
							moduleResolution: "node",
							typeRoots: [join(root, "node_modules/@rbxts")],
							types: ["types", "compiler-types"],
						},
						files: [join(root, "runtime/harness/index.d.ts")],
					}),
				);
				const result = spawnSync("npx", ["tsc", "-p", join(dir, "tsconfig.json")], {
					cwd: root,
					encoding: "utf8",
				});
				// @rbxts/types has errors of its own without skipLibCheck: only the harness's count here.
				const ours = result.stdout.split("\n").filter((line) => line.includes("harness/index.d.ts"));
				assert.deepEqual(ours, []);
			}),
	],
	[
		"rbxts-runtime refuses unknown flags and bad values with the usage and exit 2, and runs nothing",
		() =>
			withTempDir("rbxts-cli-", (dir) => {
				const refused: Array<[string[], RegExp]> = [
					[["test", "--wtch"], /Unknown option '--wtch'\. Did you mean --watch\?/],
					[["test", "--json"], /Unknown option '--json'/],
					[["test", "--covrage"], /Unknown option '--covrage'. Did you mean --coverage\?/],
					[["test", "--verbose=1"], /Option '--verbose' does not take an argument/],
					[["test", "--seed", "abc"], /--seed must be an integer, got "abc"/],
					[["test", "--time-limit", "-5"], /Option '--time-limit' argument is ambiguous/],
					[["test", "--time-limit=-5"], /--time-limit must be a positive number of seconds, got "-5"/],
					[["test", "--timeout", "0"], /--timeout must be a positive number of seconds, got "0"/],
					[["test", "--reporter", "xml"], /--reporter must be one of default, json, junit, github/],
					[["test", "--output-file", "x.json"], /--output-file needs --reporter json or junit/],
					[["test", "--filter"], /Option '--filter <value>' argument missing/],
					[["test", "stray"], /Unexpected argument 'stray'/],
					[["init", "--verbose"], /Unknown option '--verbose'/],
					[["tset"], /unknown command "tset"/],
					[[], /missing command/],
				];
				for (const [args, message] of refused) {
					const result = cli(args, dir);
					assert.equal(result.status, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
					assert.match(result.stderr, message, args.join(" "));
					assert.match(result.stderr, /\nUsage: rbxts-runtime/, args.join(" "));
					assert.equal(result.stdout, "", args.join(" "));
				}
			}),
	],
	[
		"rbxts-runtime --help, -h, test --help, init --help and --version print and exit 0",
		() =>
			withTempDir("rbxts-cli-", (dir) => {
				const top = cli(["--help"], dir);
				assert.equal(top.status, 0);
				assert.match(top.stdout, /^Usage: rbxts-runtime <command> \[options\]/);
				assert.equal(cli(["-h"], dir).stdout, top.stdout);
				const test = cli(["test", "--help"], dir);
				assert.equal(test.status, 0);
				assert.match(test.stdout, /--pass-with-no-tests/);
				assert.match(test.stdout, /--arg <text> +Text the specs read with Runtime\.argument\(\)/);
				assert.match(cli(["init", "-h"], dir).stdout, /^Usage: rbxts-runtime init/);
				const version = cli(["--version"], dir);
				assert.equal(version.status, 0);
				assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
			}),
	],
	[
		"an unknown or mistyped key in rbxts-runtime.json is an error with the usage",
		() =>
			withTempDir("rbxts-cli-", (dir) => {
				bareGame(dir);
				writeFileSync(join(dir, "rbxts-runtime.json"), JSON.stringify({ spec: "test" }));
				const unknown = cli(["test"], dir);
				assert.equal(unknown.status, 2);
				assert.match(
					unknown.stderr,
					/rbxts-runtime\.json: unknown key "spec" \(known keys: project, tsconfig, specs, timeout\)/,
				);
				writeFileSync(join(dir, "rbxts-runtime.json"), JSON.stringify({ timeout: "10" }));
				assert.match(cli(["test"], dir).stderr, /rbxts-runtime\.json: "timeout" must be a number/);
			}),
	],
	[
		"--no-build says when there is no build, and when the build is older than the sources",
		() =>
			withTempDir("rbxts-cli-", (dir) => {
				bareGame(dir);
				const none = cli(["test", "--no-build"], dir);
				assert.equal(none.status, 1);
				assert.match(none.stderr, /--no-build: there is no build yet in \.rbxts-runtime\//);
				mkdirSync(join(dir, ".rbxts-runtime", "out"), { recursive: true });
				const buildInfo = join(dir, ".rbxts-runtime", "out", "tsconfig.tsbuildinfo");
				writeFileSync(buildInfo, "{}");
				utimesSync(buildInfo, new Date(2020, 0, 1), new Date(2020, 0, 1));
				writeFileSync(join(dir, "test", "a.spec.ts"), "export = () => {};\n");
				const stale = cli(["test", "--no-build"], dir);
				assert.match(
					stale.stderr,
					/--no-build runs the build in \.rbxts-runtime\/, which is older than test\/a\.spec\.ts; drop --no-build to rebuild/,
				);
			}),
	],
	[
		"init's tsconfig edit keeps the specs out of a template game's build and of a game whose include takes them in",
		() => {
			const template = '{\n\t"compilerOptions": {\n\t\t// configurable\n\t\t"rootDir": "src"\n\t}\n}\n';
			const edited = keepSpecsOutOfBuild(template, { compilerOptions: {} }, "src", "test");
			assert.equal(
				edited,
				'{\n\t"compilerOptions": {\n\t\t// configurable\n\t\t"rootDir": "src"\n\t},\n\t"include": ["src"]\n}\n',
			);
			const wide = '{ "compilerOptions": {}, "include": ["**/*"] }';
			assert.equal(
				keepSpecsOutOfBuild(wide, { include: ["**/*"] }, "src", "test"),
				'{ "compilerOptions": {}, "include": ["**/*"],\n\t"exclude": ["test"]\n}',
			);
			const withExclude = '{ "include": ["src", "test"], "exclude": ["out"] }';
			assert.equal(
				keepSpecsOutOfBuild(withExclude, { include: ["src", "test"], exclude: ["out"] }, "src", "test"),
				'{ "include": ["src", "test"], "exclude": ["test", "out"] }',
			);
			assert.equal(keepSpecsOutOfBuild('{ "include": ["src"] }', { include: ["src"] }, "src", "test"), undefined);
		},
	],
	[
		"the json, junit and github reporters carry every test with its status, errors and virtual and real time",
		() => {
			const run = results(SAMPLE);
			const json = JSON.parse(jsonReport(run, false)) as {
				numFailedTests: number;
				files: Array<{
					tests: Array<{ name: string; status: string; virtualSeconds: number; realMs: number }>;
				}>;
			};
			assert.equal(json.numFailedTests, 1);
			assert.deepEqual(
				json.files[0].tests.map((test) => [test.status, test.virtualSeconds, test.realMs]),
				[
					["failed", 12.5, 40],
					["passed", 0, 5],
					["skipped", undefined, undefined],
				],
			);
			const junit = junitReport(run);
			assert.match(junit, /<testsuite name="ServerScriptService\/__Specs\/shop\.spec" tests="3" failures="1"/);
			assert.match(junit, /<testcase name="shop sells &lt;swords&gt; &amp; shields" [^>]*time="0\.040">/);
			assert.match(junit, /<property name="virtualSeconds" value="12\.5"\/>/);
			assert.match(junit, /<failure message="ServerScriptService\.__Specs\.shop\.spec:3: Expected &quot;1&quot;/);
			assert.match(junit, /<skipped\/>/);
			const github = githubAnnotations(run, () => ({ file: "test/shop.spec.ts", line: 3 }));
			assert.ok(
				github.startsWith("::error file=test/shop.spec.ts,line=3,title=shop sells <swords> & shields::shop s"),
				github,
			);
			assert.equal(github.trimEnd().split("\n").length, 1, "one line per failure: newlines are escaped");
		},
	],
	[
		"a failure mapped to TypeScript prints its code frame under the line naming it, and every reporter carries it",
		() => {
			const mapped: EngineEvent[] = [
				SAMPLE[0],
				SAMPLE[1],
				{
					...(SAMPLE[2] as EngineEvent & { type: "test" }),
					errors: ['test/shop.spec.ts:4: Expected "1", got "2"\n  at test/shop.spec.ts:4'],
					location: { file: "test/shop.spec.ts", line: 4 },
					codeFrame: "  3 | it(() => {\n> 4 |   expect(a).to.equal(1);\n  5 | });",
				},
			];
			const run = results(mapped);
			const [failure] = run.failures();
			assert.equal(
				formatFailure(failure),
				[
					"shop sells <swords> & shields",
					'  test/shop.spec.ts:4: Expected "1", got "2"',
					"",
					"      3 | it(() => {",
					"    > 4 |   expect(a).to.equal(1);",
					"      5 | });",
					"",
					"    at test/shop.spec.ts:4",
				].join("\n"),
			);
			// The mapped place wins over the spec module's path the caller offers.
			const github = githubAnnotations(run, () => ({ file: "ServerScriptService/__Specs/shop.spec" }));
			assert.ok(github.startsWith("::error file=test/shop.spec.ts,line=4,title="), github);
			assert.match(junitReport(run), /<testcase name="shop sells [^>]* file="test\/shop\.spec\.ts" line="4">/);
			const json = JSON.parse(jsonReport(run, false)) as {
				files: Array<{ tests: Array<{ location?: { file: string; line: number } }> }>;
			};
			assert.deepEqual(json.files[0].tests[0].location, { file: "test/shop.spec.ts", line: 4 });
		},
	],
	[
		"--watch reruns the spec a change affects: the changed spec alone, or the specs that import a changed source",
		async () => {
			const dir = mkdtempSync(join(tmpdir(), "rbxts-watch-"));
			const controller = new AbortController();
			let watching: Promise<void> | undefined;
			try {
				mkdirSync(join(dir, "src"));
				mkdirSync(join(dir, "test"));
				writeFileSync(join(dir, "src", "Shop.ts"), "export const price = 1;\n");
				writeFileSync(join(dir, "test", "shop.spec.ts"), 'import { price } from "../src/Shop";\n');
				writeFileSync(join(dir, "test", "other.spec.ts"), "export = () => {};\n");
				assert.deepEqual(affectedSpecs([join(dir, "src"), join(dir, "test")], [join(dir, "src", "Shop.ts")]), [
					join(dir, "test", "shop.spec.ts"),
				]);
				const runs: Array<string[] | undefined> = [];
				let rebuilds = 0;
				const lines: string[] = [];
				watching = watchSpecs({
					watched: [join(dir, "src"), join(dir, "test")],
					specsDir: join(dir, "test"),
					rebuild: () => ++rebuilds > 0,
					run: async (specs) => {
						runs.push(specs);
					},
					specPath: (file) => file.slice(dir.length + 1),
					write: (text) => lines.push(text),
					signal: controller.signal,
					settleMs: 50,
				});
				const waitFor = async (count: number) => {
					const deadline = Date.now() + 10_000;
					while (runs.length < count) {
						assert.ok(Date.now() < deadline, `no rerun within 10 s: ${lines.join("\n")}`);
						await new Promise((done) => setTimeout(done, 25));
					}
				};
				await waitFor(1);
				assert.deepEqual(runs[0], undefined, "the first run takes every spec");
				// The watchers start once the first run is over: a short pause before the first edit.
				await new Promise((done) => setTimeout(done, 100));
				writeFileSync(join(dir, "src", "Shop.ts"), "export const price = 2;\n");
				await waitFor(2);
				assert.deepEqual(runs[1], [join("test", "shop.spec.ts")]);
				writeFileSync(join(dir, "test", "other.spec.ts"), "export = () => { };\n");
				await waitFor(3);
				assert.deepEqual(runs[2], [join("test", "other.spec.ts")]);
				assert.equal(rebuilds, 2);
			} finally {
				controller.abort();
				await watching;
				rmSync(dir, { recursive: true, force: true });
			}
		},
	],
];

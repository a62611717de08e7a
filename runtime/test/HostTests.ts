/**
 * Node-side checks of the runtime itself: the heap patch, and how the runner reports specs that hang, deadlock,
 * fail to load or fail. They run before the Luau specs and their counts join the closing line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runFixture } from "./Fixture.js";
import { JEST_MODULE } from "../host/JestDetection.js";
import { findCycles, importGraph } from "../host/ImportCycles.js";
import { patchGlue, removeMemoryMaximum } from "../host/LuauVm.js";
import { packageTests, removePackageTemps } from "./PackageTests.js";
import { benchTests } from "./BenchTests.js";
import { cliTests } from "./CliTests.js";
import { simTests } from "./SimTests.js";
import { gameTests } from "./GameTests.js";
import { readmeWithList } from "../host/EmulatedList.js";
import { lineMapTests, removeLineMapTemps } from "./LineMapTests.js";
import { rbxmTests } from "./RbxmTests.js";
import { layoutTests } from "./LayoutTests.js";
import { adminTests } from "../../admin/test/AdminTests.js";
import { bridgeTests } from "./BridgeTests.js";

type HostTest = [name: string, run: () => Promise<void> | void];

function closingLine(output: string): string {
	const lines = output.split("\n");
	return lines[lines.length - 1];
}

export const hostTests: HostTest[] = [
	[
		"runtime/README.md lists what the engine emulates now (tsx runtime/host/EmulatedList.ts rewrites it)",
		async () => {
			const { current, wanted } = await readmeWithList();
			assert.equal(current, wanted, "run tsx runtime/host/EmulatedList.ts");
		},
	],
	[
		"removeMemoryMaximum lifts the maximum of a wasm memory and keeps its initial size",
		() => {
			// (module (memory 2 5)): magic, version, memory section with one memory, flags 1, min 2, max 5.
			const wasm = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 1, 2, 5]);
			const { wasm: out, changed } = removeMemoryMaximum(wasm);
			assert.equal(changed, 1);
			assert.deepEqual([...out], [0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 2]);
			assert.ok(new WebAssembly.Module(out));
		},
	],
	[
		"patchGlue rewrites the installed luau-web glue, and refuses a glue it does not recognise",
		() => {
			const require = createRequire(import.meta.url);
			const glue = readFileSync(
				join(dirname(require.resolve("luau-web")), "lib", "Luau.Web.Asyncify.js"),
				"utf8",
			);
			const patched = patchGlue(glue);
			assert.ok(patched.includes("wasmMemory.grow("));
			assert.ok(!patched.includes("abortOnCannotGrowMemory(requestedSize)};"));
			assert.throws(() => patchGlue("function findWasmBinary(){}"), /could not find the embedded wasm/);
		},
	],
	[
		"a spec that passes its virtual-time limit fails, listing the threads still waiting and where",
		async () => {
			const { code, output } = await runFixture(
				{ Hangs: `return function() it("waits for ever", function() task.wait(1e6) end) end` },
				120,
			);
			assert.equal(code, 1);
			assert.match(output, /virtual-time limit reached after 120\.0 virtual seconds/);
			assert.match(output, /\[TestHost\] waiting on task\.wait\(1000000\) at .*Specs\.Hangs\.spec:1/);
			assert.equal(closingLine(output), "0 passed, 1 failed, 0 skipped");
		},
	],
	[
		"a spec whose threads all block is reported as a deadlock",
		async () => {
			const { code, output } = await runFixture({
				Blocks: `return function() it("blocks", function() Instance.new("BindableEvent").Event:Wait() end) end`,
			});
			assert.equal(code, 1);
			assert.match(output, /every thread is blocked \(deadlock\)/);
			assert.match(output, /waiting on .*Event:Wait\(\)/);
		},
	],
	[
		"a spec that fails to load, and a failing test, make the run fail with their messages",
		async () => {
			const { code, output } = await runFixture({
				Broken: `return function( end`,
				Fails: `return function() it("is wrong", function() expect(1).to.equal(2) end) it("is right", function() end) end`,
			});
			assert.equal(code, 1);
			assert.match(output, /Failed to load module ServerScriptService\.Specs\.Broken\.spec/);
			assert.match(output, /Fails is wrong\n {2}.*Expected value "2" \(number\), got "1" \(number\) instead/);
			assert.equal(closingLine(output), "1 passed, 2 failed, 0 skipped");
		},
	],
	[
		"the import-cycle check finds a type-only cycle, and src/ has none",
		() => {
			const dir = mkdtempSync(join(tmpdir(), "cycles-"));
			try {
				writeFileSync(join(dir, "A.ts"), `import type { B } from "./B";\nexport type A = B;\n`);
				writeFileSync(join(dir, "B.ts"), `export { helper } from "./C";\nexport type B = number;\n`);
				writeFileSync(join(dir, "C.ts"), `import type { A } from "./A";\nexport const helper = (a: A) => a;\n`);
				const cycles = findCycles(importGraph(dir));
				assert.equal(cycles.length, 1);
				assert.deepEqual(
					cycles[0].map((file) => file.slice(dir.length + 1)),
					["A.ts", "B.ts", "C.ts", "A.ts"],
				);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
			assert.deepEqual(findCycles(importGraph("src")), []);
		},
	],
	[
		"the watchdog stops a test that never yields, names its file, test and the line it was stuck on, and the run goes on",
		async () => {
			const started = Date.now();
			const { code, output, results } = await runFixture(
				{
					Hangs: [
						"return function()",
						'\tit("spins", function()',
						"\t\tlocal n = 0",
						"\t\tRuntimeHarness.current():call(function() while true do n += 1 pcall(function() end) end end)",
						"\tend)",
						'\tit("runs after the stuck one", function() end)',
						"end",
					].join("\n"),
					Later: `return function() it("still runs", function() end) end`,
				},
				60,
				{ timeout: 1 },
			);
			assert.ok(Date.now() - started < 30_000, "the watchdog stopped the loop within its limit");
			assert.equal(code, 1);
			assert.match(output, /Hangs spins\n {2}stopped by the watchdog after 1 s of real time \(--timeout\)/);
			assert.match(output, /stuck at:\n.*Specs\.Hangs\.spec:4/);
			assert.deepEqual(
				results.tests.map((test) => `${test.name}: ${test.status}`),
				["Hangs spins: failed", "Hangs runs after the stuck one: passed", "Later still runs: passed"],
			);
			assert.equal(closingLine(output), "2 passed, 1 failed, 0 skipped");
		},
	],
	[
		"every test of a file is counted after a deadlock or an error, and the ones after it still run",
		async () => {
			const { output, results } = await runFixture({
				Mixed: [
					"return function()",
					'\tit("one", function() end)',
					'\tit("blocks", function() Instance.new("BindableEvent").Event:Wait() end)',
					'\tit("two", function() end)',
					'\tit("throws", function() error("boom") end)',
					'\tit("three", function() end)',
					'\tdescribe("inner", function() it("four", function() end) it("five", function() end) end)',
					"end",
				].join("\n"),
			});
			assert.equal(results.tests.length, 7);
			assert.match(output, /Mixed blocks\n {2}the test did not finish: every thread is blocked \(deadlock\)/);
			assert.equal(closingLine(output), "5 passed, 2 failed, 0 skipped");
		},
	],
	[
		"each test gets a fresh world: DataStore faults, contents, clock and servers never reach the next test",
		async () => {
			const { output } = await runFixture({
				Isolation: [
					"return function()",
					'\tlocal store = function() return game:GetService("DataStoreService"):GetDataStore("S") end',
					'\tit("sets faults, data and time", function()',
					"\t\tRuntimeHarness.configureDataStore({ latency = 0 })",
					'\t\tstore():SetAsync("k", 1)',
					"\t\tRuntimeHarness.configureDataStore({ errorRate = 1 })",
					'\t\tRuntimeHarness.startServer({ name = "Extra" })',
					"\t\tRuntimeHarness.wait(10)",
					"\tend)",
					'\tit("sees none of it", function()',
					"\t\texpect(RuntimeHarness.now() < 1).to.equal(true)",
					"\t\texpect(#RuntimeHarness.servers()).to.equal(1)",
					'\t\texpect(store():GetAsync("k")).to.equal(nil)',
					"\tend)",
					"end",
				].join("\n"),
			});
			assert.equal(closingLine(output), "2 passed, 0 failed, 0 skipped", output);
		},
	],
	[
		"each Jest test gets a fresh world too: its file is loaded anew, and DataStore contents and servers do not carry over",
		async () => {
			const { output, results } = await runFixture(
				{
					Isolation: [
						'local rbxts = game:GetService("ReplicatedStorage").rbxts_include.node_modules["@rbxts"]',
						'local JestGlobals = require(rbxts["jest-globals"].src)',
						"local describe, it, expect = JestGlobals.describe, JestGlobals.it, JestGlobals.expect",
						'local store = function() return game:GetService("DataStoreService"):GetDataStore("S") end',
						"local count = 0",
						'describe("jest", function()',
						'	it("sets data and a server", function()',
						"		count += 1",
						'		store():SetAsync("k", 1)',
						'		RuntimeHarness.startServer({ name = "Extra" })',
						"		expect(count).toBe(1)",
						"	end)",
						'	it("sees none of it", function()',
						"		count += 1",
						"		expect(count).toBe(1)",
						"		expect(#RuntimeHarness.servers()).toBe(1)",
						'		expect(store():GetAsync("k")).toBe(nil)',
						"	end)",
						'	it.skip("is skipped", function() end)',
						"end)",
						"",
					].join("\n"),
				},
				60,
				{ jest: JEST_MODULE },
			);
			assert.equal(closingLine(output), "2 passed, 0 failed, 1 skipped", output);
			assert.deepEqual(
				results.tests.map((test) => [test.name, test.status]),
				[
					["jest sets data and a server", "passed"],
					["jest sees none of it", "passed"],
					["jest is skipped", "skipped"],
				],
			);
		},
	],
	[
		"an error in a game script appears next to the test it broke, without --verbose",
		async () => {
			const { output } = await runFixture({
				"Boot.server.lua": `error("no RemoteEvent today")`,
				Broken: `return function() it("needs the script", function() expect(workspace:FindFirstChild("Made")).to.be.ok() end) end`,
			});
			assert.match(
				output,
				/Errors in the game's scripts during this test:\n {4}\[TestHost at 0\.000 s\] ServerScriptService\.Specs\.Boot:1: no RemoteEvent today/,
			);
		},
	],
	[
		"a --filter that matches no test fails the run unless --pass-with-no-tests",
		async () => {
			const specs = { Passes: `return function() it("works", function() end) end` };
			const none = await runFixture(specs, 60, { filter: "nosuchthing" });
			assert.equal(none.code, 1);
			assert.match(none.output, /No tests matched --filter "nosuchthing" \(1 left out\)/);
			assert.equal(closingLine(none.output), "0 passed, 0 failed, 1 skipped");
			const allowed = await runFixture(specs, 60, { filter: "nosuchthing", passWithNoTests: true });
			assert.equal(allowed.code, 0);
		},
	],
	[
		"--verbose counts a file's tests by outcome, with each test's virtual and real time",
		async () => {
			const { output } = await runFixture(
				{
					Two: `return function() it("fails", function() RuntimeHarness.wait(2) expect(1).to.equal(2) end) it("passes", function() end) end`,
				},
				60,
				{ verbose: true },
			);
			assert.match(output, / {2}FAIL Two fails \(2 s virtual, \d+ ms\)/);
			assert.match(output, /FAIL ServerScriptService\/Specs\/Two\.spec: 1 passed, 1 failed/);
			assert.doesNotMatch(output, /2 tests FAIL/);
		},
	],
	[
		"a passing run exits 0 with its closing line alone on the last line",
		async () => {
			const { code, output } = await runFixture({ Passes: `return function() it("works", function() end) end` });
			assert.equal(code, 0);
			assert.equal(closingLine(output), "1 passed, 0 failed, 0 skipped");
		},
	],
];

/** Runs the host tests; prints each failure and returns the counts. */
export async function runHostTests(filter: string | undefined, write: (text: string) => void) {
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	try {
		for (const [name, run] of [
			...hostTests,
			...cliTests,
			...layoutTests,
			...lineMapTests,
			...rbxmTests,
			...packageTests,
			...gameTests,
			...simTests,
			...benchTests,
			...bridgeTests,
			...adminTests,
		]) {
			if (filter !== undefined && !name.includes(filter) && !"HostTests".includes(filter)) {
				skipped++;
				continue;
			}
			try {
				await run();
				passed++;
			} catch (err) {
				failed++;
				write(`\nFAIL host) ${name}\n  ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
			}
		}
	} finally {
		removePackageTemps();
		removeLineMapTemps();
	}
	return { passed, failed, skipped };
}

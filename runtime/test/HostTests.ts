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
import { findCycles, importGraph } from "../host/ImportCycles.js";
import { patchGlue, removeMemoryMaximum } from "../host/LuauVm.js";
import { packageTests, removePackageTemps } from "./PackageTests.js";
import { benchTests } from "./BenchTests.js";
import { simTests } from "./SimTests.js";
import { lineMapTests, removeLineMapTemps } from "./LineMapTests.js";
import { rbxmTests } from "./RbxmTests.js";

type HostTest = [name: string, run: () => Promise<void> | void];

function closingLine(output: string): string {
	const lines = output.split("\n");
	return lines[lines.length - 1];
}

export const hostTests: HostTest[] = [
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
			...lineMapTests,
			...rbxmTests,
			...packageTests,
			...simTests,
			...benchTests,
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

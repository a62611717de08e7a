/**
 * Model files in the Rojo tree: `@rbxts/jest` (a devDependency here for that reason) ships jest-lua as a binary
 * `.rbxm` and depends on React shipped as an XML `.rbxmx`; both must mount as Rojo mounts them.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { runFixture } from "./Fixture.js";
import { lz4Block, readModel, type ModelInstance } from "../host/Rbxm.js";

const rbxtsDir = resolve("node_modules/@rbxts");

function count(roots: ModelInstance[], className: string): number {
	return roots.reduce(
		(sum, node) => sum + (node.className === className ? 1 : 0) + count(node.children, className),
		0,
	);
}

function find(node: ModelInstance, path: string[]): ModelInstance | undefined {
	if (path.length === 0) return node;
	const child = node.children.find((c) => c.name === path[0]);
	return child === undefined ? undefined : find(child, path.slice(1));
}

export const rbxmTests: Array<[string, () => Promise<void> | void]> = [
	[
		"an LZ4 block decompresses, overlapping matches included, and a block that refers before its start is refused",
		() => {
			// Token 0x34: 3 literals "abc", then a match of 4+4 bytes at offset 3 (overlapping), then 0 literals.
			const block = Uint8Array.from([0x34, 97, 98, 99, 3, 0, 0x10, 100]);
			assert.equal(Buffer.from(lz4Block(block, 12)).toString(), "abcabcabcabd");
			assert.throws(() => lz4Block(Uint8Array.from([0x10, 97, 5, 0]), 5), /refers before its start/);
		},
	],
	[
		"the binary jest-lua.rbxm and the XML react-lua.rbxmx read into their instances with their sources",
		() => {
			const jest = readModel(join(rbxtsDir, "jest-vendor", "jest-lua.rbxm"));
			assert.equal(jest.length, 1);
			assert.equal(jest[0].name, "JestLua");
			assert.equal(count(jest, "ModuleScript"), 396);
			assert.equal(count(jest, "Folder") + count(jest, "ModuleScript") + count(jest, "StringValue"), 489);
			const jestModule = find(jest[0], ["Jest"]);
			assert.equal(jestModule?.className, "ModuleScript");
			assert.match(jestModule.properties.Source, /WaitForChild\("@jsdotlua"\)|@jsdotlua/);
			const react = readModel(join(rbxtsDir, "react-vendor", "react-lua.rbxmx"));
			assert.equal(react.length, 1);
			assert.equal(react[0].name, "ReactLua");
			assert.equal(count(react, "ModuleScript"), 336);
			assert.match(find(react[0], ["React"])?.properties.Source ?? "", /return/);
		},
	],
	[
		"installing @rbxts/jest mounts its models under the names of their Rojo projects, and TestEZ specs still run",
		async () => {
			const { code, output } = await runFixture({
				Model: `
				return function()
					it("finds the models", function()
						local rbxts = game:GetService("ReplicatedStorage").rbxts_include.node_modules["@rbxts"]
						expect(rbxts.JestLua.ClassName).to.equal("Folder")
						expect(rbxts.JestLua.Jest.ClassName).to.equal("ModuleScript")
						expect(string.find(rbxts.JestLua.Jest.Source, "@jsdotlua", 1, true) ~= nil).to.equal(true)
						expect(rbxts.ReactLua.React.ClassName).to.equal("ModuleScript")
					end)
				end`,
			});
			assert.equal(code, 0, output);
			assert.match(output, /1 passed, 0 failed, 0 skipped$/);
		},
	],
];

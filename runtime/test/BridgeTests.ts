/**
 * Host checks of the engine's host bridge (`Runtime.bridge` answered by runEngine's `bridge` option), of the `run`
 * command's epoch, and of the DataStore inspector's raw reads and writes that the admin tool's Open Cloud stand-in
 * serves (admin/test/OpenCloudStandIn.ts).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEngine } from "../host/Launcher.js";

type HostTest = [name: string, run: () => Promise<void> | void];

/** Runs `driver` (Luau returning a function) as a `run` script; returns its exit code and output. */
async function runDriver(driver: string, bridge?: (message: string) => Promise<string>, epoch?: number) {
	const dir = mkdtempSync(join(tmpdir(), "runtime-bridge-"));
	try {
		mkdirSync(join(dir, "scripts"));
		writeFileSync(join(dir, "scripts", "Driver.lua"), driver);
		const project = {
			name: "bridge",
			tree: {
				$className: "DataModel",
				ServerScriptService: { $className: "ServerScriptService", Scripts: { $path: "scripts" } },
			},
		};
		writeFileSync(join(dir, "default.project.json"), JSON.stringify(project));
		const lines: string[] = [];
		const code = await runEngine(
			{
				command: "run",
				project: join(dir, "default.project.json"),
				script: "ServerScriptService/Scripts/Driver",
				bridge,
				epoch,
			},
			(line) => lines.push(line),
		);
		return { code, output: lines.join("\n") };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const DRIVER = `
return function()
	local store = RuntimeHarness.store()
	local answer = "ready " .. RuntimeHarness.unixMillis()
	while true do
		local command = RuntimeHarness.bridge(answer)
		if command == "stop" then return end
		local before = RuntimeHarness.now()
		if command == "wait" then
			RuntimeHarness.wait(5)
		elseif command == "write" then
			store.setRaw("S", nil, "k", '{"Coins":1}', { 7 }, { source = "bridge" })
		elseif command == "remove" then
			store.remove("S", nil, "k")
		elseif command == "bad" then
			local ok, err = pcall(store.setRaw, "S", nil, "k", "{not json")
			answer = tostring(err)
			continue
		end
		local history = store.rawHistory("S", nil, "k")
		local latest = history[#history]
		answer = string.format("%s %s %s %s", before, RuntimeHarness.now(), #history, latest and tostring(latest.json) or "-")
	end
end
`;

export const bridgeTests: HostTest[] = [
	[
		"Runtime.bridge: the host answers each message while the world stands still; run takes an epoch; raw DataStore writes and removals",
		async () => {
			const commands = ["write", "wait", "remove", "bad", "stop"];
			const seen: string[] = [];
			const { code, output } = await runDriver(
				DRIVER,
				async (message) => {
					seen.push(message);
					// Real time passes here; virtual time must not.
					await new Promise((done) => setTimeout(done, 5));
					return commands.shift()!;
				},
				1_700_000_000,
			);
			assert.equal(code, 0, output);
			assert.deepEqual(seen.slice(0, 4), [
				"ready 1700000000000",
				'0 0 1 {"Coins":1}',
				'0 5 1 {"Coins":1}',
				"5 5 2 nil",
			]);
			assert.match(seen[4], /store\(\)\.setRaw\(\): json must be a JSON text/);
		},
	],
	[
		"Runtime.bridge errors with its reason in a run without a bridge",
		async () => {
			const { code, output } = await runDriver(`return function() RuntimeHarness.bridge("hello") end`);
			assert.equal(code, 1);
			assert.match(output, /Runtime\.bridge\(\): this run has no bridge/);
		},
	],
];

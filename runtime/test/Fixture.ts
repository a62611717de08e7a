/**
 * A throwaway Rojo project for host tests: Luau spec files under ServerScriptService/Specs, and this repository's
 * node_modules/@rbxts where a roblox-ts game's include folder mounts its packages.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runEngine } from "../host/Launcher.js";

const rbxtsDir = resolve("node_modules/@rbxts");

/** Writes a throwaway Rojo project with the given Luau spec files, and runs the engine's test command on it. */
export async function runFixture(
	specs: Record<string, string>,
	timeLimit = 60,
): Promise<{ code: number; output: string }> {
	const dir = mkdtempSync(join(tmpdir(), "runtime-fixture-"));
	mkdirSync(join(dir, "specs"));
	for (const [name, source] of Object.entries(specs)) writeFileSync(join(dir, "specs", `${name}.spec.lua`), source);
	const project = {
		name: "fixture",
		tree: {
			$className: "DataModel",
			ReplicatedStorage: {
				$className: "ReplicatedStorage",
				rbxts_include: {
					$className: "Folder",
					node_modules: { $className: "Folder", "@rbxts": { $path: rbxtsDir } },
				},
			},
			ServerScriptService: { $className: "ServerScriptService", Specs: { $path: "specs" } },
		},
	};
	writeFileSync(join(dir, "default.project.json"), JSON.stringify(project));
	const lines: string[] = [];
	try {
		const code = await runEngine(
			{ command: "test", project: join(dir, "default.project.json"), timeLimit },
			(text) => lines.push(text),
		);
		return { code, output: lines.join("\n") };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

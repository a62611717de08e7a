/**
 * A throwaway Rojo project for host tests: Luau spec files (and server scripts) under ServerScriptService/Specs, and
 * this repository's node_modules/@rbxts where a roblox-ts game's include folder mounts its packages.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EngineOptions } from "../host/Launcher.js";
import type { RunResults } from "../host/RunResults.js";
import { runSpecs } from "../host/SpecRun.js";

const rbxtsDir = resolve("node_modules/@rbxts");

/** Writes a throwaway Rojo project with the given Luau spec files, and runs the engine's test command on it. */
export async function runFixture(
	specs: Record<string, string>,
	timeLimit = 60,
	extra: Partial<EngineOptions> & { passWithNoTests?: boolean } = {},
): Promise<{ code: number; output: string; results: RunResults }> {
	const dir = mkdtempSync(join(tmpdir(), "runtime-fixture-"));
	mkdirSync(join(dir, "specs"));
	// A name with its extension is written as is (a server script beside the specs); others are spec modules.
	for (const [name, source] of Object.entries(specs)) {
		writeFileSync(join(dir, "specs", name.endsWith(".lua") ? name : `${name}.spec.lua`), source);
	}
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
		const { passWithNoTests, ...options } = extra;
		const { code, results } = await runSpecs(
			{ ...options, command: "test", project: join(dir, "default.project.json"), timeLimit },
			(text) => lines.push(text),
			{ passWithNoTests },
		);
		return { code, output: lines.join("\n"), results };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

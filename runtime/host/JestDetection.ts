/**
 * Whether a game writes specs with Jest Roblox: `@rbxts/jest` among its dependencies. Specs that import
 * `@rbxts/jest-globals` then run with jest-lua; the others keep running with TestEZ.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where roblox-ts games mount `@rbxts/jest` (the package's `src` module, which returns jest-lua's Jest). */
export const JEST_MODULE = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/jest/src";

/** The tree path of `@rbxts/jest` when the game at `root` depends on it, else undefined. */
export function jestModuleOf(root: string): string | undefined {
	const manifestFile = join(root, "package.json");
	if (!existsSync(manifestFile)) return undefined;
	const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<
		string,
		Record<string, string> | undefined
	>;
	const dependencies = { ...manifest.dependencies, ...manifest.devDependencies };
	return "@rbxts/jest" in dependencies ? JEST_MODULE : undefined;
}

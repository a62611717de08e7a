/**
 * Crystal Clash (runtime/test/game): a game of this repository's own, written the way roblox-ts games are (remotes,
 * leaderstats, tagged parts, a MemoryStore matchmaking queue and weekly leaderboard, teleports with join data,
 * badges, developer-product receipts through ProfileService, a round timer). It is made from the standard template,
 * installs both packed packages as a user does, and runs its specs with `npx rbxts-runtime test`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { copyTemplate, packOnce, packRuntimeOnce, run, tempDir } from "./PackageTests.js";

const GAME_SOURCES = resolve("runtime", "test", "game");

/** The number of `it` blocks in the game's spec files, plus the first spec `rbxts-runtime init` writes. */
function expectedSpecCount(): number {
	let count = 1;
	for (const file of readdirSync(join(GAME_SOURCES, "test")).filter((name) => name.endsWith(".spec.ts"))) {
		const text = readFileSync(join(GAME_SOURCES, "test", file), "utf8");
		count += (text.match(/^\s*it\("/gm) ?? []).length;
	}
	return count;
}

export const gameTests: Array<[string, () => Promise<void> | void]> = [
	[
		"Crystal Clash, a realistic game, passes its specs through the packed packages with npx rbxts-runtime test",
		() => {
			const profileTarball = packOnce();
			const runtimeTarball = packRuntimeOnce();
			const game = tempDir("crystal-clash-");
			copyTemplate(game);
			cpSync(GAME_SOURCES, game, { recursive: true });
			run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], game);
			run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", profileTarball], game);
			run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", runtimeTarball], game);
			run("npx", ["rbxts-runtime", "init"], game);
			const result = spawnSync("npx", ["rbxts-runtime", "test"], { cwd: game, encoding: "utf8" });
			const output = `${result.stdout}${result.stderr}`;
			assert.equal(result.status, 0, output);
			assert.match(output, new RegExp(`\\n${expectedSpecCount()} passed, 0 failed, 0 skipped`), output);
		},
	],
];

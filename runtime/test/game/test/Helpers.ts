/** What the game's specs share: starting servers and waiting for a player to be ready. */
import Runtime, { type SimServer } from "@rbxts-profile/runtime";
import type * as DataModule from "server/Data";

export const DATA = "ServerScriptService/TS/Data";

export function dataOf(server: SimServer) {
	return server.require<typeof DataModule>(DATA);
}

/** Joins a player and waits until their profile is loaded (leaderstats shown) and their character stands. */
export function joinReady(server: SimServer, userId: number, name: string) {
	const player = server.addPlayer(userId, name);
	Runtime.waitUntil(
		() => player.FindFirstChild("leaderstats") !== undefined && player.Character !== undefined,
		30,
		`${name} ready`,
	);
	return player;
}

export function stat(player: Player, name: "Coins" | "Wins") {
	return (player.FindFirstChild("leaderstats")!.FindFirstChild(name) as IntValue).Value;
}

export function remote<T extends RemoteEvent | RemoteFunction>(server: SimServer, name: string) {
	return server.game.GetService("ReplicatedStorage").FindFirstChild("Remotes")!.FindFirstChild(name) as T;
}

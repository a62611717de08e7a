/**
 * Studio playtesting with `.Mock`: in Studio, profiles live in memory and never touch the live DataStore, even
 * with API access enabled; live servers use the real store. Everything else is the same code.
 */
import { RunService } from "@rbxts/services";
import ProfileService from "../src";

const liveStore = ProfileService.GetProfileStore("PlayerData", { Coins: 0, LogInTimes: 0, Items: new Array<string>() });

/** The store the game should use: `.Mock` in Studio. */
export const store = RunService.IsStudio() ? liveStore.Mock : liveStore;

/** Loads a test profile for a user id; in Studio its data is forgotten when the playtest stops. */
export function loadTestProfile(userId: number) {
	return store.LoadProfileAsync(`Player_${userId}`);
}

/**
 * Basic player data: load a profile when a player joins, fill in new template fields, and release it when they
 * leave. Run `start()` from a server script.
 */
import { Players } from "@rbxts/services";
import ProfileService, { type Profile } from "../src";

const PROFILE_TEMPLATE = { Coins: 0, LogInTimes: 0, Items: new Array<string>() };
type PlayerData = typeof PROFILE_TEMPLATE;

const store = ProfileService.GetProfileStore("PlayerData", PROFILE_TEMPLATE);

/** The loaded profile of every player in the server. */
export const profiles = new Map<Player, Profile<PlayerData>>();

function onPlayerAdded(player: Player) {
	const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
	if (profile === undefined) {
		// Another server is loading the same profile at this very moment: rare, and safest to kick.
		player.Kick("Your data could not be loaded, please rejoin");
		return;
	}
	profile.AddUserId(player.UserId); // GDPR: lets Roblox find this key for a right-to-erasure request
	profile.Reconcile(); // fills in fields added to the template since this profile was created
	profile.ListenToRelease(() => {
		profiles.delete(player);
		// The profile was loaded on another server (the player joined elsewhere): this copy is read-only now.
		player.Kick("Your data was loaded on another server");
	});
	if (!player.IsDescendantOf(Players)) {
		// The player left before the profile finished loading.
		profile.Release();
		return;
	}
	profiles.set(player, profile);
	profile.Data.LogInTimes += 1;
}

/** Gives a player coins; does nothing if their profile is not loaded. */
export function giveCoins(player: Player, amount: number) {
	const profile = profiles.get(player);
	if (profile !== undefined) profile.Data.Coins += amount;
}

export function start() {
	for (const player of Players.GetPlayers()) task.spawn(onPlayerAdded, player);
	Players.PlayerAdded.Connect(onPlayerAdded);
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
}

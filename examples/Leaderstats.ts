/**
 * Leaderstats: show saved coins on the player list. The profile is the source of truth; the IntValue mirrors it.
 */
import { Players } from "@rbxts/services";
import ProfileService, { type Profile } from "../src";

const PROFILE_TEMPLATE = { Coins: 0 };
const store = ProfileService.GetProfileStore("LeaderstatsData", PROFILE_TEMPLATE);

export const profiles = new Map<Player, Profile<typeof PROFILE_TEMPLATE>>();

function createLeaderstats(player: Player, profile: Profile<typeof PROFILE_TEMPLATE>) {
	const leaderstats = new Instance("Folder");
	leaderstats.Name = "leaderstats";
	const coins = new Instance("IntValue");
	coins.Name = "Coins";
	coins.Value = profile.Data.Coins;
	coins.Parent = leaderstats;
	leaderstats.Parent = player;
}

/** Changes a player's coins in their profile and on the player list. */
export function addCoins(player: Player, amount: number) {
	const profile = profiles.get(player);
	if (profile === undefined) return;
	profile.Data.Coins += amount;
	const value = player.FindFirstChild("leaderstats")?.FindFirstChild("Coins") as IntValue | undefined;
	if (value) value.Value = profile.Data.Coins;
}

export function start() {
	Players.PlayerAdded.Connect((player) => {
		const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
		if (profile === undefined) return player.Kick("Your data could not be loaded, please rejoin");
		profile.Reconcile();
		profile.ListenToRelease(() => profiles.delete(player));
		if (!player.IsDescendantOf(Players)) return profile.Release();
		profiles.set(player, profile);
		createLeaderstats(player, profile);
	});
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
}

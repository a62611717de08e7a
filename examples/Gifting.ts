/**
 * Gifting with global updates: any server can send a gift to any player, online anywhere or offline. The server
 * holding the recipient's profile locks each gift, adds it to the inventory, then clears it: exactly once.
 */
import { Players } from "@rbxts/services";
import ProfileService, { type GlobalUpdateData, type Profile } from "../src";

const PROFILE_TEMPLATE = { Items: new Array<string>() };
const store = ProfileService.GetProfileStore("GiftData", PROFILE_TEMPLATE);

export const profiles = new Map<Player, Profile<typeof PROFILE_TEMPLATE>>();

/** Sends an item to a player by user id. Yields; returns whether the DataStore accepted the gift. */
export function sendGift(toUserId: number, item: string, from: string): boolean {
	const result = store.GlobalUpdateProfileAsync(`Player_${toUserId}`, (updates) => {
		updates.AddActiveUpdate({ Type: "Gift", Item: item, From: from });
	});
	return result !== undefined;
}

function receive(profile: Profile<typeof PROFILE_TEMPLATE>, updateId: number, data: GlobalUpdateData) {
	if (data.Type === "Gift") profile.Data.Items.push(data.Item as string);
	profile.GlobalUpdates.ClearLockedUpdate(updateId);
}

function watchGifts(profile: Profile<typeof PROFILE_TEMPLATE>) {
	const updates = profile.GlobalUpdates;
	// Gifts that arrived while the player was offline: lock them, and save now so they arrive in seconds rather than
	// at the first auto-save (the Locked listener below then receives them).
	const waiting = updates.GetActiveUpdates();
	for (const [id] of waiting) updates.LockActiveUpdate(id);
	for (const [id, data] of updates.GetLockedUpdates()) receive(profile, id, data);
	// Gifts that arrive while they play (delivered on the next auto-save):
	updates.ListenToNewActiveUpdate((id) => updates.LockActiveUpdate(id));
	updates.ListenToNewLockedUpdate((id, data) => receive(profile, id, data));
	if (waiting.size() > 0) profile.Save();
}

export function start() {
	Players.PlayerAdded.Connect((player) => {
		const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
		if (profile === undefined) return player.Kick("Your data could not be loaded, please rejoin");
		profile.ListenToRelease(() => profiles.delete(player));
		if (!player.IsDescendantOf(Players)) return profile.Release();
		profiles.set(player, profile);
		watchGifts(profile);
	});
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
}

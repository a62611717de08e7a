/**
 * Support edits while the player is online: `profileservice-admin edit` and `rollback` (@rbxts-profile/admin) never
 * write a profile a server holds; they send a global update, and the handler below, installed once on every
 * loaded profile, applies it to the live Data exactly once. Edits of offline players are written by the tool itself.
 */
import { Players } from "@rbxts/services";
import ProfileService, { AdminEdit, type GlobalUpdateData, type Profile } from "../src";

const PROFILE_TEMPLATE = { Coins: 0, Items: new Array<string>() };
type PlayerData = typeof PROFILE_TEMPLATE;

const store = ProfileService.GetProfileStore("PlayerData", PROFILE_TEMPLATE);

export const profiles = new Map<Player, Profile<PlayerData>>();

/** The handler a game installs once per loaded profile (the lines the admin README shows). */
export function acceptAdminEdits(profile: Profile<PlayerData>) {
	const updates = profile.GlobalUpdates;
	const lock = (id: number, data: GlobalUpdateData) => {
		if (!AdminEdit.isEdit(data)) return;
		updates.LockActiveUpdate(id);
		profile.Save(); // the lock lands now, not at the next auto-save
	};
	const apply = (id: number, data: GlobalUpdateData) => {
		if (!AdminEdit.isEdit(data)) return;
		AdminEdit.apply(profile, data); // all of the edit or none of it, with a receipt in MetaTags
		updates.ClearLockedUpdate(id); // saved together with the Data it changed
		profile.Save();
	};
	for (const [id, data] of updates.GetLockedUpdates()) apply(id, data);
	for (const [id, data] of updates.GetActiveUpdates()) lock(id, data);
	updates.ListenToNewActiveUpdate(lock);
	updates.ListenToNewLockedUpdate(apply);
}

/** Gives a player coins, as the game would while they play; does nothing if their profile is not loaded. */
export function giveCoins(player: Player, amount: number) {
	const profile = profiles.get(player);
	if (profile !== undefined) profile.Data.Coins += amount;
}

export function start() {
	Players.PlayerAdded.Connect((player) => {
		const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
		if (profile === undefined) return player.Kick("Your data could not be loaded, please rejoin");
		profile.AddUserId(player.UserId);
		profile.Reconcile();
		profile.ListenToRelease(() => profiles.delete(player));
		if (!player.IsDescendantOf(Players)) return profile.Release();
		profiles.set(player, profile);
		acceptAdminEdits(profile);
	});
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
}

/**
 * Changing your data's shape across releases. Release 1 saved `Inventory` as a comma-separated string (version 0:
 * it had no Migrations); release 2 turned it into a list (one migration); this release, 3, moves the coins into a
 * wallet (two migrations). Profiles load at whatever version they were saved and come out in this release's shape.
 * Run `start()` from a server script.
 */
import { Players } from "@rbxts/services";
import { t } from "@rbxts/t";
import ProfileService, { type Profile } from "../src";

/** Data as release 1 saved it (version 0). */
export interface DataV0 {
	Coins: number;
	Inventory: string;
}

/** Data as release 2 saved it (version 1). */
export interface DataV1 {
	Coins: number;
	Inventory: string[];
}

const PROFILE_TEMPLATE = { Wallet: { Coins: 0, Gems: 0 }, Inventory: new Array<string>() };
/** Data in this release's shape (version 2): the template's type. */
export type PlayerData = typeof PROFILE_TEMPLATE;

/** Release 2's migration, kept as it shipped: a migration never changes once released. */
export const inventoryToList = (v0: DataV0): DataV1 => ({
	Coins: v0.Coins,
	Inventory: v0.Inventory === "" ? [] : v0.Inventory.split(","),
});

/** This release's migration. Its output must match the template's type, or the store does not compile. */
export const coinsToWallet = (v1: DataV1): PlayerData => ({
	Wallet: { Coins: v1.Coins, Gems: 0 },
	Inventory: v1.Inventory,
});

const store = ProfileService.GetProfileStore(
	{
		Name: "ShapedData",
		Migrations: [inventoryToList, coinsToWallet],
		// Checked after every load and before every save: a bug that writes a string into Coins is never saved.
		Validate: t.interface({
			Wallet: t.interface({ Coins: t.number, Gems: t.number }),
			Inventory: t.array(t.string),
		}),
	},
	PROFILE_TEMPLATE,
);

/** The loaded profile of every player in the server. */
export const profiles = new Map<Player, Profile<PlayerData>>();

function onPlayerAdded(player: Player) {
	const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
	if (profile === undefined) {
		// During a rollout, a server still on the previous release cannot load data a newer release migrated: the
		// player rejoins and lands on an updated server (the key was left as it was). IssueSignal says why.
		player.Kick("Your data could not be loaded on this server, please rejoin");
		return;
	}
	profile.AddUserId(player.UserId);
	profile.Reconcile();
	profile.ListenToRelease(() => {
		profiles.delete(player);
		player.Kick("Your data was loaded on another server");
	});
	if (!player.IsDescendantOf(Players)) {
		profile.Release();
		return;
	}
	profiles.set(player, profile);
}

/** Gives a player gems (a field this release added); does nothing if their profile is not loaded. */
export function giveGems(player: Player, amount: number) {
	const profile = profiles.get(player);
	if (profile !== undefined) profile.Data.Wallet.Gems += amount;
}

export function start() {
	for (const player of Players.GetPlayers()) task.spawn(onPlayerAdded, player);
	Players.PlayerAdded.Connect(onPlayerAdded);
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
}

/**
 * Player data through ProfileService: one profile per player, leaderstats mirroring it, and developer-product
 * receipts granted exactly once. A receipt's PurchaseId is stored in the profile's MetaTags together with the gems,
 * and Roblox is told PurchaseGranted only once a save has confirmed that id (MetaTagsLatest).
 */
import ProfileService, { type Profile } from "@rbxts-profile/profileservice";
import { MarketplaceService, Players } from "@rbxts/services";
import { GEM_PACK_GEMS, GEM_PACK_PRODUCT_ID } from "shared/Config";

const TEMPLATE = { Coins: 0, Gems: 0, Wins: 0 };
export type PlayerData = typeof TEMPLATE;
const RECENT_PURCHASES = 30;

export const store = ProfileService.GetProfileStore("CrystalClash", TEMPLATE);
export const profiles = new Map<Player, Profile<PlayerData>>();

function stat(player: Player, name: "Coins" | "Wins") {
	return player.FindFirstChild("leaderstats")?.FindFirstChild(name) as IntValue | undefined;
}

function showStats(player: Player, data: PlayerData) {
	const leaderstats = new Instance("Folder");
	leaderstats.Name = "leaderstats";
	for (const name of ["Coins", "Wins"] as const) {
		const value = new Instance("IntValue");
		value.Name = name;
		value.Value = data[name];
		value.Parent = leaderstats;
	}
	leaderstats.Parent = player;
}

export function addCoins(player: Player, amount: number) {
	const profile = profiles.get(player);
	if (!profile) return undefined;
	profile.Data.Coins += amount;
	const value = stat(player, "Coins");
	if (value) value.Value = profile.Data.Coins;
	return profile.Data.Coins;
}

export function addWin(player: Player) {
	const profile = profiles.get(player);
	if (!profile) return;
	profile.Data.Wins += 1;
	const value = stat(player, "Wins");
	if (value) value.Value = profile.Data.Wins;
}

function grantedIds(tags: Map<string, unknown>) {
	return (tags.get("Purchases") as string[] | undefined) ?? [];
}

function processReceipt(receipt: ReceiptInfo): Enum.ProductPurchaseDecision {
	const player = Players.GetPlayerByUserId(receipt.PlayerId);
	const profile = player && profiles.get(player);
	if (!profile || receipt.ProductId !== GEM_PACK_PRODUCT_ID) return Enum.ProductPurchaseDecision.NotProcessedYet;
	const ids = grantedIds(profile.MetaData.MetaTags);
	if (!ids.includes(receipt.PurchaseId)) {
		profile.Data.Gems += GEM_PACK_GEMS;
		profile.SetMetaTag(
			"Purchases",
			[...ids, receipt.PurchaseId].filter((_, i, all) => i >= all.size() - RECENT_PURCHASES),
		);
	}
	profile.Save();
	while (profile.IsActive()) {
		if (grantedIds(profile.MetaData.MetaTagsLatest).includes(receipt.PurchaseId)) {
			return Enum.ProductPurchaseDecision.PurchaseGranted;
		}
		profile.MetaTagsUpdated.Wait();
	}
	return Enum.ProductPurchaseDecision.NotProcessedYet;
}

function onPlayerAdded(player: Player) {
	const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
	if (!profile) return player.Kick("Your data could not be loaded; please rejoin.");
	profile.AddUserId(player.UserId);
	profile.Reconcile();
	profile.ListenToRelease(() => {
		profiles.delete(player);
		if (player.IsDescendantOf(Players)) player.Kick("Your data was loaded on another server.");
	});
	if (!player.IsDescendantOf(Players)) return profile.Release();
	profiles.set(player, profile);
	showStats(player, profile.Data);
}

export function start() {
	Players.PlayerAdded.Connect(onPlayerAdded);
	for (const player of Players.GetPlayers()) task.spawn(onPlayerAdded, player);
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
	MarketplaceService.ProcessReceipt = processReceipt;
}

/**
 * Developer products: grant a purchase exactly once, and tell Roblox it is granted only after the grant is saved.
 * The receipt's PurchaseId goes into MetaTags with the grant; MetaTagsLatest holds what the DataStore confirmed.
 */
import { MarketplaceService, Players } from "@rbxts/services";
import ProfileService, { type Profile } from "../src";

const PROFILE_TEMPLATE = { Gems: 0 };
const PURCHASE_ID_CACHE = 50; // keep the last 50 purchase ids; older receipts are never retried by Roblox
const store = ProfileService.GetProfileStore("PurchaseData", PROFILE_TEMPLATE);

/** Products by id: what each one grants. */
export const PRODUCTS: Record<number, (profile: Profile<typeof PROFILE_TEMPLATE>) => void> = {
	1001: (profile) => (profile.Data.Gems += 100),
	1002: (profile) => (profile.Data.Gems += 1000),
};

export const profiles = new Map<Player, Profile<typeof PROFILE_TEMPLATE>>();

function purchaseIds(tags: Map<string, unknown>): string[] {
	return (tags.get("ProfilePurchaseIds") as string[] | undefined) ?? [];
}

/** Grants the product once, then waits until the grant is saved. Returns the decision for Roblox. */
function grantProduct(profile: Profile<typeof PROFILE_TEMPLATE>, receipt: ReceiptInfo): Enum.ProductPurchaseDecision {
	const ids = purchaseIds(profile.MetaData.MetaTags);
	if (!ids.includes(receipt.PurchaseId)) {
		const grant = PRODUCTS[receipt.ProductId];
		if (grant === undefined) return Enum.ProductPurchaseDecision.NotProcessedYet;
		grant(profile);
		ids.push(receipt.PurchaseId);
		while (ids.size() > PURCHASE_ID_CACHE) ids.shift();
		profile.SetMetaTag("ProfilePurchaseIds", ids);
	}
	// Save now rather than at the next auto-save, then wait for the DataStore to confirm the purchase id.
	profile.Save();
	while (profile.IsActive()) {
		if (purchaseIds(profile.MetaData.MetaTagsLatest).includes(receipt.PurchaseId)) {
			return Enum.ProductPurchaseDecision.PurchaseGranted;
		}
		profile.MetaTagsUpdated.Wait();
	}
	// Released before the save confirmed it: Roblox will retry the receipt on the next server.
	return Enum.ProductPurchaseDecision.NotProcessedYet;
}

export function processReceipt(receipt: ReceiptInfo): Enum.ProductPurchaseDecision {
	const player = Players.GetPlayerByUserId(receipt.PlayerId);
	const profile = player && profiles.get(player);
	if (profile === undefined) return Enum.ProductPurchaseDecision.NotProcessedYet;
	return grantProduct(profile, receipt);
}

export function start() {
	Players.PlayerAdded.Connect((player) => {
		const profile = store.LoadProfileAsync(`Player_${player.UserId}`);
		if (profile === undefined) return player.Kick("Your data could not be loaded, please rejoin");
		profile.Reconcile();
		profile.ListenToRelease(() => profiles.delete(player));
		if (player.IsDescendantOf(Players)) profiles.set(player, profile);
		else profile.Release();
	});
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
	MarketplaceService.ProcessReceipt = processReceipt;
}

/**
 * The game that runs on every simulated server of the demo: player data with coins and items, a shop product
 * confirmed through MetaTagsLatest, and gifts through global updates.
 */
import { MarketplaceService, Players } from "@rbxts/services";
import ProfileService, { type GlobalUpdateData, type Profile } from "../src";

const TEMPLATE = { Coins: 0, Items: new Array<string>() };
export type PlayerData = typeof TEMPLATE;
export const STORE_NAME = "DemoPlayerData";

const store = ProfileService.GetProfileStore(STORE_NAME, TEMPLATE);
export const profiles = new Map<Player, Profile<PlayerData>>();
let log: (message: string) => void = () => {};

export function keyOf(userId: number) {
	return `Player_${userId}`;
}

function watchGifts(player: Player, profile: Profile<PlayerData>) {
	const updates = profile.GlobalUpdates;
	const receive = (id: number, data: GlobalUpdateData) => {
		profile.Data.Items.push(data.Item as string);
		updates.ClearLockedUpdate(id);
		log(`${player.Name} received a ${data.Item} from ${data.From}`);
	};
	for (const [id] of updates.GetActiveUpdates()) updates.LockActiveUpdate(id);
	for (const [id, data] of updates.GetLockedUpdates()) receive(id, data);
	updates.ListenToNewActiveUpdate((id) => updates.LockActiveUpdate(id));
	updates.ListenToNewLockedUpdate(receive);
}

function onPlayerAdded(player: Player) {
	log(`${player.Name} joins; loading their profile`);
	const started = os.clock();
	const profile = store.LoadProfileAsync(keyOf(player.UserId));
	if (profile === undefined) return player.Kick("Your data could not be loaded");
	profile.AddUserId(player.UserId);
	profile.Reconcile();
	profile.ListenToRelease(() => {
		profiles.delete(player);
		log(`${player.Name}'s profile released here`);
	});
	if (!player.IsDescendantOf(Players)) return profile.Release();
	profiles.set(player, profile);
	log(
		`${player.Name}'s profile loaded in ${"%.1f".format(os.clock() - started)} s: ${profile.Data.Coins} coins, items [${profile.Data.Items.join(", ")}], load #${profile.MetaData.SessionLoadCount}`,
	);
	watchGifts(player, profile);
}

/** Adds coins to every player in this server. */
export function payEveryone(amount: number) {
	for (const [, profile] of profiles) profile.Data.Coins += amount;
}

/** Grants the "Golden Sword" product once per purchase id, confirmed by the DataStore before answering. */
function processReceipt(receipt: ReceiptInfo): Enum.ProductPurchaseDecision {
	const player = Players.GetPlayerByUserId(receipt.PlayerId);
	const profile = player && profiles.get(player);
	if (profile === undefined) return Enum.ProductPurchaseDecision.NotProcessedYet;
	const ids = (profile.MetaData.MetaTags.get("PurchaseIds") as string[] | undefined) ?? [];
	if (!ids.includes(receipt.PurchaseId)) {
		profile.Data.Items.push("Golden Sword");
		ids.push(receipt.PurchaseId);
		profile.SetMetaTag("PurchaseIds", ids);
	}
	profile.Save();
	while (profile.IsActive()) {
		const confirmed = (profile.MetaData.MetaTagsLatest.get("PurchaseIds") as string[] | undefined) ?? [];
		if (confirmed.includes(receipt.PurchaseId)) {
			log(`${player!.Name}'s Golden Sword purchase is saved; telling Roblox it is granted`);
			return Enum.ProductPurchaseDecision.PurchaseGranted;
		}
		profile.MetaTagsUpdated.Wait();
	}
	return Enum.ProductPurchaseDecision.NotProcessedYet;
}

/** Sends a gift from any server. */
export function sendGift(userId: number, item: string, from: string) {
	store.GlobalUpdateProfileAsync(keyOf(userId), (updates) =>
		updates.AddActiveUpdate({ Type: "Gift", Item: item, From: from }),
	);
}

export function start(logger: (message: string) => void) {
	log = logger;
	Players.PlayerAdded.Connect(onPlayerAdded);
	Players.PlayerRemoving.Connect((player) => profiles.get(player)?.Release());
	MarketplaceService.ProcessReceipt = processReceipt;
}

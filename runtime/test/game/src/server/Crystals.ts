/**
 * Crystals: anchored parts tagged "Crystal" in Workspace.Crystals. A client asks to collect one; the server checks
 * the crystal is still tagged and within reach of the character, pays coins (twice as many with the VIP pass),
 * hides it, and brings it back after a while. CollectionService's tagged list is the set of crystals available.
 */
import { CollectionService, MarketplaceService, Workspace } from "@rbxts/services";
import { CRYSTAL_COINS, CRYSTAL_RESPAWN_SECONDS, CRYSTAL_TAG, PICKUP_RANGE, VIP_PASS_ID } from "shared/Config";
import { addCoins } from "./Data";
import { Remotes } from "./Remotes";

/** Where the crystals stand, in a ring around the spawn. */
const SPOTS = [new Vector3(20, 2, 0), new Vector3(0, 2, 20), new Vector3(-20, 2, 0), new Vector3(0, 2, -20)];

const vipCache = new Map<number, boolean>();
/** Counts collections, for the arena's scores. */
export const collected = new Instance("BindableEvent") as BindableEvent<(player: Player) => void>;

function isVip(player: Player) {
	let vip = vipCache.get(player.UserId);
	if (vip === undefined) {
		const [ok, owns] = pcall(() => MarketplaceService.UserOwnsGamePassAsync(player.UserId as never, VIP_PASS_ID));
		vip = ok && owns;
		vipCache.set(player.UserId, vip);
	}
	return vip;
}

export function placeCrystals() {
	const folder = new Instance("Folder");
	folder.Name = "Crystals";
	SPOTS.forEach((spot, i) => {
		const crystal = new Instance("Part");
		crystal.Name = `Crystal${i + 1}`;
		crystal.Anchored = true;
		crystal.CanCollide = false;
		crystal.Size = new Vector3(2, 3, 2);
		crystal.Material = Enum.Material.Neon;
		crystal.Color = Color3.fromRGB(120, 200, 255);
		crystal.CFrame = new CFrame(spot);
		crystal.AddTag(CRYSTAL_TAG);
		crystal.Parent = folder;
	});
	folder.Parent = Workspace;
	return folder;
}

function collect(player: Player, crystal: unknown) {
	if (!typeIs(crystal, "Instance") || !crystal.IsA("BasePart") || !crystal.HasTag(CRYSTAL_TAG)) return;
	const root = player.Character?.FindFirstChild("HumanoidRootPart") as BasePart | undefined;
	if (!root || root.Position.sub(crystal.Position).Magnitude > PICKUP_RANGE) return;
	const folder = crystal.Parent;
	crystal.RemoveTag(CRYSTAL_TAG);
	crystal.Parent = undefined;
	const coins = addCoins(player, isVip(player) ? CRYSTAL_COINS * 2 : CRYSTAL_COINS);
	if (coins !== undefined) Remotes.CoinsChanged.FireClient(player, coins);
	collected.Fire(player);
	task.delay(CRYSTAL_RESPAWN_SECONDS, () => {
		crystal.Parent = folder;
		crystal.AddTag(CRYSTAL_TAG);
	});
}

export function available() {
	return CollectionService.GetTagged(CRYSTAL_TAG);
}

export function start() {
	placeCrystals();
	Remotes.CollectCrystal.OnServerEvent.Connect(collect);
}

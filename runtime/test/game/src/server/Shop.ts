/** The shop button asks the server what the gem pack is called and costs. */
import { MarketplaceService } from "@rbxts/services";
import { GEM_PACK_PRODUCT_ID } from "shared/Config";
import { Remotes } from "./Remotes";

export function start() {
	Remotes.GetGemPack.OnServerInvoke = () => {
		const info = MarketplaceService.GetProductInfo(GEM_PACK_PRODUCT_ID, Enum.InfoType.Product);
		return { name: info.Name, price: info.PriceInRobux };
	};
}

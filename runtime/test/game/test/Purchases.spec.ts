import Runtime from "@rbxts-profile/runtime";
import { GEM_PACK_GEMS, GEM_PACK_PRODUCT_ID } from "shared/Config";
import { dataOf, joinReady, remote } from "./Helpers";

export = () => {
	beforeAll(() =>
		Runtime.configureMarketplace({
			products: [{ id: GEM_PACK_PRODUCT_ID, name: "Gem Pack", price: 49 }],
			answerPrompt: (userId) => userId !== 13,
		}),
	);

	describe("developer products", () => {
		it("shows the gem pack's name and price in the shop, from GetProductInfo", () => {
			const lobby = Runtime.startServer({ name: "Shop" });
			const player = joinReady(lobby, 10, "Ed");
			const item = lobby.client(player).invokeServer(remote<RemoteFunction>(lobby, "GetGemPack")) as {
				name: string;
				price: number;
			};
			expect(item.name).to.equal("Gem Pack");
			expect(item.price).to.equal(49);
		});

		it("grants a bought gem pack once, after a save confirms it, and Roblox no longer holds the receipt", () => {
			const lobby = Runtime.startServer({ name: "Buy" });
			const player = joinReady(lobby, 11, "Fay");
			const finished: boolean[] = [];
			lobby.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				MarketplaceService.PromptProductPurchaseFinished.Connect((_, __, bought) => finished.push(bought));
				MarketplaceService.PromptProductPurchase(player, GEM_PACK_PRODUCT_ID);
			});
			Runtime.waitUntil(() => finished.size() > 0, 30, "prompt answered");
			expect(finished[0]).to.equal(true);
			Runtime.waitUntil(() => Runtime.pendingReceipts(11).isEmpty(), 60, "receipt granted");
			const profile = dataOf(lobby).profiles.get(player)!;
			expect(profile.Data.Gems).to.equal(GEM_PACK_GEMS);
		});

		it("answers the same receipt twice with PurchaseGranted but grants it only once", () => {
			const lobby = Runtime.startServer({ name: "Twice" });
			const player = joinReady(lobby, 12, "Gus");
			const receipt: ReceiptInfo = {
				PlayerId: 12,
				PlaceIdWherePurchased: lobby.placeId,
				PurchaseId: "purchase-12-a",
				ProductId: GEM_PACK_PRODUCT_ID,
				CurrencyType: Enum.CurrencyType.Robux,
				CurrencySpent: 49,
			};
			expect(lobby.processReceipt(receipt)).to.equal(Enum.ProductPurchaseDecision.PurchaseGranted);
			expect(lobby.processReceipt(receipt)).to.equal(Enum.ProductPurchaseDecision.PurchaseGranted);
			expect(dataOf(lobby).profiles.get(player)!.Data.Gems).to.equal(GEM_PACK_GEMS);
		});

		it("leaves a receipt pending while the buyer's profile is not loaded, and grants it when they rejoin", () => {
			const lobby = Runtime.startServer({ name: "Later" });
			const receipt: ReceiptInfo = {
				PlayerId: 14,
				PlaceIdWherePurchased: lobby.placeId,
				PurchaseId: "purchase-14-a",
				ProductId: GEM_PACK_PRODUCT_ID,
				CurrencyType: Enum.CurrencyType.Robux,
				CurrencySpent: 49,
			};
			expect(lobby.processReceipt(receipt)).to.equal(Enum.ProductPurchaseDecision.NotProcessedYet);
			// A closed prompt buys nothing.
			const closer = joinReady(lobby, 13, "Hal");
			let bought: boolean | undefined;
			lobby.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				MarketplaceService.PromptProductPurchaseFinished.Connect((_, __, b) => (bought = b));
				MarketplaceService.PromptProductPurchase(closer, GEM_PACK_PRODUCT_ID);
			});
			Runtime.waitUntil(() => bought !== undefined, 30, "prompt closed");
			expect(bought).to.equal(false);
			expect(Runtime.pendingReceipts(13).isEmpty()).to.equal(true);
			expect(dataOf(lobby).profiles.get(closer)!.Data.Gems).to.equal(0);
		});
	});
};

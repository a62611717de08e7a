import Runtime from "../Runtime";
import { expectError } from "../Expect";

const VIP = 500;
const HAT = 900;
const GEMS = 700;

export = () => {
	beforeEach(() =>
		Runtime.configureMarketplace({
			gamePasses: [{ id: VIP, name: "VIP", price: 99, owners: [2] }],
			products: [{ id: GEMS, name: "100 Gems", description: "A pouch", price: 25 }],
			assets: [{ id: HAT, name: "Top Hat", description: "A hat", price: 10, owners: [1] }],
			answerPrompt: (userId) => userId !== 3,
		}),
	);

	describe("MarketplaceService", () => {
		it("answers ownership of passes and assets", () => {
			const server = Runtime.startServer();
			const ann = server.addPlayer(1, "Ann");
			server.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				expect(MarketplaceService.UserOwnsGamePassAsync(2 as never, VIP)).to.equal(true);
				expect(MarketplaceService.UserOwnsGamePassAsync(1 as never, VIP)).to.equal(false);
				expect(MarketplaceService.PlayerOwnsAsset(ann, HAT)).to.equal(true);
				expect(MarketplaceService.PlayerOwnsAsset(ann, VIP)).to.equal(false);
			});
		});

		it("describes an asset with GetProductInfo, and errors for an item that does not exist", () => {
			const server = Runtime.startServer();
			const info = server.call(() => game.GetService("MarketplaceService").GetProductInfo(HAT));
			expect(info.Name).to.equal("Top Hat");
			expect(info.Description).to.equal("A hat");
			expect(info.PriceInRobux).to.equal(10);
			expect((info as { AssetId?: number }).AssetId).to.equal(HAT);
			expectError(() => server.call(() => game.GetService("MarketplaceService").GetProductInfo(12345)), "12345");
		});

		it("sells a pass through the prompt: PromptGamePassPurchaseFinished, then ownership", () => {
			const server = Runtime.startServer();
			const eve = server.addPlayer(5, "Eve");
			const finished: unknown[][] = [];
			server.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				MarketplaceService.PromptGamePassPurchaseFinished.Connect((p, id, bought) =>
					finished.push([p, id, bought]),
				);
				expect(MarketplaceService.UserOwnsGamePassAsync(5 as never, VIP)).to.equal(false);
				MarketplaceService.PromptGamePassPurchase(eve, VIP);
			});
			Runtime.waitUntil(() => finished.size() > 0, 10, "prompt answered");
			expect(finished[0][0]).to.equal(eve);
			expect(finished[0][1]).to.equal(VIP);
			expect(finished[0][2]).to.equal(true);
			// The cache the event updated answers at once, as the reference says.
			expect(
				server.call(() => game.GetService("MarketplaceService").UserOwnsGamePassAsync(5 as never, VIP)),
			).to.equal(true);
		});

		it("reports a closed prompt as not purchased", () => {
			const server = Runtime.startServer();
			const cy = server.addPlayer(3, "Cy");
			let result: boolean | undefined;
			server.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				MarketplaceService.PromptGamePassPurchaseFinished.Connect((_, __, bought) => (result = bought));
				MarketplaceService.PromptGamePassPurchase(cy, VIP);
			});
			Runtime.waitUntil(() => result !== undefined, 10, "prompt closed");
			expect(result).to.equal(false);
			expect(
				server.call(() => game.GetService("MarketplaceService").UserOwnsGamePassAsync(3 as never, VIP)),
			).to.equal(false);
		});

		it("describes a developer product and a pass with GetProductInfo and Enum.InfoType", () => {
			const server = Runtime.startServer();
			const product = server.call(() =>
				game.GetService("MarketplaceService").GetProductInfo(GEMS, Enum.InfoType.Product),
			);
			expect(product.Name).to.equal("100 Gems");
			expect(product.PriceInRobux).to.equal(25);
			expect((product as { ProductId?: number }).ProductId).to.equal(GEMS);
			const pass = server.call(() =>
				game.GetService("MarketplaceService").GetProductInfo(VIP, Enum.InfoType.GamePass),
			);
			expect(pass.Name).to.equal("VIP");
		});

		it("delivers a bought product's receipt to ProcessReceipt, and again on the next join until it is granted", () => {
			const first = Runtime.startServer({ name: "First" });
			const buyer = first.addPlayer(8, "Hal");
			const seen: ReceiptInfo[] = [];
			first.call(() => {
				const MarketplaceService = game.GetService("MarketplaceService");
				MarketplaceService.ProcessReceipt = (receipt) => {
					seen.push(receipt);
					return Enum.ProductPurchaseDecision.NotProcessedYet;
				};
				MarketplaceService.PromptProductPurchase(buyer, GEMS);
			});
			Runtime.waitUntil(() => seen.size() === 1, 10, "first delivery");
			expect(seen[0].PlayerId).to.equal(8);
			expect(seen[0].ProductId).to.equal(GEMS);
			expect(seen[0].CurrencySpent).to.equal(25);
			expect(seen[0].CurrencyType).to.equal(Enum.CurrencyType.Robux);
			expect(seen[0].PlaceIdWherePurchased).to.equal(first.placeId);
			expect(Runtime.pendingReceipts(8).size()).to.equal(1);
			first.removePlayer(buyer);
			const second = Runtime.startServer({ name: "Second" });
			const granted: string[] = [];
			second.call(() => {
				game.GetService("MarketplaceService").ProcessReceipt = (receipt) => {
					granted.push(receipt.PurchaseId);
					return Enum.ProductPurchaseDecision.PurchaseGranted;
				};
			});
			second.addPlayer(8, "Hal");
			Runtime.waitUntil(() => granted.size() === 1, 10, "delivery on join");
			expect(granted[0]).to.equal(seen[0].PurchaseId);
			expect(Runtime.pendingReceipts(8).size()).to.equal(0);
		});
	});
};

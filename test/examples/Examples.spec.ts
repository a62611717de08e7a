import type * as BasicPlayerData from "../../examples/BasicPlayerData";
import type * as DataShape from "../../examples/DataShape";
import type * as DeveloperProducts from "../../examples/DeveloperProducts";
import type * as Gifting from "../../examples/Gifting";
import type * as Leaderstats from "../../examples/Leaderstats";
import type * as Rollback from "../../examples/Rollback";
import type * as StudioMock from "../../examples/StudioMock";
import { ours, resetDefaults } from "../library/Fixtures";
import Runtime, { type SimServer } from "../Runtime";

function example<T>(server: SimServer, name: string): T {
	return server.require<T>(`ReplicatedStorage/Examples/${name}`);
}

function storedData(store: string, key: string) {
	const [value] = Runtime.store().get(store, undefined, key);
	return value as
		| { Data: Record<string, unknown>; MetaData: { ActiveSession?: unknown; MetaTags: Record<string, unknown> } }
		| undefined;
}

export = () => {
	beforeEach(resetDefaults);

	it("BasicPlayerData: loads on join, counts log-ins, saves coins and releases on leave", () => {
		const server = Runtime.startServer({ name: "Game" });
		const basic = example<typeof BasicPlayerData>(server, "BasicPlayerData");
		server.call(() => basic.start());
		const player = server.addPlayer(1, "Alice");
		Runtime.waitUntil(() => basic.profiles.has(player), 10, "profile loaded");
		basic.giveCoins(player, 25);
		server.removePlayer(player);
		Runtime.waitUntil(
			() => storedData("PlayerData", "Player_1")?.MetaData.ActiveSession === undefined,
			30,
			"release",
		);
		expect(storedData("PlayerData", "Player_1")!.Data.Coins).to.equal(25);
		expect(storedData("PlayerData", "Player_1")!.Data.LogInTimes).to.equal(1);
		// On another server the player is kicked from the first when the profile moves.
		const other = Runtime.startServer({ name: "Other" });
		const basic2 = example<typeof BasicPlayerData>(other, "BasicPlayerData");
		other.call(() => basic2.start());
		const again = other.addPlayer(1, "Alice");
		Runtime.waitUntil(() => basic2.profiles.has(again), 10, "loaded again");
		expect(basic2.profiles.get(again)!.Data.LogInTimes).to.equal(2);
	});

	it("DeveloperProducts: grants once, answers PurchaseGranted only after the save, and survives a retried receipt", () => {
		const server = Runtime.startServer({ name: "Shop" });
		const shop = example<typeof DeveloperProducts>(server, "DeveloperProducts");
		server.call(() => shop.start());
		const player = server.addPlayer(7, "Buyer");
		Runtime.waitUntil(() => shop.profiles.has(player), 10, "profile loaded");
		const receipt = {
			PlayerId: 7,
			PurchaseId: "purchase-1",
			ProductId: 1001,
			PlaceIdWherePurchased: 1,
			CurrencySpent: 10,
		} as unknown as ReceiptInfo;
		const start = Runtime.now();
		const decision = server.processReceipt(receipt);
		expect(decision).to.equal(Enum.ProductPurchaseDecision.PurchaseGranted);
		expect(Runtime.now() > start).to.equal(true);
		const saved = storedData("PurchaseData", "Player_7")!;
		expect(saved.Data.Gems).to.equal(100);
		expect((saved.MetaData.MetaTags.ProfilePurchaseIds as string[])[0]).to.equal("purchase-1");
		// Roblox retries a receipt it did not hear back about: no second grant.
		expect(server.processReceipt(receipt)).to.equal(Enum.ProductPurchaseDecision.PurchaseGranted);
		expect(shop.profiles.get(player)!.Data.Gems).to.equal(100);
		// A receipt for a player who is not here is left for later.
		const absent = { ...receipt, PlayerId: 8, PurchaseId: "purchase-2" } as ReceiptInfo;
		expect(server.processReceipt(absent)).to.equal(Enum.ProductPurchaseDecision.NotProcessedYet);
	});

	it("Gifting: a gift sent from another server reaches an online player once, and an offline one on join", () => {
		const [home, sender] = [Runtime.startServer({ name: "Home" }), Runtime.startServer({ name: "Sender" })];
		const gifts = example<typeof Gifting>(home, "Gifting");
		const senderGifts = example<typeof Gifting>(sender, "Gifting");
		home.call(() => gifts.start());
		const player = home.addPlayer(3, "Receiver");
		Runtime.waitUntil(() => gifts.profiles.has(player), 10, "profile loaded");
		expect(sender.call(() => senderGifts.sendGift(3, "Sword", "Admin"))).to.equal(true);
		Runtime.waitUntil(() => gifts.profiles.get(player)!.Data.Items.size() === 1, 120, "online gift");
		expect(gifts.profiles.get(player)!.Data.Items[0]).to.equal("Sword");
		Runtime.wait(60);
		expect(gifts.profiles.get(player)!.Data.Items.size()).to.equal(1);
		// Offline: the gift waits in the DataStore until the player joins.
		expect(sender.call(() => senderGifts.sendGift(4, "Shield", "Admin"))).to.equal(true);
		const offline = home.addPlayer(4, "Offline");
		// Locked at load, saved at once: it arrives after the load's write cooldown, not at the first auto-save.
		Runtime.waitUntil(() => gifts.profiles.get(offline)?.Data.Items.size() === 1, 10, "gift on join");
		expect(gifts.profiles.get(offline)!.Data.Items[0]).to.equal("Shield");
	});

	it("Rollback: restores the last version before the incident", () => {
		const game1 = Runtime.startServer({ name: "Game" });
		const basic = example<typeof BasicPlayerData>(game1, "BasicPlayerData");
		game1.call(() => basic.start());
		const player = game1.addPlayer(5, "Victim");
		Runtime.waitUntil(() => basic.profiles.has(player), 10, "loaded");
		basic.giveCoins(player, 500);
		Runtime.wait(70); // auto-saved with 500 coins
		const beforeIncident = DateTime.now();
		Runtime.wait(5);
		basic.giveCoins(player, -500); // the incident
		game1.removePlayer(player);
		Runtime.wait(30);
		expect(storedData("PlayerData", "Player_5")!.Data.Coins).to.equal(0);
		const admin = Runtime.startServer({ name: "Admin" });
		const rollback = example<typeof Rollback>(admin, "Rollback");
		expect(admin.call(() => rollback.rollBack("Player_5", beforeIncident))).to.equal(500);
		expect(storedData("PlayerData", "Player_5")!.Data.Coins).to.equal(500);
	});

	it("StudioMock: uses .Mock in Studio and the live store elsewhere", () => {
		const studio = Runtime.startServer({ name: "Studio", studio: true, apiAccess: true });
		const mockExample = example<typeof StudioMock>(studio, "StudioMock");
		const profile = studio.call(() => mockExample.loadTestProfile(99))!;
		profile.Data.Coins = 1;
		profile.Release();
		Runtime.wait(5);
		expect(storedData("PlayerData", "Player_99")).to.equal(undefined);
		const live = Runtime.startServer({ name: "Live" });
		const liveExample = example<typeof StudioMock>(live, "StudioMock");
		live.call(() => liveExample.loadTestProfile(98));
		expect(storedData("PlayerData", "Player_98")).to.be.ok();
	});

	it("Leaderstats: shows saved coins on the player list and keeps them in step", () => {
		const server = Runtime.startServer({ name: "Game" });
		Runtime.store().set("LeaderstatsData", undefined, "Player_6", {
			Data: { Coins: 40 },
			MetaData: { ProfileCreateTime: 0, SessionLoadCount: 1, MetaTags: {} },
			GlobalUpdates: [0, []],
		});
		const stats = example<typeof Leaderstats>(server, "Leaderstats");
		server.call(() => stats.start());
		const player = server.addPlayer(6, "Leader");
		Runtime.waitUntil(() => stats.profiles.has(player), 10, "loaded");
		const coins = player.FindFirstChild("leaderstats")!.FindFirstChild("Coins") as IntValue;
		expect(coins.Value).to.equal(40);
		stats.addCoins(player, 2);
		expect(coins.Value).to.equal(42);
		expect(stats.profiles.get(player)!.Data.Coins).to.equal(42);
	});

	it("DataShape: a rollout where release 1, 2 and 3 servers run side by side", () => {
		const [release1, release2, release3] = ["Release1", "Release2", "Release3"].map((name) =>
			Runtime.startServer({ name }),
		);
		const shape = example<typeof DataShape>(release3, "DataShape");
		// Release 1 had no Migrations: it saves version 0.
		const store1 = ours(release1).ProfileService.GetProfileStore("ShapedData", { Coins: 0, Inventory: "" });
		const old = release1.call(() => store1.LoadProfileAsync("Player_1"))!;
		old.Data.Coins = 5;
		old.Data.Inventory = "Sword,Shield";
		release1.call(() => old.Release());
		// Release 2 shipped the first migration: it saves version 1.
		const store2 = ours(release2).ProfileService.GetProfileStore(
			{ Name: "ShapedData", Migrations: [shape.inventoryToList] },
			{ Coins: 0, Inventory: new Array<string>() },
		);
		const middle = release2.call(() => store2.LoadProfileAsync("Player_2"))!;
		middle.Data.Coins = 3;
		middle.Data.Inventory.push("Bow");
		release2.call(() => middle.Release());
		Runtime.waitUntil(
			() => storedData("ShapedData", "Player_2")?.MetaData.ActiveSession === undefined,
			30,
			"saved",
		);
		// Release 3 loads both, each from its own version, in this release's shape.
		release3.call(() => shape.start());
		const alice = release3.addPlayer(1, "Alice");
		const bob = release3.addPlayer(2, "Bob");
		Runtime.waitUntil(() => shape.profiles.has(alice) && shape.profiles.has(bob), 30, "loaded");
		expect(shape.profiles.get(alice)!.Data.Wallet.Coins).to.equal(5);
		expect(shape.profiles.get(alice)!.Data.Inventory.join(",")).to.equal("Sword,Shield");
		expect(shape.profiles.get(bob)!.Data.Wallet.Coins).to.equal(3);
		expect(shape.profiles.get(bob)!.Data.Inventory[0]).to.equal("Bow");
		shape.giveGems(alice, 2);
		release3.removePlayer(alice);
		Runtime.waitUntil(
			() => storedData("ShapedData", "Player_1")?.MetaData.ActiveSession === undefined,
			30,
			"release",
		);
		const saved = storedData("ShapedData", "Player_1")!;
		expect((saved.Data.Wallet as { Gems: number }).Gems).to.equal(2);
		expect((saved.MetaData.MetaTags._Schema as { Version: number }).Version).to.equal(2);
		// A release 2 server cannot load it any more, and leaves it as it is; release 3 still can.
		const raw = Runtime.store().raw("ShapedData", undefined, "Player_1");
		expect(release2.call(() => store2.LoadProfileAsync("Player_1"))).to.equal(undefined);
		expect(Runtime.store().raw("ShapedData", undefined, "Player_1")).to.equal(raw);
		const again = release3.addPlayer(1, "Alice");
		Runtime.waitUntil(() => shape.profiles.has(again), 30, "loaded again");
		expect(shape.profiles.get(again)!.Data.Wallet.Gems).to.equal(2);
		// On the release 2 server the example's kick message would follow this refusal.
		const refused = new Map<number, string>();
		const connection = ours(release2).ProfileService.IssueSignal.Connect((message) => refused.set(1, message));
		release3.removePlayer(again);
		Runtime.waitUntil(() => storedData("ShapedData", "Player_1")?.MetaData.ActiveSession === undefined, 30, "left");
		expect(release2.call(() => store2.LoadProfileAsync("Player_1"))).to.equal(undefined);
		connection.Disconnect();
		expect(refused.get(1)!.find("newer than this server's version 1", 1, true)[0] !== undefined).to.equal(true);
	});
};

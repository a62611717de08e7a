import Runtime from "../Runtime";
import { receiveGifts, startServers, storeOn, stored, TEMPLATE, resetDefaults } from "./Fixtures";
import { original } from "./Original";

export = () => {
	beforeEach(resetDefaults);

	describe("saved format", () => {
		it("loads a profile saved by the original, with every field", () => {
			const [o, us] = startServers("Original", "Ours");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const oProfile = o.call(() => oStore.LoadProfileAsync("Compat_1"))!;
			oProfile.Data.Coins = 70;
			oProfile.Data.Items.push("Shield");
			oProfile.AddUserId(1234);
			oProfile.SetMetaTag("DataVersion", 3);
			(oProfile.RobloxMetaData as { Tier?: string }).Tier = "Gold";
			let hop = false;
			oProfile.ListenToHopReady(() => (hop = true));
			oProfile.Release();
			Runtime.waitUntil(() => hop, 60, "original release");
			const profile = us.call(() => storeOn(us).LoadProfileAsync("Compat_1"))!;
			expect(profile.Data.Coins).to.equal(70);
			expect(profile.Data.Items[0]).to.equal("Shield");
			expect(profile.UserIds[0]).to.equal(1234);
			expect(profile.GetMetaTag("DataVersion")).to.equal(3);
			expect((profile.RobloxMetaData as { Tier?: string }).Tier).to.equal("Gold");
			expect(profile.MetaData.SessionLoadCount).to.equal(2);
			const [, info] = Runtime.store().get("PlayerData", undefined, "Compat_1");
			expect(info!.userIds[0]).to.equal(1234);
			expect((info!.metadata as { Tier?: string }).Tier).to.equal("Gold");
		});

		it("writes exactly the original's payload, which the original then loads", () => {
			const [us, o] = startServers("Ours", "Original");
			const profile = us.call(() => storeOn(us).LoadProfileAsync("Compat_2"))!;
			profile.Data.Coins = 12;
			profile.AddUserId(99);
			profile.SetMetaTag("Seen", true);
			let hop = false;
			profile.ListenToHopReady(() => (hop = true));
			profile.Release();
			Runtime.waitUntil(() => hop, 60, "our release");
			const value = stored("Compat_2")!;
			const keys: string[] = [];
			for (const [k] of pairs(value)) keys.push(k as string);
			keys.sort();
			expect(keys.join(",")).to.equal("Data,GlobalUpdates,MetaData,RobloxMetaData,UserIds,WasCorrupted");
			const metaKeys: string[] = [];
			for (const [k] of pairs(value.MetaData)) metaKeys.push(k as string);
			metaKeys.sort();
			expect(metaKeys.join(",")).to.equal("LastUpdate,MetaTags,ProfileCreateTime,SessionLoadCount");
			expect(value.GlobalUpdates[0]).to.equal(0);
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const oProfile = o.call(() => oStore.LoadProfileAsync("Compat_2"))!;
			expect(oProfile.Data.Coins).to.equal(12);
			expect(oProfile.UserIds[0]).to.equal(99);
			expect(oProfile.MetaData.MetaTags.Seen).to.equal(true);
			expect(oProfile.MetaData.SessionLoadCount).to.equal(2);
		});
	});

	describe("mixed fleets", () => {
		it("our server respects an original server's lock and ForceLoads it", () => {
			const [o, us] = startServers("Original", "Ours");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const oProfile = o.call(() => oStore.LoadProfileAsync("Mixed_1"))!;
			oProfile.Data.Coins = 5;
			let oReleased = false;
			oProfile.ListenToRelease(() => (oReleased = true));
			// While the original holds it, a handler that cancels gets nothing.
			expect(us.call(() => storeOn(us).LoadProfileAsync("Mixed_1", () => "Cancel"))).to.equal(undefined);
			const profile = us.call(() => storeOn(us).LoadProfileAsync("Mixed_1"))!;
			expect(profile.Data.Coins).to.equal(5);
			expect(oReleased).to.equal(true);
			expect(oProfile.IsActive()).to.equal(false);
		});

		it("an original server respects our lock and ForceLoads it", () => {
			const [us, o] = startServers("Ours", "Original");
			const profile = us.call(() => storeOn(us).LoadProfileAsync("Mixed_2"))!;
			profile.Data.Coins = 8;
			let released = false;
			profile.ListenToRelease(() => (released = true));
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			expect(o.call(() => oStore.LoadProfileAsync("Mixed_2", () => "Cancel"))).to.equal(undefined);
			const oProfile = o.call(() => oStore.LoadProfileAsync("Mixed_2"))!;
			expect(oProfile.Data.Coins).to.equal(8);
			expect(released).to.equal(true);
			expect(profile.IsActive()).to.equal(false);
		});

		it("delivers an original server's global update to our profile, and ours to an original profile", () => {
			const [o, us] = startServers("Original", "Ours");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const ourStore = storeOn(us);
			// Original sends to our loaded profile.
			const profile = us.call(() => ourStore.LoadProfileAsync("Gift_1"))!;
			const received = receiveGifts(profile.GlobalUpdates);
			o.call(() =>
				oStore.GlobalUpdateProfileAsync("Gift_1", (updates) =>
					updates.AddActiveUpdate({ Type: "Gift", Item: "Hat" }),
				),
			);
			Runtime.waitUntil(() => received.size() === 1, 120, "our profile receives the original's gift");
			expect(received[0]).to.equal("Hat");
			Runtime.waitUntil(() => stored("Gift_1")!.GlobalUpdates[1].size() === 0, 120, "gift cleared");
			// Ours sends to an original loaded profile.
			const oProfile = o.call(() => oStore.LoadProfileAsync("Gift_2"))!;
			const oReceived = receiveGifts(oProfile.GlobalUpdates);
			us.call(() =>
				ourStore.GlobalUpdateProfileAsync("Gift_2", (updates) =>
					updates.AddActiveUpdate({ Type: "Gift", Item: "Cape" }),
				),
			);
			Runtime.waitUntil(() => oReceived.size() === 1, 120, "the original's profile receives our gift");
			expect(oReceived[0]).to.equal("Cape");
		});
	});
};

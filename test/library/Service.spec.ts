import Runtime from "../Runtime";
import { ours, startServers, storeOn, stored, TEMPLATE, resetDefaults } from "./Fixtures";

export = () => {
	beforeEach(resetDefaults);

	describe("shutdown", () => {
		it("saves and releases every loaded profile on BindToClose, then locks the service", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profiles = [1, 2, 3].map((i) => a.call(() => store.LoadProfileAsync(`Close_${i}`))!);
			profiles.forEach((p, i) => (p.Data.Coins = 10 + i));
			const { ProfileService } = ours(a);
			expect(ProfileService.ServiceLocked).to.equal(false);
			a.shutdown();
			expect(ProfileService.ServiceLocked).to.equal(true);
			for (let i = 0; i < 3; i++) {
				const value = stored(`Close_${i + 1}`)!;
				expect(value.Data.Coins).to.equal(10 + i);
				expect(value.MetaData.ActiveSession).to.equal(undefined);
			}
		});

		it("releases 100 profiles within the 30 s close window and the close budget", () => {
			const [a] = startServers("A");
			for (let i = 1; i <= 100; i++) a.addPlayer(i);
			const store = storeOn(a);
			let loaded = 0;
			for (let i = 1; i <= 100; i++) {
				a.spawn(() => {
					const profile = store.LoadProfileAsync(`Many_${i}`);
					if (profile) {
						profile.Data.Coins = i;
						loaded += 1;
					}
				});
			}
			Runtime.waitUntil(() => loaded === 100, 120, "100 profiles loaded");
			Runtime.wait(37); // mid auto-save rotation: some keys were written moments ago
			const start = Runtime.now();
			a.shutdown();
			expect(Runtime.now() - start < 30).to.equal(true);
			for (let i = 1; i <= 100; i++) {
				const value = stored(`Many_${i}`)!;
				expect(value.Data.Coins).to.equal(i);
				expect(value.MetaData.ActiveSession).to.equal(undefined);
			}
			expect(Runtime.store().stats().dropped).to.equal(0);
		});
	});

	describe("signals", () => {
		it("fires IssueSignal with the message, store and key when a request fails, and keeps trying", () => {
			const [a] = startServers("A");
			const issues: string[] = [];
			ours(a).ProfileService.IssueSignal.Connect((message, storeName, key) =>
				issues.push(`${storeName}/${key}: ${message}`),
			);
			// The first failure hits the read that looks for a live holder; the next two hit UpdateAsync.
			Runtime.configureDataStore({
				keyFailures: { Flaky_1: { count: 3, code: 502, message: "API Services rejected request" } },
			});
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Flaky_1"))!;
			expect(profile).to.be.ok();
			expect(issues.size() >= 2).to.equal(true);
			expect(issues[0]).to.equal("PlayerData/Flaky_1: 502: API Services rejected request");
			expect(
				a
					.logs("warn")
					.some(
						(w) =>
							w.text.find(
								'[ProfileService]: DataStore API error [Store:"PlayerData";Key:"Flaky_1"]',
								1,
								true,
							)[0] !== undefined,
					),
			).to.equal(true);
		});

		it("enters the critical state after 5 issues within 120 s, and leaves it after 120 s without any", () => {
			const [a] = startServers("A");
			const { ProfileService } = ours(a);
			const states: Array<[boolean, number]> = [];
			ProfileService.CriticalStateSignal.Connect((critical) => states.push([critical, Runtime.now()]));
			const start = Runtime.now();
			Runtime.configureDataStore({ outages: [{ from: start, to: start + 40 }] });
			a.spawn(() => storeOn(a).LoadProfileAsync("Outage_1"));
			Runtime.waitUntil(() => states.size() === 1, 60, "critical state");
			expect(states[0][0]).to.equal(true);
			expect(ProfileService.CriticalState).to.equal(true);
			Runtime.waitUntil(() => states.size() === 2, 400, "critical state ends");
			expect(states[1][0]).to.equal(false);
			// The outage ends at +40 s; the last issue is the last failed request before that.
			expect(states[1][1] - start >= 120 && states[1][1] - start <= 40 + 120 + 1).to.equal(true);
			expect(ProfileService.CriticalState).to.equal(false);
		});

		it("fires CorruptionSignal and replaces a corrupted value with a new profile", () => {
			const [a] = startServers("A");
			Runtime.store().set("PlayerData", undefined, "Corrupt_1", "not a profile");
			const events: string[] = [];
			ours(a).ProfileService.CorruptionSignal.Connect((storeName, key) => events.push(`${storeName}/${key}`));
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Corrupt_1"))!;
			expect(events[0]).to.equal("PlayerData/Corrupt_1");
			expect(profile.Data.Coins).to.equal(0);
		});
	});

	describe("Studio", () => {
		it("falls back to a mock store with a warning when API access is off", () => {
			const studio = Runtime.startServer({ studio: true, apiAccess: false });
			const { ProfileService } = ours(studio);
			expect(studio.call(() => ProfileService.IsLive())).to.equal(false);
			expect(
				studio
					.logs("warn")
					.some(
						(w) =>
							w.text.find("[ProfileService]: Roblox API services unavailable", 1, true)[0] !== undefined,
					),
			).to.equal(true);
			const store = ProfileService.GetProfileStore("StudioData", TEMPLATE);
			expect(studio.call(() => store.IsMock())).to.equal(true);
			const profile = studio.call(() => store.LoadProfileAsync("Studio_1"))!;
			profile.Data.Coins = 3;
			profile.Release();
			Runtime.wait(2);
			expect(Runtime.store().keys("StudioData").size()).to.equal(0);
			expect(studio.call(() => store.ViewProfileAsync("Studio_1"))!.Data.Coins).to.equal(3);
		});

		it("uses the live store in Studio when API access is on, and says so", () => {
			const studio = Runtime.startServer({ studio: true, apiAccess: true });
			const { ProfileService } = ours(studio);
			expect(studio.call(() => ProfileService.IsLive())).to.equal(true);
			const store = ProfileService.GetProfileStore("StudioLive", TEMPLATE);
			expect(studio.call(() => store.IsMock())).to.equal(false);
			expect(store.Mock.IsMock()).to.equal(true);
			studio.call(() => store.LoadProfileAsync("Studio_2"));
			expect(Runtime.store().keys("StudioLive").size()).to.equal(1);
		});
	});
};

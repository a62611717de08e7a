import Runtime from "../Runtime";
import { ours, startServers, storeOn, stored, resetDefaults } from "./Fixtures";
import { expectContains } from "../Expect";

export = () => {
	beforeEach(resetDefaults);

	it("fills MetaData: create time, load count, active session, meta tags", () => {
		const [a] = startServers("A");
		const created = os.time();
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Meta_1"))!;
		expect(math.abs(profile.MetaData.ProfileCreateTime - created) <= 1).to.equal(true);
		expect(profile.MetaData.SessionLoadCount).to.equal(1);
		expect(profile.MetaData.ActiveSession![0]).to.equal(a.placeId);
		expect(profile.MetaData.ActiveSession![1]).to.equal(a.jobId);
		expect(profile.MetaData.MetaTagsLatest.size()).to.equal(0);
	});

	it("confirms MetaTags through MetaTagsLatest and MetaTagsUpdated after a save", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Meta_2"))!;
		const updates: Array<Map<string, unknown>> = [];
		profile.MetaTagsUpdated.Connect((latest) => updates.push(latest));
		profile.SetMetaTag("Purchase_1", true);
		expect(profile.GetMetaTag("Purchase_1")).to.equal(true);
		expect(profile.MetaData.MetaTagsLatest.get("Purchase_1")).to.equal(undefined);
		profile.Save();
		Runtime.waitUntil(() => updates.size() === 1, 30, "save");
		expect(profile.MetaData.MetaTagsLatest.get("Purchase_1")).to.equal(true);
		expect(updates[0].get("Purchase_1")).to.equal(true);
		// The deprecated alias of the @rbxts/profileservice typings still answers.
		expect(profile.GetMetaTags("Purchase_1")).to.equal(true);
	});

	it("refuses a bad tag name", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Meta_3"))!;
		const [ok, err] = pcall(() => profile.SetMetaTag("", 1));
		expect(ok).to.equal(false);
		expectContains(tostring(err), 'Profile:SetMetaTag(): argument "tagName" must be a non-empty string');
	});

	it("saves RobloxMetaData as the key's metadata and UserIds as its user ids", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Meta_4"))!;
		profile.RobloxMetaData = { Category: "Casual" };
		profile.AddUserId(55);
		profile.AddUserId(55);
		profile.AddUserId(66);
		profile.RemoveUserId(66);
		profile.AddUserId(-1); // negative ids never reach a live store
		expect(profile.UserIds.size()).to.equal(1);
		let keyInfo: unknown;
		profile.KeyInfoUpdated.Connect((info) => (keyInfo = info));
		profile.Save();
		Runtime.waitUntil(() => keyInfo !== undefined, 30, "save");
		expect(profile.KeyInfo).to.equal(keyInfo);
		const [, info] = Runtime.store().get("PlayerData", undefined, "Meta_4");
		expect((info!.metadata as { Category: string }).Category).to.equal("Casual");
		expect(info!.userIds[0]).to.equal(55);
		expect(info!.userIds.size()).to.equal(1);
		expect(profile.KeyInfo.Version).to.equal(info!.version);
		const [ok, err] = pcall(() => profile.AddUserId(1.5));
		expect(ok).to.equal(false);
		expectContains(
			tostring(err),
			'Profile:AddUserId(): argument "userId" must be a whole number, got number (1.5)',
		);
	});

	it("reconciles string keys only, deep-copying template tables", () => {
		const [a] = startServers("A");
		const lib = ours(a);
		const template = { Coins: 0, Items: ["Starter"], Nested: { A: 1, B: { C: 2 } } };
		Runtime.store().set("Reconcile", undefined, "R_1", {
			Data: { Coins: 5, Nested: { A: 9 } },
			MetaData: { ProfileCreateTime: 0, SessionLoadCount: 1, MetaTags: {} },
			GlobalUpdates: [0, []],
		});
		const store = lib.ProfileService.GetProfileStore("Reconcile", template);
		// GetProfileStore refuses a template the DataStore cannot store (a mixed table): a number key added after
		// the check shows Reconcile skipping it all the same.
		(template as unknown as Map<number, string>).set(1, "ignored");
		const profile = a.call(() => store.LoadProfileAsync("R_1"))!;
		profile.Reconcile();
		expect(profile.Data.Coins).to.equal(5);
		expect(profile.Data.Items[0]).to.equal("Starter");
		expect(profile.Data.Items).never.to.equal(template.Items);
		expect(profile.Data.Nested.A).to.equal(9);
		expect(profile.Data.Nested.B.C).to.equal(2);
		expect(profile.Data.Nested.B).never.to.equal(template.Nested.B);
		expect((profile.Data as unknown as Map<number, unknown>).get(1)).to.equal(undefined);
	});

	it("fires release and hop-ready listeners in order, and calls late listeners at once", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Release_1"))!;
		const events: string[] = [];
		profile.ListenToRelease(() => events.push("release"));
		profile.ListenToHopReady(() => events.push(`hop:${stored("Release_1")!.MetaData.ActiveSession === undefined}`));
		profile.Release();
		expect(events.join(",")).to.equal("release");
		Runtime.waitUntil(() => events.size() === 2, 30, "hop ready");
		expect(events.join(",")).to.equal("release,hop:true");
		profile.ListenToRelease(() => events.push("late release"));
		profile.ListenToHopReady(() => events.push("late hop"));
		Runtime.wait(0.1);
		expect(events.join(",")).to.equal("release,hop:true,late release,late hop");
		expect(profile.IsActive()).to.equal(false);
	});

	it("identifies itself with store, scope and key", () => {
		const [a] = startServers("A");
		const scoped = a.call(() => storeOn(a, "PlayerData", "Live").LoadProfileAsync("Id_1"))!;
		expect(scoped.Identify()).to.equal('[Store:"PlayerData";Scope:"Live";Key:"Id_1"]');
		const plain = a.call(() => storeOn(a).LoadProfileAsync("Id_2"))!;
		expect(plain.Identify()).to.equal('[Store:"PlayerData";Key:"Id_2"]');
	});

	it("warns when saving an inactive profile, and errors on Save in view mode", () => {
		const [a] = startServers("A");
		const store = storeOn(a);
		const profile = a.call(() => store.LoadProfileAsync("Save_1"))!;
		profile.Release();
		profile.Save();
		expect(
			a.logs("warn").some((w) => w.text.find("Attempted saving an inactive profile", 1, true)[0] !== undefined),
		).to.equal(true);
		Runtime.wait(10);
		const view = a.call(() => store.ViewProfileAsync("Save_1"))!;
		const [ok, err] = pcall(() => view.Save());
		expect(ok).to.equal(false);
		expectContains(tostring(err), "can't save in view mode");
	});

	it("auto-saves every profile once per 30 s, spread evenly over the profiles", () => {
		const [a] = startServers("A");
		const store = storeOn(a);
		for (let i = 1; i <= 6; i++) a.spawn(() => store.LoadProfileAsync(`Spread_${i}`));
		Runtime.wait(5);
		const times: number[] = [];
		const keys: string[] = [];
		for (let i = 1; i <= 6; i++) {
			const key = `Spread_${i}`;
			let last = stored(key)!.MetaData.LastUpdate;
			task.spawn(() => {
				for (;;) {
					task.wait(0.25);
					const now = stored(key)!.MetaData.LastUpdate;
					if (now !== last) {
						last = now;
						times.push(Runtime.now());
						keys.push(key);
					}
				}
			});
		}
		Runtime.wait(95);
		// After the first 30 s grace period, 6 profiles are saved 5 s apart: about 12 saves in the next 60 s.
		const later = times.filter((t) => t > 40);
		expect(later.size() >= 10 && later.size() <= 14).to.equal(true);
		for (let i = 1; i < later.size(); i++) expect(math.abs(later[i] - later[i - 1] - 5) < 1.5).to.equal(true);
		for (let i = 1; i <= 6; i++) expect(keys.includes(`Spread_${i}`)).to.equal(true);
	});
};

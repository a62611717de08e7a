import Runtime from "../Runtime";
import { startServers, storeOn, stored, resetDefaults } from "./Fixtures";

export = () => {
	beforeEach(resetDefaults);

	it("loads a new profile from the template, locks it, auto-saves and releases", () => {
		const [a] = startServers("A");
		const store = storeOn(a);
		const profile = a.call(() => store.LoadProfileAsync("Player_1"))!;
		expect(profile).to.be.ok();
		expect(profile.IsActive()).to.equal(true);
		expect(profile.Data.Coins).to.equal(0);
		expect(profile.MetaData.SessionLoadCount).to.equal(1);
		expect(profile.MetaData.ActiveSession![1]).to.equal(a.jobId);
		const first = stored("Player_1")!;
		expect(first.MetaData.ActiveSession![1]).to.equal(a.jobId);
		profile.Data.Coins = 5;
		Runtime.waitUntil(() => stored("Player_1")!.Data.Coins === 5, 61, "auto-save");
		let released = false;
		profile.ListenToRelease(() => (released = true));
		profile.Release();
		expect(profile.IsActive()).to.equal(false);
		Runtime.waitUntil(() => stored("Player_1")!.MetaData.ActiveSession === undefined, 30, "release lands");
		expect(released).to.equal(true);
	});

	it("loads again on another server with the saved data", () => {
		const [a, b] = startServers("A", "B");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Player_2"))!;
		profile.Data.Items.push("Sword");
		let hopReady = false;
		profile.ListenToHopReady(() => (hopReady = true));
		profile.Release();
		Runtime.waitUntil(() => hopReady, 30, "hop ready");
		const again = b.call(() => storeOn(b).LoadProfileAsync("Player_2"))!;
		expect(again.Data.Items[0]).to.equal("Sword");
		expect(again.MetaData.SessionLoadCount).to.equal(2);
	});
};

import Runtime, { type SimServer } from "../Runtime";
import { original } from "../library/Original";

function loadOriginal(server: SimServer) {
	return original(server).GetProfileStore<{ Coins: number }>("PlayerData", { Coins: 0 });
}

export = () => {
	it("saves on server A, releases, and server B sees A's data", () => {
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const storeA = loadOriginal(a);
		const profile = a.call(() => storeA.LoadProfileAsync("Player_1"))!;
		expect(profile).to.be.ok();
		profile.Data.Coins = 42;
		// An auto-save happens within 30 s; after it, the stored copy holds the new value while A still owns it.
		Runtime.waitUntil(
			() => {
				const [stored] = Runtime.store().get("PlayerData", undefined, "Player_1");
				return (stored as { Data: { Coins: number } } | undefined)?.Data.Coins === 42;
			},
			60,
			"auto-save of Coins = 42",
		);
		const [locked] = Runtime.store().get("PlayerData", undefined, "Player_1");
		const active = (locked as { MetaData: { ActiveSession?: [number, string] } }).MetaData.ActiveSession;
		expect(active).to.be.ok();
		expect(active![1]).to.equal(a.jobId);
		profile.Release();
		Runtime.waitUntil(
			() => {
				const [stored] = Runtime.store().get("PlayerData", undefined, "Player_1");
				return (stored as { MetaData: { ActiveSession?: unknown } }).MetaData.ActiveSession === undefined;
			},
			60,
			"release written",
		);
		const storeB = loadOriginal(b);
		const profileB = b.call(() => storeB.LoadProfileAsync("Player_1"))!;
		expect(profileB).to.be.ok();
		expect(profileB.Data.Coins).to.equal(42);
		expect(profileB.MetaData.SessionLoadCount).to.equal(2);
	});

	it("crashes A while it holds the profile; B's default LoadProfileAsync still gets it", () => {
		Runtime.setTimeLimit(4 * 3600);
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const storeA = loadOriginal(a);
		const profile = a.call(() => storeA.LoadProfileAsync("Player_2"))!;
		profile.Data.Coins = 7;
		Runtime.waitUntil(
			() => {
				const [stored] = Runtime.store().get("PlayerData", undefined, "Player_2");
				return (stored as { Data: { Coins: number } } | undefined)?.Data.Coins === 7;
			},
			60,
			"auto-save",
		);
		a.crash();
		const crashedAt = Runtime.now();
		const storeB = loadOriginal(b);
		const profileB = b.call(() => storeB.LoadProfileAsync("Player_2"))!;
		const took = Runtime.now() - crashedAt;
		Runtime.output(
			`[fidelity] original ProfileService: B took the crashed lock after ${"%.1f".format(took)} virtual s`,
		);
		expect(profileB).to.be.ok();
		expect(profileB.Data.Coins).to.equal(7);
		// The original's ForceLoad requests the session, then counts 8 more UpdateAsync steps before stealing. Its own
		// write queue spaces calls to one key 7 s apart, so the steal lands after 8 cooldowns plus the first request.
		expect(took > 8 * 7).to.equal(true);
		expect(took < 9 * 7 + 5).to.equal(true);
	});
};

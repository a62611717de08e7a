import Runtime, { type SimServer } from "../Runtime";
import { storeOn, TEMPLATE } from "./Fixtures";
import { original } from "./Original";

const OFFSETS = [3, 10, 17, 24];

function loader(kind: "ours" | "original", server: SimServer) {
	if (kind === "ours") {
		const store = storeOn(server, "HandOff");
		return (key: string) => store.LoadProfileAsync(key);
	}
	const store = original(server).GetProfileStore("HandOff", TEMPLATE);
	return (key: string) => store.LoadProfileAsync(key);
}

/** Seconds from B's LoadProfileAsync until it returns while live server A holds the key, for each offset. */
function measure(kind: "ours" | "original", label: string): number[] {
	const results: number[] = [];
	for (const offset of OFFSETS) {
		const a = Runtime.startServer({ name: `${kind}-A` });
		const b = Runtime.startServer({ name: `${kind}-B` });
		const key = `${label}_${kind}_${offset}`;
		const loadA = loader(kind, a);
		if (a.call(() => loadA(key)) === undefined) error(`${kind}: A could not load ${key}`);
		Runtime.wait(offset);
		const loadB = loader(kind, b);
		const start = Runtime.now();
		const profile = b.call(() => loadB(key));
		if (profile === undefined) error(`${kind}: B could not load ${key}`);
		results.push(Runtime.now() - start);
		a.crash();
		b.crash();
	}
	return results;
}

const mean = (list: number[]) => list.reduce((sum, v) => sum + v, 0) / list.size();

export = () => {
	it("hands a profile from a live holder to a new server faster than the original (measured in the same run)", () => {
		Runtime.configureDataStore({ model: "official", latency: { min: 0.05, max: 0.15 }, errorRate: 0 });
		Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 0 });
		const ours = measure("ours", "live");
		const theirs = measure("original", "live");
		const fmt = (list: number[]) => list.map((v) => "%.1f".format(v)).join(", ");
		Runtime.output(`[hand-off] ours: mean ${"%.1f".format(mean(ours))} s (${fmt(ours)})`);
		Runtime.output(`[hand-off] original: mean ${"%.1f".format(mean(theirs))} s (${fmt(theirs)})`);
		expect(mean(ours) * 3 < mean(theirs)).to.equal(true);
		for (const value of ours) expect(value < 8).to.equal(true);
	});

	it("still hands off, through the ForceLoad protocol, when every message is lost", () => {
		Runtime.configureMessaging({ loss: 1 });
		const ours = measure("ours", "lossy");
		Runtime.output(`[hand-off] ours without MessagingService: ${ours.map((v) => "%.1f".format(v)).join(", ")} s`);
		// Without messages, the holder releases at its next auto-save, as with the original.
		for (const value of ours) expect(value < 40).to.equal(true);
	});

	it("loads a key nobody holds with one UpdateAsync and nothing else", () => {
		Runtime.configureMessaging({ loss: 0 });
		const a = Runtime.startServer({ name: "A" });
		const before = Runtime.store().stats().requests;
		const profile = a.call(() => storeOn(a, "Fresh").LoadProfileAsync("Fresh_1"));
		expect(profile).to.be.ok();
		expect(Runtime.store().stats().requests - before).to.equal(1);
		expect(Runtime.store().stats().byKey["UpdateAsync Fresh_1"]).to.equal(1);
	});

	it("has the holder hand the lock over with its release: the requester reads it with one GetAsync", () => {
		Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 0 });
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const profileA = a.call(() => storeOn(a, "Grant").LoadProfileAsync("Grant_1"))!;
		profileA.Data.Coins = 12;
		Runtime.wait(15);
		const count = (method: string) => Runtime.store().stats().byKey[`${method} Grant_1`] ?? 0;
		const [updates, gets] = [count("UpdateAsync"), count("GetAsync")];
		const start = Runtime.now();
		const profileB = b.call(() => storeOn(b, "Grant").LoadProfileAsync("Grant_1"))!;
		const took = Runtime.now() - start;
		expect(profileB.Data.Coins).to.equal(12);
		expect(profileA.IsActive()).to.equal(false);
		// B's ForceLoad request, A's release (which hands the lock to B), and B's read.
		expect(count("UpdateAsync") - updates).to.equal(2);
		expect(count("GetAsync") - gets).to.equal(1);
		expect(took < 2).to.equal(true);
		const stored = Runtime.store().get("Grant", undefined, "Grant_1")[0] as {
			MetaData: { ActiveSession: [number, string]; ForceLoadSession?: unknown; SessionLoadCount: number };
		};
		expect(stored.MetaData.ActiveSession[1]).to.equal(b.jobId);
		expect(stored.MetaData.ForceLoadSession).to.equal(undefined);
		expect(stored.MetaData.SessionLoadCount).to.equal(profileB.MetaData.SessionLoadCount);
		expect(stored.MetaData.SessionLoadCount).to.equal(2);
		// B's next save keeps the lock: the handed-over session is a normal one.
		profileB.Data.Coins = 13;
		profileB.Save();
		Runtime.wait(10);
		expect(
			(Runtime.store().get("Grant", undefined, "Grant_1")[0] as { Data: { Coins: number } }).Data.Coins,
		).to.equal(13);
		expect(profileB.IsActive()).to.equal(true);
	});

	it("takes the lock with its next UpdateAsync when the Get budget runs too low to read a handed-over lock", () => {
		Runtime.configureMessaging({ loss: 0 });
		const a = Runtime.startServer({ name: "A" });
		const b = Runtime.startServer({ name: "B" });
		const storeA = storeOn(a, "LowBudget");
		a.call(() => storeA.LoadProfileAsync("Low_1"));
		Runtime.wait(10);
		// Spend B's GetAsync budget down to about 10.
		const dataStore = b.game.GetService("DataStoreService").GetDataStore("Drain");
		let drained = 0;
		b.call(() => {
			for (let i = 0; i < 90; i++) {
				task.spawn(() => {
					dataStore.GetAsync(`d${i}`);
					drained += 1;
				});
			}
		});
		Runtime.waitUntil(() => drained === 90, 10, "drain");
		expect(b.budget(Enum.DataStoreRequestType.GetAsync) < 20).to.equal(true);
		const reads = Runtime.store().stats().byMethod.GetAsync;
		const storeB = storeOn(b, "LowBudget");
		const start = Runtime.now();
		const profile = b.call(() => storeB.LoadProfileAsync("Low_1"));
		const took = Runtime.now() - start;
		Runtime.output(`[hand-off] ours with a low Get budget: ${"%.1f".format(took)} s`);
		expect(profile).to.be.ok();
		expect(Runtime.store().stats().byMethod.GetAsync).to.equal(reads);
		// One write cooldown after its ForceLoad request instead of A's next auto-save (20 s away).
		expect(took < 8).to.equal(true);
	});
};

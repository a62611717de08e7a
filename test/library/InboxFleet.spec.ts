/**
 * Long auto-save periods at the peers' request cost, with gifts as fast as at 30 s: the heartbeat's inbox, the
 * MixedFleet option, gift notices, and what a store that may meet original servers keeps (its confirmation reads).
 */
import Runtime, { type SimServer } from "../Runtime";
import { original } from "./Original";
import { ours, resetDefaults, stored, TEMPLATE, type Data } from "./Fixtures";
import { Settings } from "../../src/internal/Constants";

const STORE = "Inbox";
type Gifted = Data & { Gifts?: string[] };

function storeOn(server: SimServer, period: number, mixedFleet?: boolean) {
	return ours(server).ProfileService.GetProfileStore(
		{ Name: STORE, AutoSavePeriod: period, MixedFleet: mixedFleet },
		TEMPLATE as Gifted,
	);
}

/** DataStore requests of every kind sent for `key`, by every server. */
function requestsFor(key: string) {
	let total = 0;
	for (const [name, count] of pairs(Runtime.store().stats().byKey)) {
		if (name.sub(-key.size() - 1) === ` ${key}`) total += count;
	}
	return total;
}

function percentile(values: number[], share: number) {
	const sorted = [...values];
	sorted.sort((a, b) => a < b);
	return sorted[math.min(sorted.size() - 1, math.floor(share * sorted.size()))];
}

export = () => {
	beforeEach(() => {
		resetDefaults();
		Runtime.configureMemoryStore({
			latency: { min: 0.02, max: 0.08 },
			errorRate: 0,
			outages: [],
			failingServers: [],
		});
	});

	/** Holds a profile for an hour on A and returns the DataStore requests it cost, of every kind. */
	function hourOfHolding(period: number, mixedFleet: boolean | undefined, key: string) {
		Runtime.setTimeLimit(3 * 3600);
		const a = Runtime.startServer({ name: "A" });
		const before = requestsFor(key);
		const profile = a.call(() => storeOn(a, period, mixedFleet).LoadProfileAsync(key))!;
		for (let minute = 0; minute < 60; minute++) {
			profile.Data.Coins += 1;
			Runtime.wait(60);
		}
		return requestsFor(key) - before;
	}

	describe("what a profile costs an hour at period 300", () => {
		it("MixedFleet false: at most 13 DataStore requests of any kind", () => {
			const cost = hourOfHolding(300, false, "Cost_1");
			Runtime.output(`[inbox] period 300, MixedFleet false: ${cost} DataStore requests in an hour`);
			expect(cost <= 13).to.equal(true);
		});

		it("the default (MixedFleet true): the locks are confirmed by a read every 27 s (32 s less the read cache)", () => {
			const cost = hourOfHolding(300, undefined, "Cost_2");
			Runtime.output(`[inbox] period 300, MixedFleet true: ${cost} DataStore requests in an hour`);
			expect(cost > 100).to.equal(true);
			expect(cost < 3600 / (Settings.LockConfirmSeconds - Settings.ReadCacheSeconds) + 20).to.equal(true);
		});

		it("MemoryStore requests per server stay at one a second, whatever the number of profiles", () => {
			const a = Runtime.startServer({ name: "A" });
			const store = storeOn(a, 300, false);
			for (let i = 1; i <= 40; i++) a.call(() => store.LoadProfileAsync(`Many_${i}`));
			Runtime.wait(30);
			const before = Runtime.memoryStore().stats().requests;
			Runtime.wait(120);
			const perMinute = (Runtime.memoryStore().stats().requests - before) / 2;
			Runtime.output(`[inbox] 40 profiles at period 300: ${perMinute} MemoryStore requests a minute`);
			expect(perMinute <= 61).to.equal(true);
		});
	});

	describe("gifts reach a long-period holder within 30 s", () => {
		for (const [period, mixedFleet] of [
			[300, false],
			[1200, false],
			[300, true],
			[1200, true],
		] as Array<[number, boolean]>) {
			it(`period ${period}, MixedFleet ${mixedFleet}: 20 gifts, each applied once within 30 s`, () => {
				Runtime.setTimeLimit(3 * 3600);
				const a = Runtime.startServer({ name: "A" });
				const g = Runtime.startServer({ name: "Gifts" });
				const key = `Gift_${period}_${mixedFleet}`;
				const profile = a.call(() => storeOn(a, period, mixedFleet).LoadProfileAsync(key))!;
				const arrived = new Map<string, number>();
				const updates = profile.GlobalUpdates;
				a.call(() => {
					updates.ListenToNewActiveUpdate((id) => updates.LockActiveUpdate(id));
					updates.ListenToNewLockedUpdate((id, data) => {
						const gift = (data as { Gift: string }).Gift;
						if (!arrived.has(gift)) arrived.set(gift, Runtime.now());
						(profile.Data.Gifts ??= []).push(gift);
						updates.ClearLockedUpdate(id);
					});
				});
				const sender = storeOn(g, 30);
				const latencies: number[] = [];
				for (let i = 1; i <= 20; i++) {
					Runtime.wait(7 + (i % 5) * 3);
					const gift = `g${i}`;
					const sentAt = Runtime.now();
					g.call(() => sender.GlobalUpdateProfileAsync(key, (u) => u.AddActiveUpdate({ Gift: gift })));
					Runtime.waitUntil(() => arrived.has(gift), 60, `gift ${gift}`);
					latencies.push(arrived.get(gift)! - sentAt);
				}
				Runtime.wait(60);
				const applied = (profile.Data.Gifts ?? []).size();
				const p50 = percentile(latencies, 0.5);
				const max = percentile(latencies, 1);
				Runtime.output(
					`[inbox] period ${period}, MixedFleet ${mixedFleet}: gifts p50 ${"%.1f".format(p50)} s, max ${"%.1f".format(max)} s`,
				);
				expect(applied).to.equal(20);
				expect(max <= 30).to.equal(true);
			});
		}

		it("a notice that is lost costs at most one period, never the gift", () => {
			Runtime.setTimeLimit(3 * 3600);
			const a = Runtime.startServer({ name: "A" });
			const g = Runtime.startServer({ name: "Gifts" });
			const profile = a.call(() => storeOn(a, 120, false).LoadProfileAsync("Lost_1"))!;
			const updates = profile.GlobalUpdates;
			let arrivedAt: number | undefined;
			a.call(() => {
				updates.ListenToNewActiveUpdate((id) => updates.LockActiveUpdate(id));
				updates.ListenToNewLockedUpdate((id) => {
					arrivedAt ??= Runtime.now();
					updates.ClearLockedUpdate(id);
				});
			});
			Runtime.wait(5);
			// The sender cannot reach MemoryStoreService: no notice gets into A's inbox.
			Runtime.configureMemoryStore({ failingServers: ["Gifts"] });
			const sentAt = Runtime.now();
			g.call(() => storeOn(g, 30).GlobalUpdateProfileAsync("Lost_1", (u) => u.AddActiveUpdate({ Gift: "x" })));
			Runtime.waitUntil(() => arrivedAt !== undefined, 400, "the gift");
			const took = arrivedAt! - sentAt;
			Runtime.output(`[inbox] period 120, notice lost: the gift arrived after ${"%.1f".format(took)} s`);
			expect(took <= 120 + 2 * Settings.WriteCooldown + 5).to.equal(true);
		});
	});

	describe("a mixed fleet keeps the original's safety", () => {
		it("period 300, the default: an original server's ForceLoad gets the holder's last change, at 20 phases", () => {
			Runtime.setTimeLimit(6 * 3600);
			let kept = 0;
			for (let phase = 0; phase < 20; phase++) {
				const a = Runtime.startServer({ name: `A${phase}` });
				const o = Runtime.startServer({ name: `O${phase}` });
				const key = `Mixed_${phase}`;
				const held = a.call(() => storeOn(a, 300).LoadProfileAsync(key))!;
				Runtime.wait(5 + phase * 1.6);
				const theirs = original(o).GetProfileStore(STORE, TEMPLATE);
				let loaded: { Data: Data } | undefined;
				o.spawn(() => {
					loaded = theirs.LoadProfileAsync(key) as { Data: Data } | undefined;
				});
				Runtime.wait(1);
				held.Data.Coins = 700 + phase; // the holder's last change
				Runtime.waitUntil(() => loaded !== undefined, 200, "the original's load");
				if (loaded!.Data.Coins === 700 + phase && !held.IsActive()) kept += 1;
				a.shutdown();
				o.shutdown();
			}
			Runtime.output(`[inbox] period 300, mixed: the original's ForceLoad got the last change ${kept} of 20`);
			expect(kept).to.equal(20);
		});
	});

	describe("hand-offs in a fleet of ours, with the inbox", () => {
		it("a deaf holder at period 300 (MixedFleet false) hands over at once through its inbox, progress kept", () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const held = a.call(() => storeOn(a, 300, false).LoadProfileAsync("Deaf_1"))!;
			Runtime.wait(40);
			held.Data.Coins = 777;
			const start = Runtime.now();
			const loaded = b.call(() => storeOn(b, 300, false).LoadProfileAsync("Deaf_1"))!;
			const took = Runtime.now() - start;
			Runtime.output(`[inbox] deaf holder at period 300: handed over in ${"%.1f".format(took)} s`);
			expect(loaded.Data.Coins).to.equal(777);
			expect(held.IsActive()).to.equal(false);
			expect(took < 15).to.equal(true);
		});

		it("a requester cut off from MemoryStore waits for the holder's next save, and takes nothing from it", () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const held = a.call(() => storeOn(a, 120, false).LoadProfileAsync("CutRequester_1"))!;
			Runtime.wait(20);
			Runtime.configureMemoryStore({ failingServers: ["B"] });
			let overlap = false;
			let loaded: { Data: Gifted; IsActive(): boolean } | undefined;
			b.spawn(() => {
				loaded = storeOn(b, 120, false).LoadProfileAsync("CutRequester_1");
			});
			while (loaded === undefined) {
				if (held.IsActive()) held.Data.Coins += 1;
				Runtime.wait(1);
				if (loaded !== undefined && held.IsActive()) overlap = true;
			}
			expect(overlap).to.equal(false);
			expect(loaded.Data.Coins).to.equal(held.Data.Coins);
		});

		it("a store with MixedFleet false that meets an original server's lock confirms its locks again", () => {
			const a = Runtime.startServer({ name: "A" });
			const o = Runtime.startServer({ name: "Original" });
			const theirs = original(o).GetProfileStore(STORE, TEMPLATE);
			o.call(() => theirs.LoadProfileAsync("Theirs_1"));
			const store = storeOn(a, 300, false);
			// A's load finds the original's lock: from then on this store reads its locks as in a mixed fleet.
			a.spawn(() => store.LoadProfileAsync("Theirs_1", () => "Cancel"));
			Runtime.wait(5);
			a.call(() => store.LoadProfileAsync("Mine_1"));
			const before = requestsFor("Mine_1");
			Runtime.wait(100);
			const reads = requestsFor("Mine_1") - before;
			const marker = (stored("Mine_1", STORE)!.MetaData as { HandOff?: unknown[] }).HandOff;
			expect(marker?.[4]).to.equal(undefined);
			expect(reads >= 2).to.equal(true);
		});

		it("rejects a MixedFleet that is not a boolean, naming the argument", () => {
			const a = Runtime.startServer({ name: "A" });
			const [ok, err] = pcall(() => a.call(() => storeOn(a, 300, "no" as unknown as boolean)));
			expect(ok).to.equal(false);
			expect(
				tostring(err).find('argument "MixedFleet" must be undefined or a boolean', 1, true)[0] !== undefined,
			).to.equal(true);
		});
	});
};

/**
 * The fast paths (early takeover, direct hand-over, hand-off read) against the failure modes the original
 * protocol survives: holders that cannot hear, clock skew, requesters that die or shut down, rejoins during a
 * hand-off, late messages, identical gifts. Each case failed on the fast paths as they first shipped.
 */
import Runtime, { type SimServer } from "../Runtime";
import { original } from "./Original";
import type { DataStoreAdapter } from "../../src";
import { ours, resetDefaults, storeOn, stored, TEMPLATE, type Data } from "./Fixtures";

const STORE = "FastPath";
type Loaded = { Data: Data; IsActive(): boolean; Release(): void } | undefined;

function load(server: SimServer, key: string): Loaded {
	return server.call(() => storeOn(server, STORE).LoadProfileAsync(key));
}

/** Starts a load in the background; `result()` is undefined until it returns, then [profile]. */
function loadLater(server: SimServer, key: string) {
	let outcome: [Loaded] | undefined;
	server.spawn(() => {
		outcome = [storeOn(server, STORE).LoadProfileAsync(key)];
	});
	return () => outcome;
}

/** Waits until the stored lock of `key` has been rewritten by its holder (an auto-save), and returns the time. */
function waitForHolderSave(key: string) {
	const first = stored(key, STORE)!.MetaData.LastUpdate;
	return Runtime.waitUntil(() => stored(key, STORE)!.MetaData.LastUpdate !== first, 90, "the holder's auto-save");
}

export = () => {
	beforeEach(() => resetDefaults());

	describe("an early takeover never comes from a live holder", () => {
		const cannotHear: Array<[string, "deaf" | "subscribeFails"]> = [
			["whose listener hears nothing", "deaf"],
			["whose SubscribeAsync failed", "subscribeFails"],
		];
		for (const [what, messaging] of cannotHear) {
			it(`one of ours ${what} keeps its progress while an outage delays its auto-save`, () => {
				const key = `CannotHear_${messaging}`;
				const a = Runtime.startServer({ name: "A", messaging });
				const b = Runtime.startServer({ name: "B" });
				const profileA = load(a, key)!;
				profileA.Data.Coins = 1;
				const saved = waitForHolderSave(key);
				// A's next auto-save (30 s after this one) falls in a 9 s outage; B asks 5 s after the save.
				Runtime.configureDataStore({ outages: [{ from: saved + 27, to: saved + 36 }] });
				Runtime.wait(5);
				const result = loadLater(b, key);
				Runtime.wait(28);
				// Progress during the outage, if A still holds the profile (B's request also reaches A's heartbeat
				// inbox, which a deaf listener does not stop): whatever A had when its session ended is what B gets.
				if (profileA.IsActive()) profileA.Data.Coins = 777;
				Runtime.waitUntil(() => result() !== undefined, 200, "B's load");
				expect(profileA.IsActive()).to.equal(false);
				expect(result()![0]!.Data.Coins).to.equal(profileA.Data.Coins);
			});
		}

		it("a ghost hop: the old server, deaf and 25 s behind, keeps playing until its session ends; no overlap, nothing lost", () => {
			const old = Runtime.startServer({ name: "Old", messaging: "deaf", clockOffset: -25 });
			const target = Runtime.startServer({ name: "New" });
			const ghost = load(old, "Ghost_1")!;
			waitForHolderSave("Ghost_1");
			// The player is on the new server while the old one still has them and keeps changing their data, as a
			// game does until it sees the profile end.
			let lastChange = 0;
			old.spawn(() => {
				while (ghost.IsActive()) {
					ghost.Data.Coins += 1;
					lastChange = ghost.Data.Coins;
					task.wait(1);
				}
			});
			const result = loadLater(target, "Ghost_1");
			let overlap = false;
			Runtime.waitUntil(
				() => {
					const loaded = result()?.[0];
					if (loaded !== undefined && loaded.IsActive() && ghost.IsActive()) overlap = true;
					return result() !== undefined;
				},
				200,
				"the new server's load",
			);
			expect(overlap).to.equal(false);
			expect(ghost.IsActive()).to.equal(false);
			expect(lastChange > 0).to.equal(true);
			expect(result()![0]!.Data.Coins).to.equal(lastChange);
		});

		it("an original holder whose clock runs 20 s behind keeps its progress", () => {
			const a = Runtime.startServer({ name: "A", clockOffset: -20 });
			const b = Runtime.startServer({ name: "B" });
			const theirs = original(a).GetProfileStore(STORE, TEMPLATE);
			const profileA = a.call(() => theirs.LoadProfileAsync("Skew_1"))!;
			profileA.Data.Coins = 1;
			waitForHolderSave("Skew_1");
			Runtime.wait(5);
			const result = loadLater(b, "Skew_1");
			Runtime.wait(12);
			profileA.Data.Coins = 555; // before the original's next auto-save, which releases to B
			Runtime.waitUntil(() => result() !== undefined, 200, "B's load");
			expect(result()![0]!.Data.Coins).to.equal(555);
		});

		it("an original holder gets the original's 7 s step spacing: the request and 8 steps take at least 62 s", () => {
			Runtime.configureMessaging({ loss: 1 });
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const theirs = original(a).GetProfileStore(STORE, TEMPLATE);
			a.call(() => theirs.LoadProfileAsync("Steps_1"));
			Runtime.wait(1);
			a.crash();
			const start = Runtime.now();
			expect(load(b, "Steps_1")).to.be.ok();
			expect(Runtime.now() - start >= 9 * 7 - 1).to.equal(true);
		});
	});

	describe("a holder that gives the lock away in an auto-save", () => {
		it("ends its session when the write is made, even if the response is lost", () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const held = load(a, "Lost_1")!;
			held.Data.Coins = 5;
			const loadedAt = Runtime.now();
			Runtime.wait(5);
			const result = loadLater(b, "Lost_1");
			// A's first auto-save, 30 s after its load, finds B's ForceLoadSession and frees the lock; its response
			// is lost.
			Runtime.wait(loadedAt + 29.5 - Runtime.now());
			Runtime.configureDataStore({ lostResponseRate: 1 });
			Runtime.wait(1.5);
			Runtime.configureDataStore({ lostResponseRate: 0 });
			expect(held.IsActive()).to.equal(false);
			Runtime.waitUntil(() => result() !== undefined, 120, "B's load");
			expect(result()![0]!.Data.Coins).to.equal(5);
		});
	});

	describe("a load that was superseded, and a key already loaded here", () => {
		it("a rejoin while the first load reads the handed lock: only the second load returns a profile", () => {
			Runtime.configureDataStore({ latency: 1 });
			const h = Runtime.startServer({ name: "H" });
			const r = Runtime.startServer({ name: "R" });
			load(h, "Read_1")!.Data.Coins = 7;
			Runtime.wait(10);
			const first = loadLater(r, "Read_1");
			// The hand-off read is the key's only GetAsync: the player rejoins R while it is in flight.
			Runtime.waitUntil(() => (Runtime.store().stats().byKey["GetAsync Read_1"] ?? 0) > 0, 60, "the read");
			const second = loadLater(r, "Read_1");
			Runtime.waitUntil(() => first() !== undefined && second() !== undefined, 120, "both loads");
			expect(first()![0]).to.equal(undefined);
			expect(second()![0]!.Data.Coins).to.equal(7);
		});

		it("a rejoin during a hand-off: the first load returns nothing, the second gets the profile, nothing goes back", () => {
			const h = Runtime.startServer({ name: "H" });
			const r = Runtime.startServer({ name: "R" });
			const held = load(h, "Rejoin_1")!;
			held.Data.Coins = 500;
			Runtime.wait(10);
			const first = loadLater(r, "Rejoin_1");
			Runtime.wait(0.5);
			const second = loadLater(r, "Rejoin_1");
			Runtime.waitUntil(() => first() !== undefined && second() !== undefined, 120, "both loads");
			expect(first()![0]).to.equal(undefined);
			const profile = second()![0]!;
			expect(profile.Data.Coins).to.equal(500);
			profile.Data.Coins = 600;
			profile.Release();
			Runtime.wait(15);
			expect(stored("Rejoin_1", STORE)!.Data.Coins).to.equal(600);
			expect(stored("Rejoin_1", STORE)!.MetaData.ActiveSession).to.equal(undefined);
			let highest = 0;
			for (const { value } of Runtime.store().history(STORE, undefined, "Rejoin_1")) {
				const coins = (value as { Data: Data } | undefined)?.Data.Coins ?? 0;
				expect(coins >= highest).to.equal(true);
				highest = coins;
			}
		});
	});

	describe("the lock is handed only to a requester still waiting for it", () => {
		it("a requester that crashed after asking: the next server loads at once", () => {
			const h = Runtime.startServer({ name: "H" });
			const r = Runtime.startServer({ name: "R" });
			const c = Runtime.startServer({ name: "C" });
			const held = load(h, "Gone_1")!;
			held.Data.Coins = 42;
			Runtime.wait(2); // H's write cooldown delays its release until after R is gone
			loadLater(r, "Gone_1");
			Runtime.wait(1);
			r.crash();
			Runtime.wait(10);
			const start = Runtime.now();
			const profile = load(c, "Gone_1")!;
			expect(Runtime.now() - start < 5).to.equal(true);
			expect(profile.Data.Coins).to.equal(42);
		});

		it("a requester that starts shutting down after asking: the next server loads at once", () => {
			const h = Runtime.startServer({ name: "H" });
			const r = Runtime.startServer({ name: "R" });
			const c = Runtime.startServer({ name: "C" });
			load(h, "Closing_1")!.Data.Coins = 43;
			Runtime.wait(5);
			loadLater(r, "Closing_1");
			Runtime.wait(0.3);
			r.spawn(() => r.shutdown());
			Runtime.wait(35);
			const start = Runtime.now();
			const profile = load(c, "Closing_1")!;
			expect(Runtime.now() - start < 8).to.equal(true);
			expect(profile.Data.Coins).to.equal(43);
		});

		it("a requester that crashed 1 s after asking, 1.5 s before the holder's release: the next server loads within 2 s", () => {
			for (const [i, wait] of [
				[0, 0],
				[1, 1],
				[2, 4],
			]) {
				const key = `GoneLate_${i}`;
				const h = Runtime.startServer({ name: `H${i}` });
				const r = Runtime.startServer({ name: `R${i}` });
				const c = Runtime.startServer({ name: `C${i}` });
				load(h, key)!.Data.Coins = 40 + i;
				// H's load write was just sent: its release waits out the 6 s write cooldown, about 2.5 s after R asks.
				Runtime.wait(3.4);
				loadLater(r, key);
				Runtime.wait(1);
				r.crash();
				// C loads right after H's release landed, or a little later.
				Runtime.waitUntil(() => stored(key, STORE)!.MetaData.ActiveSession === undefined, 30, "H's release");
				Runtime.wait(wait);
				const start = Runtime.now();
				const profile = load(c, key)!;
				const took = Runtime.now() - start;
				Runtime.output(`[fast path] dead requester: the next server loaded in ${"%.2f".format(took)} s`);
				expect(took <= 2).to.equal(true);
				expect(profile.Data.Coins).to.equal(40 + i);
			}
		});

		it("a lock handed to a server that died before writing it: taken once its heartbeat stands still", () => {
			const c = Runtime.startServer({ name: "C" });
			load(c, "Seed_1")?.Release(); // C's ProfileService is running
			Runtime.wait(10);
			const handed = (marker: unknown, coins: number) => ({
				Data: { ...TEMPLATE, Coins: coins },
				MetaData: {
					ProfileCreateTime: 1,
					SessionLoadCount: 3,
					ActiveSession: [1818, "dead-job"],
					HandOff: marker,
					LastUpdate: math.floor(Runtime.unixMillis() / 1000),
					MetaTags: {},
				},
				GlobalUpdates: [0, []],
			});
			// The hand-over claimed the dead requester's heartbeat, which nobody writes any more.
			let handedAt = Runtime.now();
			Runtime.store().set(STORE, undefined, "Handed_1", handed(["dead-job", "handed", 30, 12], 44));
			expect(load(c, "Handed_1")!.Data.Coins).to.equal(44);
			let took = Runtime.now() - handedAt;
			Runtime.output(`[fast path] handed lock with a heartbeat claim taken after ${"%.1f".format(took)} s`);
			expect(took >= 14 && took < 20).to.equal(true);
			// Without a claim (the requester's heartbeat was not written when it asked): the ForceLoad steps.
			handedAt = Runtime.now();
			Runtime.store().set(STORE, undefined, "Handed_2", handed(["dead-job", "handed", 30], 45));
			expect(load(c, "Handed_2")!.Data.Coins).to.equal(45);
			took = Runtime.now() - handedAt;
			Runtime.output(`[fast path] handed lock without a claim taken after ${"%.1f".format(took)} s`);
			expect(took >= 63 && took < 80).to.equal(true);
		});
	});

	describe("a hand-off request names the session it is about", () => {
		it("a request delivered late never releases a later session of the holder", () => {
			Runtime.configureMessaging({ delay: 45, loss: 0 });
			const h = Runtime.startServer({ name: "H" });
			const r = Runtime.startServer({ name: "R" });
			load(h, "Late_1");
			const taken = loadLater(r, "Late_1");
			Runtime.waitUntil(() => taken() !== undefined, 90, "R's load");
			taken()![0]!.Release();
			Runtime.wait(8);
			const again = load(h, "Late_1")!;
			expect(again).to.be.ok();
			Runtime.wait(60); // every request R sent has arrived by now
			expect(again.IsActive()).to.equal(true);
			expect(stored("Late_1", STORE)!.MetaData.ActiveSession![1]).to.equal(h.jobId);
		});
	});

	describe("a gift is recognised only by its own nonce", () => {
		it("with RobloxMetaData nearly full, two identical gifts after a failed attempt are both stored", () => {
			const h = Runtime.startServer({ name: "H" });
			const s1 = Runtime.startServer({ name: "S1" });
			const s2 = Runtime.startServer({ name: "S2" });
			const held = load(h, "Full_1")! as unknown as { RobloxMetaData: object; Release(): void };
			held.RobloxMetaData = { A: string.rep("x", 120), B: string.rep("y", 120) };
			held.Release();
			Runtime.waitUntil(() => stored("Full_1", STORE)!.MetaData.ActiveSession === undefined, 60, "H's release");
			// S1's DataStore runs the transform of its first write and then fails without storing it, as a request
			// that errors after reaching Roblox's servers can.
			const flakyStore = s1.call(() => {
				const inner = new (ours(s1).RobloxDataStoreAdapter)(STORE, undefined);
				let failNext = true;
				const adapter: DataStoreAdapter = {
					IsMock: false,
					ValidatesValues: true,
					UpdateAsync(key, transform) {
						if (!failNext) return inner.UpdateAsync(key, transform);
						failNext = false;
						inner.UpdateAsync(key, (value, info) => {
							transform(value, info);
							return $tuple(undefined);
						});
						error("502: API Services rejected request with error: HTTP 500 (Internal Server Error)", 0);
					},
					GetAsync(key, version) {
						return inner.GetAsync(key, version);
					},
					RemoveAsync(key) {
						inner.RemoveAsync(key);
					},
					ListVersionsAsync(key, direction, minDate, maxDate) {
						return inner.ListVersionsAsync(key, direction, minDate, maxDate);
					},
					GetBudget(kind) {
						return inner.GetBudget(kind);
					},
				};
				return ours(s1).ProfileService.GetProfileStore({ Name: STORE, DataStore: adapter }, TEMPLATE);
			});
			let done = false;
			s1.spawn(() => {
				flakyStore.GlobalUpdateProfileAsync("Full_1", (updates) => updates.AddActiveUpdate({ Item: "Crown" }));
				done = true;
			});
			Runtime.wait(0.5); // S2's identical gift lands before S1 retries
			s2.call(() =>
				storeOn(s2, STORE).GlobalUpdateProfileAsync("Full_1", (updates) =>
					updates.AddActiveUpdate({ Item: "Crown" }),
				),
			);
			Runtime.waitUntil(() => done, 60, "S1's gift");
			const updates = stored("Full_1", STORE)!.GlobalUpdates[1];
			expect(updates.size()).to.equal(2);
		});
	});
};

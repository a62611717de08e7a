import Runtime from "../Runtime";
import { receiveGifts, startServers, storeOn, stored, resetDefaults } from "./Fixtures";
import { expectContains } from "../Expect";
import { Settings } from "../../src/internal/Constants";

export = () => {
	beforeEach(resetDefaults);

	describe("two servers contest a key", () => {
		it("ForceLoad (the default): the holder releases, the requester gets the profile with the holder's data", () => {
			const [a, b] = startServers("A", "B");
			const profileA = a.call(() => storeOn(a).LoadProfileAsync("Contest_1"))!;
			profileA.Data.Coins = 11;
			let released = false;
			profileA.ListenToRelease(() => (released = true));
			const profileB = b.call(() => storeOn(b).LoadProfileAsync("Contest_1"))!;
			expect(profileB).to.be.ok();
			expect(profileB.Data.Coins).to.equal(11);
			expect(profileA.IsActive()).to.equal(false);
			expect(released).to.equal(true);
			expect(stored("Contest_1")!.MetaData.ActiveSession![1]).to.equal(b.jobId);
		});

		it("delivers a gift sent from a third server to whichever server won the contest", () => {
			const [a, b, c] = startServers("A", "B", "C");
			a.call(() => storeOn(a).LoadProfileAsync("Contest_7"));
			const profileB = b.call(() => storeOn(b).LoadProfileAsync("Contest_7"))!;
			const gifts = receiveGifts(profileB.GlobalUpdates);
			c.call(() =>
				storeOn(c).GlobalUpdateProfileAsync("Contest_7", (u) =>
					u.AddActiveUpdate({ Type: "Gift", Item: "Crown" }),
				),
			);
			Runtime.waitUntil(() => gifts.size() === 1, 120, "gift delivered to B");
			expect(gifts[0]).to.equal("Crown");
		});

		it("Steal: takes the lock at once; the old holder's next save finds it lost and releases locally", () => {
			const [a, b] = startServers("A", "B");
			const profileA = a.call(() => storeOn(a).LoadProfileAsync("Contest_2"))!;
			let released = false;
			profileA.ListenToRelease(() => (released = true));
			const start = Runtime.now();
			const profileB = b.call(() => storeOn(b).LoadProfileAsync("Contest_2", "Steal"))!;
			expect(profileB).to.be.ok();
			expect(Runtime.now() - start < 3).to.equal(true);
			profileA.Save();
			Runtime.waitUntil(() => released, 30, "A notices the steal");
			expect(profileA.IsActive()).to.equal(false);
			expect(stored("Contest_2")!.MetaData.ActiveSession![1]).to.equal(b.jobId);
		});

		it("a handler answering Cancel returns undefined and leaves the lock alone", () => {
			const [a, b] = startServers("A", "B");
			a.call(() => storeOn(a).LoadProfileAsync("Contest_3"));
			let seen: [number, string] | undefined;
			const result = b.call(() =>
				storeOn(b).LoadProfileAsync("Contest_3", (placeId, jobId) => {
					seen = [placeId, jobId];
					return "Cancel";
				}),
			);
			expect(result).to.equal(undefined);
			expect(seen![0]).to.equal(a.placeId);
			expect(seen![1]).to.equal(a.jobId);
			expect(stored("Contest_3")!.MetaData.ActiveSession![1]).to.equal(a.jobId);
		});

		it("a handler answering Repeat tries again every 15 s, until the holder has released", () => {
			const [a, b] = startServers("A", "B");
			const profileA = a.call(() => storeOn(a).LoadProfileAsync("Contest_4"))!;
			const calls: number[] = [];
			task.delay(40, () => profileA.Release());
			const profileB = b.call(() =>
				storeOn(b).LoadProfileAsync("Contest_4", () => {
					calls.push(Runtime.now());
					return "Repeat";
				}),
			)!;
			expect(profileB).to.be.ok();
			expect(calls.size() >= 2).to.equal(true);
			expect(calls[1] - calls[0] >= 15).to.equal(true);
		});

		it("a handler answering ForceLoad or Steal switches to that behaviour", () => {
			const [a, b, c] = startServers("A", "B", "C");
			a.call(() => storeOn(a).LoadProfileAsync("Contest_5"));
			const viaForceLoad = b.call(() => storeOn(b).LoadProfileAsync("Contest_5", () => "ForceLoad"));
			expect(viaForceLoad).to.be.ok();
			const viaSteal = c.call(() => storeOn(c).LoadProfileAsync("Contest_5", () => "Steal"));
			expect(viaSteal).to.be.ok();
			expect(stored("Contest_5")!.MetaData.ActiveSession![1]).to.equal(c.jobId);
		});

		it("errors on a handler answer it does not know", () => {
			const [a, b] = startServers("A", "B");
			a.call(() => storeOn(a).LoadProfileAsync("Contest_6"));
			const [ok, err] = b.call(() =>
				pcall(() => storeOn(b).LoadProfileAsync("Contest_6", () => "Maybe" as never)),
			);
			expect(ok).to.equal(false);
			expect(
				tostring(err).find(
					'the notReleasedHandler returned Maybe; expected "Repeat", "Cancel", "ForceLoad" or "Steal"',
					1,
					true,
				)[0],
			).to.be.ok();
		});
	});

	describe("crashed servers", () => {
		/** Crashes A right after an auto-save of Crash_<n>, then times B's ForceLoad of it. */
		function crashAndTakeOver(n: number) {
			const [a, b] = startServers("A", "B");
			const key = `Crash_${n}`;
			const profileA = a.call(() => storeOn(a).LoadProfileAsync(key))!;
			profileA.Data.Coins = 3;
			Runtime.waitUntil(() => stored(key)!.Data.Coins === 3, 61, "auto-save");
			a.crash();
			const start = Runtime.now();
			const profileB = b.call(() => storeOn(b).LoadProfileAsync(key))!;
			expect(profileB.Data.Coins).to.equal(3);
			return Runtime.now() - start;
		}

		it("takes a crashed server's lock once its heartbeat stands still", () => {
			Runtime.setTimeLimit(3 * 3600);
			const took = crashAndTakeOver(1);
			Runtime.output(`[ours] B took the crashed lock after ${"%.1f".format(took)} virtual s`);
			// Two readings HeartbeatStale apart, then the next round (one write cooldown at most).
			expect(took >= Settings.HeartbeatStale).to.equal(true);
			expect(took < Settings.HeartbeatStale + Settings.HeartbeatInterval + Settings.WriteCooldown + 2).to.equal(
				true,
			);
		});

		it("with MemoryStoreService down (no heartbeat claimed), the ForceLoad steps take it, 7 s apart", () => {
			Runtime.setTimeLimit(3 * 3600);
			Runtime.configureMemoryStore({ outages: [{ from: Runtime.now(), to: Runtime.now() + 3600 }] });
			const took = crashAndTakeOver(3);
			Runtime.output(
				`[ours] without MemoryStore, B took the crashed lock after ${"%.1f".format(took)} virtual s`,
			);
			// The request, the unanswered hand-off requests (10 s), then 9 rounds 7 s apart: the original's 63 s.
			const steps = (Settings.ForceLoadMaxSteps + 1) * Settings.OriginalStepSeconds;
			expect(took >= steps).to.equal(true);
			expect(took < steps + Settings.ProbeRequests * Settings.ProbeInterval + 3).to.equal(true);
		});

		it("with every message lost, the heartbeat still takes it early (no rule waits for a message)", () => {
			Runtime.setTimeLimit(3 * 3600);
			Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 1 });
			const took = crashAndTakeOver(2);
			Runtime.output(
				`[ours] without MessagingService, B took the crashed lock after ${"%.1f".format(took)} virtual s`,
			);
			expect(took >= Settings.HeartbeatStale).to.equal(true);
			expect(took < Settings.HeartbeatStale + Settings.HeartbeatInterval + Settings.WriteCooldown + 2).to.equal(
				true,
			);
		});

		it("takes a lock not updated for 30 minutes at once", () => {
			const [b] = startServers("B");
			Runtime.store().set("PlayerData", undefined, "Dead_1", {
				Data: { Coins: 9, Items: [], Stats: { Level: 1 } },
				MetaData: {
					ProfileCreateTime: os.time() - 7200,
					SessionLoadCount: 4,
					ActiveSession: [1, "dead-server"],
					MetaTags: {},
					LastUpdate: os.time() - 31 * 60,
				},
				GlobalUpdates: [0, []],
			});
			const start = Runtime.now();
			const profile = b.call(() => storeOn(b).LoadProfileAsync("Dead_1"))!;
			expect(Runtime.now() - start < 3).to.equal(true);
			expect(profile.Data.Coins).to.equal(9);
			expect(profile.MetaData.SessionLoadCount).to.equal(5);
		});
	});

	describe("bad input", () => {
		it("errors when the key is already loaded on this server", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			a.call(() => store.LoadProfileAsync("Twice"));
			const [ok, err] = a.call(() => pcall(() => store.LoadProfileAsync("Twice")));
			expect(ok).to.equal(false);
			expectContains(tostring(err), "is already loaded on this server");
		});

		it("errors on a key over 50 characters, an empty key and a non-string key, naming the argument", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const [ok1, e1] = a.call(() => pcall(() => store.LoadProfileAsync(string.rep("k", 51))));
			expect(ok1).to.equal(false);
			expectContains(
				tostring(e1),
				'ProfileStore:LoadProfileAsync(): argument "profileKey" must be a non-empty string of at most 50 characters, got "',
			);
			expectContains(tostring(e1), "(51 characters)");
			const [ok2] = a.call(() => pcall(() => store.LoadProfileAsync("")));
			expect(ok2).to.equal(false);
			const [ok3, e3] = a.call(() => pcall(() => store.LoadProfileAsync(5 as unknown as string)));
			expect(ok3).to.equal(false);
			expectContains(tostring(e3), "got number (5)");
			const [ok4, e4] = a.call(() => pcall(() => store.LoadProfileAsync("k", "Later" as never)));
			expect(ok4).to.equal(false);
			expectContains(
				tostring(e4),
				'argument "notReleasedHandler" must be "ForceLoad", "Steal" or a function, got string (Later)',
			);
		});
	});
};

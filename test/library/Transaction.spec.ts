/**
 * ProfileService.TransactAsync (issue 26): all or nothing across profiles, under crashes at any moment, lost
 * responses, errors and outages, and with the rest of the library going on around it.
 */
import Runtime, { type SimServer } from "../Runtime";
import { expectContains } from "../Expect";
import {
	collectIssues,
	ours,
	receiveGifts,
	resetDefaults,
	startServers,
	storeOn,
	stored,
	TEMPLATE,
	type Data,
} from "./Fixtures";
import { original } from "./Original";
import type { Profile } from "../../src";

type P = Profile<Data>;

function load(server: SimServer, key: string, store = "PlayerData"): P {
	const profile = server.call(() => storeOn(server, store).LoadProfileAsync(key));
	assert(profile !== undefined, `load of ${key}`);
	return profile;
}

function transact(server: SimServer, profiles: P[], transform: () => void): boolean {
	return server.call(() => ours(server).ProfileService.TransactAsync(profiles, transform));
}

/** Moves `item` from `from` to `to` (inside a transform). */
function move(from: P, to: P, item: string) {
	const index = from.Data.Items.indexOf(item);
	if (index === -1) error(`${item} is not on the giver`);
	from.Data.Items.remove(index);
	to.Data.Items.push(item);
}

function count(items: string[], item: string) {
	return items.filter((i) => i === item).size();
}

function releaseAll(profiles: P[]) {
	for (const profile of profiles) profile.Release();
}

/** Loads the keys on `server` after the previous holder crashed, all at once; returns them in order. */
function loadAll(server: SimServer, keys: string[], timeout = 400): P[] {
	const loaded: Array<P | undefined> = keys.map(() => undefined);
	let done = 0;
	keys.forEach((key, i) =>
		server.spawn(() => {
			loaded[i] = storeOn(server).LoadProfileAsync(key);
			done += 1;
		}),
	);
	Runtime.waitUntil(() => done === keys.size(), timeout, "the loads after the crash");
	for (const profile of loaded) assert(profile !== undefined, "a load after the crash returned nothing");
	return loaded as P[];
}

export = () => {
	beforeEach(resetDefaults);

	describe("the happy path", () => {
		it("moves an item and coins between two profiles, durable on return, applied by the next saves", () => {
			const [a, b] = startServers("A", "B");
			const giver = load(a, "Tx_Giver");
			const taker = load(a, "Tx_Taker");
			giver.Data.Items.push("Sword");
			taker.Data.Coins = 50;
			Runtime.wait(7); // past the write cooldown of the loads
			const before = Runtime.store().stats().byMethod.UpdateAsync ?? 0;
			const start = Runtime.now();
			const ok = transact(a, [giver, taker], () => {
				move(giver, taker, "Sword");
				taker.Data.Coins -= 50;
				giver.Data.Coins += 50;
			});
			expect(ok).to.equal(true);
			expect(Runtime.now() - start < 1).to.equal(true);
			expect((Runtime.store().stats().byMethod.UpdateAsync ?? 0) - before).to.equal(2);
			expect(giver.Data.Items.size()).to.equal(0);
			expect(taker.Data.Items[0]).to.equal("Sword");
			// Stored: the Data from before, with the prepared change beside it, until the next save.
			expect(stored("Tx_Giver")!.Data.Items[0]).to.equal("Sword");
			expect((stored("Tx_Giver") as { Transaction?: object }).Transaction).to.be.ok();
			releaseAll([giver, taker]);
			Runtime.waitUntil(() => stored("Tx_Taker")!.MetaData.ActiveSession === undefined, 60, "releases");
			Runtime.waitUntil(() => stored("Tx_Giver")!.MetaData.ActiveSession === undefined, 60, "releases");
			for (const key of ["Tx_Giver", "Tx_Taker"]) {
				expect((stored(key) as { Transaction?: object }).Transaction).to.equal(undefined);
			}
			const [g, t] = [load(b, "Tx_Giver"), load(b, "Tx_Taker")];
			expect(g.Data.Items.size()).to.equal(0);
			expect(g.Data.Coins).to.equal(50);
			expect(t.Data.Items[0]).to.equal("Sword");
			expect(t.Data.Coins).to.equal(0);
		});

		it("drops the coordinator's decision once every key was saved with the change", () => {
			const [a] = startServers("A");
			const x = load(a, "Tx_DropX");
			const y = load(a, "Tx_DropY");
			x.Data.Items.push("Gem");
			Runtime.wait(7);
			expect(transact(a, [x, y], () => move(x, y, "Gem"))).to.equal(true);
			expect((stored("Tx_DropX") as { Transactions?: object }).Transactions).to.be.ok();
			Runtime.waitUntil(
				() => (stored("Tx_DropX") as { Transactions?: object }).Transactions === undefined,
				120,
				"the decision dropped by the coordinator's later saves",
			);
			expect((stored("Tx_DropY") as { Transaction?: object }).Transaction).to.equal(undefined);
			expect(stored("Tx_DropY")!.Data.Items[0]).to.equal("Gem");
		});

		it("spans stores, and waits out a write cooldown instead of failing", () => {
			const [a, b] = startServers("A", "B");
			const player = load(a, "Tx_Player");
			const guild = load(a, "Tx_Guild", "Guilds");
			player.Data.Coins = 30;
			// Straight after the loads: the prepare waits for the guild key's write cooldown.
			const ok = transact(a, [guild, player], () => {
				player.Data.Coins -= 30;
				guild.Data.Coins += 30;
			});
			expect(ok).to.equal(true);
			a.crash();
			const p = load(b, "Tx_Player");
			const g = load(b, "Tx_Guild", "Guilds");
			expect(p.Data.Coins).to.equal(0);
			expect(g.Data.Coins).to.equal(30);
		});

		it("runs two transactions of one profile one after the other, and a second trade soon after the first", () => {
			const [a, b] = startServers("A", "B");
			const [x, y, z] = [load(a, "Tx_SerialX"), load(a, "Tx_SerialY"), load(a, "Tx_SerialZ")];
			x.Data.Items.push("Orb");
			Runtime.wait(7);
			let first: boolean | undefined;
			a.spawn(() => (first = ours(a).ProfileService.TransactAsync([x, y], () => move(x, y, "Orb"))));
			const second = transact(a, [y, z], () => move(y, z, "Orb"));
			Runtime.waitUntil(() => first !== undefined, 30, "the first transaction");
			expect(first).to.equal(true);
			expect(second).to.equal(true);
			a.crash();
			const [x2, y2, z2] = loadAll(b, ["Tx_SerialX", "Tx_SerialY", "Tx_SerialZ"]);
			expect(x2.Data.Items.size() + y2.Data.Items.size()).to.equal(0);
			expect(z2.Data.Items[0]).to.equal("Orb");
		});
	});

	describe("bad input", () => {
		it("errors naming TransactAsync and the argument, and changes nothing", () => {
			const [a] = startServers("A");
			const x = load(a, "Tx_BadX");
			const y = load(a, "Tx_BadY");
			const released = load(a, "Tx_BadReleased");
			released.Release();
			const view = a.call(() => storeOn(a).ViewProfileAsync("Tx_BadX"))!;
			const mock = a.call(() => storeOn(a).Mock.LoadProfileAsync("Tx_BadX"))!;
			const noop = () => {};
			const cases: Array<[string, unknown, unknown]> = [
				['argument "profiles" must be an array of 2 to 8 profiles, got number', 5, noop],
				['argument "profiles" must be an array of 2 to 8 profiles, got 1 entries', [x], noop],
				[
					'argument "profiles" must be an array of 2 to 8 profiles, got 9 entries',
					[x, y, x, y, x, y, x, y, x],
					noop,
				],
				['argument "profiles[2]" is the same profile as profiles[1]', [x, x], noop],
				['argument "profiles[2]" is a view-mode profile', [x, view], noop],
				['argument "profiles[2]" is released', [x, released], noop],
				['argument "profiles[2]" is a Mock profile and profiles[1] is a live profile', [x, mock], noop],
				['argument "profiles[1]" must be a Profile, got table', [{}, x], noop],
				['argument "transform" must be a function, got string', [x, y], "go"],
			];
			for (const [message, profiles, transform] of cases) {
				const [ok, err] = pcall(() =>
					ours(a).ProfileService.TransactAsync(profiles as P[], transform as () => void),
				);
				expect(ok).to.equal(false);
				expectContains(tostring(err), "ProfileService.TransactAsync()");
				expectContains(tostring(err), message);
			}
		});

		it("a transform that throws propagates its error and changes nothing; one that yields errors", () => {
			const [a] = startServers("A");
			const x = load(a, "Tx_ThrowX");
			const y = load(a, "Tx_ThrowY");
			x.Data.Items.push("Axe");
			Runtime.wait(7);
			const writes = Runtime.store().stats().byMethod.UpdateAsync ?? 0;
			const [ok, err] = pcall(() =>
				transact(a, [x, y], () => {
					move(x, y, "Axe");
					error("changed my mind");
				}),
			);
			expect(ok).to.equal(false);
			expectContains(tostring(err), "changed my mind");
			expect(x.Data.Items[0]).to.equal("Axe");
			expect(y.Data.Items.size()).to.equal(0);
			const [yok, yerr] = pcall(() => transact(a, [x, y], () => task.wait(1)));
			expect(yok).to.equal(false);
			expectContains(tostring(yerr), "The TransactAsync transform yielded");
			expect(Runtime.store().stats().byMethod.UpdateAsync ?? 0).to.equal(writes);
			// Saves go on afterwards.
			x.Data.Coins = 4;
			x.Save();
			Runtime.waitUntil(() => stored("Tx_ThrowX")!.Data.Coins === 4, 30, "a save after the failed transforms");
		});
	});

	describe("the failure path", () => {
		it("with every request failing: false, memory back, nothing stored, and the reason in IssueSignal", () => {
			const [a] = startServers("A");
			const x = load(a, "Tx_FailX");
			const y = load(a, "Tx_FailY");
			x.Data.Items.push("Bow");
			x.Save();
			Runtime.wait(7);
			const issues = collectIssues(a);
			const rawX = Runtime.store().raw("PlayerData", undefined, "Tx_FailX");
			const rawY = Runtime.store().raw("PlayerData", undefined, "Tx_FailY");
			Runtime.configureDataStore({ errorRate: 1 });
			const ok = transact(a, [x, y], () => {
				move(x, y, "Bow");
				y.SetMetaTag("Traded", true);
			});
			expect(ok).to.equal(false);
			expect(x.Data.Items[0]).to.equal("Bow");
			expect(y.Data.Items.size()).to.equal(0);
			expect(y.GetMetaTag("Traded")).to.equal(undefined);
			expect(Runtime.store().raw("PlayerData", undefined, "Tx_FailX")).to.equal(rawX);
			expect(Runtime.store().raw("PlayerData", undefined, "Tx_FailY")).to.equal(rawY);
			expect(issues.some((m) => m.find("TransactAsync not committed", 1, true)[0] !== undefined)).to.equal(true);
			expect(x.IsActive() && y.IsActive()).to.equal(true);
		});

		it("a profile released by a hand-off while the transaction waits makes it false; the new holder gets the data as it was", () => {
			const [a, b] = startServers("A", "B");
			const x = load(a, "Tx_HopX");
			const y = load(a, "Tx_HopY");
			x.Data.Items.push("Hat");
			x.Save();
			Runtime.wait(1);
			// The prepare of Tx_HopY waits about 5 s for its write cooldown; B asks for Tx_HopX meanwhile.
			let result: boolean | undefined;
			a.spawn(() => (result = ours(a).ProfileService.TransactAsync([x, y], () => move(x, y, "Hat"))));
			let taken: P | undefined;
			b.spawn(() => (taken = storeOn(b).LoadProfileAsync("Tx_HopX")));
			Runtime.waitUntil(() => result !== undefined && taken !== undefined, 120, "the transaction and B's load");
			expect(result).to.equal(false);
			expect(taken!.Data.Items[0]).to.equal("Hat");
			expect(y.Data.Items.size()).to.equal(0);
			y.Release();
			Runtime.waitUntil(() => stored("Tx_HopY")!.MetaData.ActiveSession === undefined, 60, "release");
			expect(stored("Tx_HopY")!.Data.Items.size()).to.equal(0);
		});
	});

	describe("with the rest of the library", () => {
		it("a gift processed just before a transaction is stored once, with its clear, whatever the crash", () => {
			const [a, b, sender] = startServers("A", "B", "Sender");
			const x = load(a, "Tx_GiftX");
			const y = load(a, "Tx_GiftY");
			x.Data.Items.push("Crown");
			const received = receiveGifts(x.GlobalUpdates, (data) => x.Data.Items.push(data.Item as string));
			sender.call(() =>
				storeOn(sender).GlobalUpdateProfileAsync("Tx_GiftX", (u) => u.AddActiveUpdate({ Item: "Gem" })),
			);
			Runtime.wait(7);
			x.Save(); // delivers the update, which the listener locks
			Runtime.wait(7);
			x.Save(); // the lock lands: the listener applies the gem and asks for the clear
			Runtime.waitUntil(() => received.size() === 1, 30, "the gift processed");
			// The transaction's writes carry the pending clear with the Data that holds the gem.
			expect(transact(a, [x, y], () => move(x, y, "Crown"))).to.equal(true);
			a.crash();
			const [x2, y2] = loadAll(b, ["Tx_GiftX", "Tx_GiftY"]);
			// No locked update is left for the game to apply a second time.
			expect(x2.GlobalUpdates.GetLockedUpdates().size()).to.equal(0);
			const again = receiveGifts(x2.GlobalUpdates, (data) => x2.Data.Items.push(data.Item as string));
			x2.Save();
			Runtime.wait(7);
			x2.Save();
			Runtime.wait(7);
			expect(again.size()).to.equal(0);
			expect(count(x2.Data.Items, "Gem")).to.equal(1);
			expect(y2.Data.Items[0]).to.equal("Crown");
		});

		it("Data the store's Validate refuses after the transform: false, nothing changed or written", () => {
			const [a] = startServers("A");
			const store = a.call(() =>
				ours(a).ProfileService.GetProfileStore(
					{
						Name: "TxValid",
						Validate: (data: Data) => (data.Coins >= 0 ? ([true] as const) : ([false, "no debt"] as const)),
					},
					TEMPLATE,
				),
			);
			const x = a.call(() => store.LoadProfileAsync("Tx_ValidX"))!;
			const y = a.call(() => store.LoadProfileAsync("Tx_ValidY"))!;
			Runtime.wait(7);
			const issues = collectIssues(a);
			const writes = Runtime.store().stats().byMethod.UpdateAsync ?? 0;
			const ok = transact(a, [x, y], () => {
				x.Data.Coins -= 10;
				y.Data.Coins += 10;
			});
			expect(ok).to.equal(false);
			expect(x.Data.Coins).to.equal(0);
			expect(y.Data.Coins).to.equal(0);
			expect(Runtime.store().stats().byMethod.UpdateAsync ?? 0).to.equal(writes);
			expectContains(issues[issues.size() - 1], "Validate failed after the transform: no debt");
		});
	});

	describe("crashes", () => {
		it("a crash after the commit: the next loads apply it; a crash before it: they apply none", () => {
			const [a, b, c] = startServers("A", "B", "C");
			const x = load(a, "Tx_AfterX");
			const y = load(a, "Tx_AfterY");
			x.Data.Items.push("Ring");
			Runtime.wait(7);
			expect(transact(a, [x, y], () => move(x, y, "Ring"))).to.equal(true);
			a.crash();
			const [x2, y2] = loadAll(b, ["Tx_AfterX", "Tx_AfterY"]);
			expect(x2.Data.Items.size()).to.equal(0);
			expect(y2.Data.Items[0]).to.equal("Ring");
			// Before the commit: the coordinator key fails every request, so the transaction is stuck committing.
			const p = load(b, "Tx_BeforeX");
			const q = load(b, "Tx_BeforeY");
			p.Data.Items.push("Cup");
			p.Save();
			Runtime.wait(7);
			Runtime.configureDataStore({ keyFailures: { Tx_BeforeX: {} } });
			b.spawn(() => ours(b).ProfileService.TransactAsync([p, q], () => move(p, q, "Cup")));
			Runtime.waitUntil(
				() => (stored("Tx_BeforeY") as { Transaction?: object }).Transaction !== undefined,
				30,
				"the participant's prepare",
			);
			Runtime.wait(2);
			b.crash();
			Runtime.configureDataStore({ keyFailures: {} });
			const [p2, q2] = loadAll(c, ["Tx_BeforeX", "Tx_BeforeY"]);
			expect(p2.Data.Items[0]).to.equal("Cup");
			expect(q2.Data.Items.size()).to.equal(0);
		});

		it("a crash at 30 moments over a transaction, with 10 % errors and 20 % lost responses: each item on exactly one profile", () => {
			const moments: number[] = [];
			for (let i = 0; i < 25; i++) moments.push(i * 0.03);
			moments.push(0.8, 1, 2, 8, 35);
			let committed = 0;
			let aborted = 0;
			moments.forEach((moment, i) => {
				const [a, b] = startServers(`SweepA${i}`, `SweepB${i}`);
				const keys = [`Sweep${i}_X`, `Sweep${i}_Y`];
				const x = load(a, keys[0]);
				const y = load(a, keys[1]);
				x.Data.Items.push("Sword");
				y.Data.Items.push("Shield");
				x.Save();
				y.Save();
				// The saves wait out the loads' write cooldown; the transaction then starts with both keys idle.
				Runtime.wait(14);
				Runtime.configureDataStore({ errorRate: 0.1, lostResponseRate: 0.2, seed: 100 + i });
				a.spawn(() =>
					ours(a).ProfileService.TransactAsync([x, y], () => {
						move(x, y, "Sword");
						move(y, x, "Shield");
					}),
				);
				Runtime.wait(moment);
				a.crash();
				const [x2, y2] = loadAll(b, keys);
				const all = [...x2.Data.Items, ...y2.Data.Items];
				expect(count(all, "Sword")).to.equal(1);
				expect(count(all, "Shield")).to.equal(1);
				// All or none: the two items moved together.
				const swapped = y2.Data.Items.includes("Sword");
				expect(x2.Data.Items.includes("Shield")).to.equal(swapped);
				if (swapped) committed += 1;
				else aborted += 1;
				b.crash();
				resetDefaults();
			});
			Runtime.output(`crash sweep: ${committed} committed, ${aborted} not, of ${moments.size()} moments\n`);
			// The moments span the transaction: some crashes came before its commit, some after.
			expect(committed > 0 && aborted > 0).to.equal(true);
		});

		it("50 random trades among 6 profiles under faults, then a crash: every item and coin is conserved", () => {
			const [a, b] = startServers("TradeA", "TradeB");
			const keys = ["T6_1", "T6_2", "T6_3", "T6_4", "T6_5", "T6_6"];
			const profiles = keys.map((key) => load(a, key));
			const items: string[] = [];
			profiles.forEach((profile, i) => {
				profile.Data.Coins = 100;
				for (let j = 0; j < 4; j++) {
					profile.Data.Items.push(`Item${i}_${j}`);
					items.push(`Item${i}_${j}`);
				}
				profile.Save();
			});
			Runtime.wait(7);
			Runtime.configureDataStore({ errorRate: 0.1, lostResponseRate: 0.2, seed: 7 });
			const random = new Random(26);
			let finished = 0;
			let succeeded = 0;
			for (let n = 0; n < 50; n++) {
				const i = random.NextInteger(0, 5);
				const j = (i + random.NextInteger(1, 5)) % 6;
				a.spawn(() => {
					const [from, to] = [profiles[i], profiles[j]];
					const ok = ours(a).ProfileService.TransactAsync([from, to], () => {
						const item = from.Data.Items[0];
						if (item !== undefined) move(from, to, item);
						const coins = math.min(10, from.Data.Coins);
						from.Data.Coins -= coins;
						to.Data.Coins += coins;
					});
					if (ok) succeeded += 1;
					finished += 1;
				});
				Runtime.wait(random.NextNumber(0, 3));
			}
			Runtime.waitUntil(() => finished >= 45, 300, "most trades");
			a.crash();
			Runtime.configureDataStore({ errorRate: 0.1, lostResponseRate: 0.2, seed: 8 });
			const loaded = loadAll(b, keys, 900);
			const all: string[] = [];
			let coins = 0;
			for (const profile of loaded) {
				for (const item of profile.Data.Items) all.push(item);
				coins += profile.Data.Coins;
			}
			for (const item of items) expect(count(all, item)).to.equal(1);
			expect(all.size()).to.equal(items.size());
			expect(coins).to.equal(600);
			Runtime.output(`random trades: ${succeeded} of ${finished} committed\n`);
			expect(succeeded > 20).to.equal(true);
		});
	});

	describe("mixed fleets", () => {
		it("refuses on a store where an original server's lock was seen", () => {
			const [o, us] = startServers("Original", "Ours");
			const oStore = original(o).GetProfileStore("PlayerData", {
				Coins: 0,
				Items: [] as string[],
				Stats: { Level: 1 },
			});
			o.call(() => oStore.LoadProfileAsync("Tx_MixedHeld"));
			// A load of ours meets the original's lock (and is cancelled).
			expect(us.call(() => storeOn(us).LoadProfileAsync("Tx_MixedHeld", () => "Cancel"))).to.equal(undefined);
			const issues = collectIssues(us);
			const x = load(us, "Tx_MixedX");
			const y = load(us, "Tx_MixedY");
			x.Data.Items.push("Key");
			expect(transact(us, [x, y], () => move(x, y, "Key"))).to.equal(false);
			expect(x.Data.Items[0]).to.equal("Key");
			expectContains(issues[issues.size() - 1], "does not run this library");
			// Another store of the same server is not concerned.
			const g = load(us, "Tx_MixedG", "Guilds");
			const h = load(us, "Tx_MixedH", "Guilds");
			expect(transact(us, [g, h], () => (g.Data.Coins += 1))).to.equal(true);
		});

		it("an original server loads and saves keys holding a transaction's fields without breaking them", () => {
			const [us, o, later] = startServers("Ours", "Original", "Later");
			const x = load(us, "Tx_OrigX");
			const y = load(us, "Tx_OrigY");
			x.Data.Items.push("Lamp");
			Runtime.wait(7);
			expect(transact(us, [x, y], () => move(x, y, "Lamp"))).to.equal(true);
			us.crash();
			const template = { Coins: 0, Items: [] as string[], Stats: { Level: 1 } };
			const oStore = original(o).GetProfileStore("PlayerData", template);
			for (const key of ["Tx_OrigX", "Tx_OrigY"]) {
				const profile = o.call(() => oStore.LoadProfileAsync(key, "Steal"));
				assert(profile !== undefined, `the original loads ${key}`);
				profile.Data.Stats.Level = 5;
				let hop = false;
				profile.ListenToHopReady(() => (hop = true));
				profile.Release();
				Runtime.waitUntil(() => hop, 60, "the original's release");
				expect((stored(key) as { Transaction?: object }).Transaction).to.be.ok();
			}
			// Ours then resolves the fields as committed.
			const [x2, y2] = [load(later, "Tx_OrigX"), load(later, "Tx_OrigY")];
			expect(x2.Data.Items.size() + y2.Data.Items.size()).to.equal(1);
			expect(y2.Data.Items[0]).to.equal("Lamp");
		});
	});
};

import Runtime from "../Runtime";
import { expectContains } from "../Expect";

type Server = ReturnType<typeof Runtime.startServer>;

function errorOf(server: Server, fn: () => unknown): string {
	// TestEZ injects `expect` only into test callbacks, so a helper reports a missing error by throwing.
	const [ok, err] = server.call(() => pcall(fn));
	if (ok) error("expected an error, but the call succeeded", 2);
	return tostring(err);
}

function mss(server: Server) {
	return server.game.GetService("MemoryStoreService");
}

export = () => {
	beforeEach(() => {
		Runtime.configureMemoryStore({ latency: 0.05, errorRate: 0, outages: [], failingServers: [] });
		Runtime.memoryStore().reset();
	});
	// Players count toward the quotas of the whole game: each test ends the servers it started.
	afterEach(() => {
		for (const server of Runtime.servers()) if (server !== Runtime.current() && !server.dead) server.crash();
	});

	describe("sorted map", () => {
		it("orders numeric sort keys, then string sort keys, then no sort key, ties by key", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Order");
			server.call(() => {
				map.SetAsync("player7", 8, 60);
				map.SetAsync("player6", 6, 60, "someString");
				map.SetAsync("player3", 5, 60, 3.14);
				map.SetAsync("player5", 4, 60, 1);
				map.SetAsync("player4", 3, 60, 1);
				map.SetAsync("player2", 2, 60, 0);
				map.SetAsync("player1", 1, 60, -1);
				map.SetAsync("player0", 7, 60);
			});
			const ascending = server.call(() => map.GetRangeAsync(Enum.SortDirection.Ascending, 200));
			expect(ascending.map((i) => i.key).join(",")).to.equal(
				"player1,player2,player4,player5,player3,player6,player0,player7",
			);
			expect(ascending[4].sortKey).to.equal(3.14);
			expect(ascending[6].sortKey).to.equal(undefined);
			const descending = server.call(() => map.GetRangeAsync(Enum.SortDirection.Descending, 3));
			expect(descending.map((i) => i.key).join(",")).to.equal("player7,player0,player6");
		});

		it("reads a range between exclusive bounds, given as key and sort key", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Bounds");
			server.call(() => {
				for (let i = 1; i <= 6; i++) map.SetAsync(`k${i}`, i, 60, i * 10);
			});
			const inside = server.call(() =>
				map.GetRangeAsync(Enum.SortDirection.Ascending, 10, { key: "k2", sortKey: 20 }, { sortKey: 50 }),
			);
			expect(inside.map((i) => i.key).join(",")).to.equal("k3,k4");
			const page = server.call(() =>
				map.GetRangeAsync(Enum.SortDirection.Descending, 2, undefined, { key: "k5", sortKey: 50 }),
			);
			expect(page.map((i) => i.key).join(",")).to.equal("k4,k3");
		});

		it("gets, overwrites, updates and removes a key, seen alike from another server", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const mapA = mss(a).GetSortedMap("Shared");
			const mapB = mss(b).GetSortedMap("Shared");
			expect(a.call(() => mapA.SetAsync("k", { n: 1 }, 60, 5))).to.equal(false);
			expect(a.call(() => mapA.SetAsync("k", { n: 2 }, 60, 6))).to.equal(true);
			const [value, sortKey] = b.call(() => mapB.GetAsync("k"));
			expect((value as { n: number }).n).to.equal(2);
			expect(sortKey).to.equal(6);
			const updated = b.call(() =>
				mapB.UpdateAsync(
					"k",
					((old: { n: number }, oldSort: number) => $tuple({ n: old.n + 1 }, oldSort + 1)) as never,
					60,
				),
			) as unknown as { n: number };
			expect(updated.n).to.equal(3);
			expect(Runtime.memoryStore().sortedMap("Shared")[0].sortKey).to.equal(7);
			expect(a.call(() => mapA.GetSizeAsync())).to.equal(1);
			b.call(() => mapB.RemoveAsync("k"));
			const [gone] = a.call(() => mapA.GetAsync("k"));
			expect(gone).to.equal(undefined);
			expect(a.call(() => mapA.GetSizeAsync())).to.equal(0);
		});

		it("cancels an update whose transform returns nil", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Cancel");
			server.call(() => map.SetAsync("k", 1, 60));
			const result = server.call(() => map.UpdateAsync("k", () => undefined, 60));
			expect(result).to.equal(undefined);
			expect(Runtime.memoryStore().sortedMap("Cancel")[0].value).to.equal(1);
		});

		it("runs the transform again when another server changed the key since it read it", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const mapA = mss(a).GetSortedMap("Race");
			const mapB = mss(b).GetSortedMap("Race");
			a.call(() => mapA.SetAsync("counter", 0, 60));
			let calls = 0;
			a.spawn(() => {
				mapA.UpdateAsync(
					"counter",
					(old) => {
						calls += 1;
						// The first run waits long enough for B's write to land between A's read and write.
						if (calls === 1) task.wait(1);
						return (old as number) + 1;
					},
					60,
				);
			});
			Runtime.wait(0.2);
			b.call(() => mapB.UpdateAsync("counter", (old) => (old as number) + 10, 60));
			Runtime.wait(3);
			expect(calls).to.equal(2);
			expect(Runtime.memoryStore().sortedMap("Race")[0].value).to.equal(11);
			expect(Runtime.memoryStore().stats().conflicts).to.equal(1);
		});

		it("forgets an item at its expiration, in virtual time", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Ttl");
			server.call(() => map.SetAsync("short", 1, 10));
			server.call(() => map.SetAsync("long", 2, 3888000));
			Runtime.wait(9);
			expect(server.call(() => map.GetSizeAsync())).to.equal(2);
			Runtime.wait(1.5);
			const [value] = server.call(() => map.GetAsync("short"));
			expect(value).to.equal(undefined);
			expect(Runtime.memoryStore().sortedMap("Ttl").size()).to.equal(1);
			expect(Runtime.memoryStore().usage().memoryUsed).to.equal("long".size() + 1);
		});
	});

	describe("queue", () => {
		it("reads higher priorities first and equal priorities in the order they were added", () => {
			const server = Runtime.startServer();
			const queue = mss(server).GetQueue("Priority");
			server.call(() => {
				queue.AddAsync("a", 60);
				queue.AddAsync("b", 60, 5);
				queue.AddAsync("c", 60);
				queue.AddAsync("d", 60, 5);
				queue.AddAsync("e", 60, -1);
			});
			const [items, id] = server.call(() => queue.ReadAsync(5, false, 0));
			expect((items as string[]).join("")).to.equal("bdace");
			expect(typeIs(id, "string")).to.equal(true);
		});

		it("hides what it read for the invisibility timeout, then shows it again unless removed", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const qa = mss(a).GetQueue("Match", 10);
			const qb = mss(b).GetQueue("Match");
			a.call(() => {
				qa.AddAsync("p1", 600);
				qa.AddAsync("p2", 600);
			});
			const [first] = a.call(() => qa.ReadAsync(1, false, 0));
			expect(first[0]).to.equal("p1");
			const [second, secondId] = b.call(() => qb.ReadAsync(1, false, 0));
			expect(second[0]).to.equal("p2");
			expect(b.call(() => qb.GetSizeAsync())).to.equal(2);
			expect(b.call(() => qb.GetSizeAsync(true))).to.equal(0);
			b.call(() => qb.RemoveAsync(secondId));
			Runtime.wait(10);
			// p1 was never removed: its 10 s invisibility ended and another server reads it.
			const [again] = b.call(() => qb.ReadAsync(1, false, 0));
			expect(again[0]).to.equal("p1");
			expect(b.call(() => qb.GetSizeAsync())).to.equal(1);
		});

		it("ignores a remove after the invisibility timeout", () => {
			const server = Runtime.startServer();
			const queue = mss(server).GetQueue("Late", 5);
			server.call(() => queue.AddAsync("x", 600));
			const [, id] = server.call(() => queue.ReadAsync(1, false, 0));
			Runtime.wait(6);
			server.call(() => queue.RemoveAsync(id));
			expect(Runtime.memoryStore().queue("Late").size()).to.equal(1);
		});

		it("waits for items until waitTimeout, polling every 2 s, and returns none with allOrNothing", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const qa = mss(a).GetQueue("Wait");
			const qb = mss(b).GetQueue("Wait");
			const start = Runtime.now();
			let readAt = -1;
			let got: unknown[] = [];
			b.spawn(() => {
				const [items] = qb.ReadAsync(1, false, 30);
				got = items;
				readAt = Runtime.now() - start;
			});
			Runtime.wait(5);
			a.call(() => qa.AddAsync("late", 60));
			Runtime.waitUntil(() => readAt >= 0, 30);
			expect(got[0]).to.equal("late");
			// Polls at 0, 2, 4, 6 s (after the round trip): the 6 s poll finds the item added at 5 s.
			expect(readAt > 6 && readAt < 6.2).to.equal(true);
			const t0 = Runtime.now();
			const [none, noId] = b.call(() => qb.ReadAsync(2, true, 4));
			expect((none as unknown[]).size()).to.equal(0);
			expect(noId).to.equal(undefined);
			expect(Runtime.now() - t0 >= 4).to.equal(true);
		});

		it("drops items at their expiration, read or not", () => {
			const server = Runtime.startServer();
			const queue = mss(server).GetQueue("Expire");
			server.call(() => {
				queue.AddAsync("short", 5);
				queue.AddAsync("long", 100);
			});
			Runtime.wait(5);
			expect(server.call(() => queue.GetSizeAsync())).to.equal(1);
			expect(Runtime.memoryStore().queue("Expire")[0].value).to.equal("long");
		});
	});

	describe("hash map", () => {
		it("sets, gets, updates and removes keys, and lists them in pages", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const ha = mss(a).GetHashMap("Inventory");
			const hb = mss(b).GetHashMap("Inventory");
			a.call(() => {
				for (let i = 1; i <= 5; i++) ha.SetAsync(`item${i}`, { count: i }, 60);
			});
			expect(b.call(() => (hb.GetAsync("item3") as { count: number }).count)).to.equal(3);
			const updated = b.call(() =>
				hb.UpdateAsync("item3", (old: { count: number }) => ({ count: old.count + 100 }), 60),
			) as { count: number };
			expect(updated.count).to.equal(103);
			a.call(() => ha.RemoveAsync("item1"));
			const keys: string[] = [];
			let pageCount = 0;
			b.call(() => {
				const pages = hb.ListItemsAsync(3);
				for (;;) {
					pageCount += 1;
					for (const entry of pages.GetCurrentPage() as unknown as Array<{ key: string }>)
						keys.push(entry.key);
					if (pages.IsFinished) break;
					pages.AdvanceToNextPageAsync();
				}
			});
			expect(keys.join(",")).to.equal("item2,item3,item4,item5");
			expect(pageCount).to.equal(2);
		});
	});

	describe("limits", () => {
		it("refuses a key over 128 characters, a value over 32 KB and an expiration over 45 days", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Limits");
			server.call(() => map.SetAsync(string.rep("k", 128), 1, 60));
			expectContains(
				errorOf(server, () => map.SetAsync(string.rep("k", 129), 1, 60)),
				"InvalidRequest",
			);
			// A string's JSON has two quotes around it.
			server.call(() => map.SetAsync("fits", string.rep("v", 32 * 1024 - 2), 60));
			expectContains(
				errorOf(server, () => map.SetAsync("big", string.rep("v", 32 * 1024 - 1), 60)),
				"ItemValueSizeTooLarge",
			);
			expectContains(
				errorOf(server, () => map.SetAsync("k", 1, 3888001)),
				"InvalidExpirationTime",
			);
			expectContains(
				errorOf(server, () => map.SetAsync("k", 1, 60, string.rep("s", 129))),
				"InvalidRequest",
			);
			expectContains(
				errorOf(server, () => map.GetRangeAsync(Enum.SortDirection.Ascending, 201)),
				"InvalidRequest",
			);
			const queue = mss(server).GetQueue("Limits");
			expectContains(
				errorOf(server, () => queue.ReadAsync(101, false, 0)),
				"InvalidRequest",
			);
		});

		it("refuses writes that grow memory past 64 KB + 1.2 KB per user, but not removals", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetHashMap("Quota");
			const value = string.rep("v", 10000);
			// Each item holds its key (2) and its JSON (10002): six fit in 65,536 bytes, a seventh does not.
			server.call(() => {
				for (let i = 1; i <= 6; i++) map.SetAsync(`k${i}`, value, 600);
			});
			expectContains(
				errorOf(server, () => map.SetAsync("k7", value, 600)),
				"TotalMemoryOverLimit",
			);
			// Overwriting with a value of the same size does not grow memory.
			server.call(() => map.SetAsync("k1", value, 600));
			// Five users bring 6,144 more bytes of quota.
			for (let i = 1; i <= 5; i++) server.addPlayer(100 + i);
			expect(Runtime.memoryStore().usage().memoryQuota).to.equal(65536 + 5 * 1.2 * 1024);
			server.call(() => map.SetAsync("k7", value, 600));
			server.call(() => map.RemoveAsync("k2"));
			expect(Runtime.memoryStore().hashMap("Quota").size()).to.equal(6);
		});

		it("keeps departed users' memory quota for 8 days, and an item for its full 45 days", () => {
			Runtime.setTimeLimit(50 * 86400);
			const server = Runtime.startServer();
			const players: Player[] = [];
			for (let i = 1; i <= 5; i++) players.push(server.addPlayer(200 + i));
			const map = mss(server).GetSortedMap("Month");
			server.call(() => map.SetAsync("k", 1, 3888000));
			const setAt = Runtime.now();
			const quota = () => Runtime.memoryStore().usage().memoryQuota;
			expect(quota()).to.equal(65536 + 5 * 1.2 * 1024);
			for (const player of players) server.removePlayer(player);
			Runtime.wait(8 * 86400 - 10);
			expect(quota()).to.equal(65536 + 5 * 1.2 * 1024);
			Runtime.wait(20);
			expect(quota()).to.equal(65536);
			Runtime.wait(setAt + 3888000 - 1 - Runtime.now());
			expect(server.call(() => map.GetSizeAsync())).to.equal(1);
			Runtime.wait(1);
			expect(Runtime.memoryStore().sortedMap("Month").size()).to.equal(0);
		});

		it("throttles past 1000 + 120 request units per user per minute, and recovers a minute later", () => {
			Runtime.configureMemoryStore({ latency: 0 });
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Units");
			server.call(() => {
				for (let i = 1; i <= 1000; i++) map.GetAsync("k");
			});
			expect(Runtime.memoryStore().usage().requestUnits).to.equal(1000);
			expectContains(
				errorOf(server, () => map.GetAsync("k")),
				"RequestThrottled",
			);
			server.addPlayer(1);
			expect(Runtime.memoryStore().usage().requestUnitLimit).to.equal(1120);
			server.call(() => map.GetAsync("k"));
			Runtime.wait(61);
			expect(Runtime.memoryStore().usage().requestUnits).to.equal(0);
		});
	});

	describe("request units", () => {
		it("charges GetRangeAsync and ReadAsync one unit per item returned, one when empty, and one per 2 s of waiting", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("UnitsRange");
			const queue = mss(server).GetQueue("UnitsQueue");
			server.call(() => {
				for (let i = 1; i <= 3; i++) map.SetAsync(`k${i}`, i, 60);
				for (let i = 1; i <= 3; i++) queue.AddAsync(i, 60);
			});
			const units = () => Runtime.memoryStore().usage().requestUnits;
			expect(units()).to.equal(6);
			server.call(() => map.GetRangeAsync(Enum.SortDirection.Ascending, 10));
			expect(units()).to.equal(9);
			server.call(() => map.GetRangeAsync(Enum.SortDirection.Ascending, 10, { key: "k3" }));
			expect(units()).to.equal(10);
			server.call(() => queue.ReadAsync(3, false, 0));
			expect(units()).to.equal(13);
			// Nothing is visible: it waits 4 s (two polls) and comes back empty.
			server.call(() => queue.ReadAsync(1, false, 4));
			expect(units()).to.equal(16);
		});

		it("charges hash map UpdateAsync two units and a ListItemsAsync page one plus its items", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetHashMap("UnitsHash");
			server.call(() => {
				map.SetAsync("a", 1, 60);
				map.SetAsync("b", 1, 60);
			});
			const units = () => Runtime.memoryStore().usage().requestUnits;
			server.call(() => map.UpdateAsync("a", (old) => (old as number) + 1, 60));
			expect(units()).to.equal(4);
			server.call(() => map.ListItemsAsync(10));
			expect(units()).to.equal(7);
		});

		it("throttles one structure past 100,000 units a minute even when the game has more", () => {
			Runtime.configureMemoryStore({ latency: 0 });
			const server = Runtime.startServer();
			// 834 users lift the game's quota to 101,080 units a minute.
			for (let i = 1; i <= 834; i++) server.addPlayer(i);
			const hot = mss(server).GetSortedMap("Hot");
			server.call(() => {
				for (let i = 1; i <= 200; i++) hot.SetAsync(`k${i}`, i, 600);
				// 200 writes, 498 reads of 200 items and one of 199: 99,999 units, so one more request is let in.
				for (let i = 1; i <= 498; i++) hot.GetRangeAsync(Enum.SortDirection.Ascending, 200);
				hot.GetRangeAsync(Enum.SortDirection.Ascending, 199);
				hot.GetAsync("k1");
			});
			expectContains(
				errorOf(server, () => hot.GetAsync("k1")),
				"DataStructureRequestsOverLimit",
			);
			// Another structure still has the game's remaining units.
			server.call(() => mss(server).GetSortedMap("Cold").GetAsync("k1"));
		});
	});

	describe("errors", () => {
		it("gives up with UpdateConflict when the key keeps changing under the transform", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			const mapA = mss(a).GetHashMap("Contended");
			const mapB = mss(b).GetHashMap("Contended");
			let calls = 0;
			const err = errorOf(a, () =>
				mapA.UpdateAsync(
					"k",
					() => {
						calls += 1;
						b.call(() => mapB.SetAsync("k", calls, 60));
						return -1;
					},
					60,
				),
			);
			expectContains(err, "UpdateConflict");
			expect(calls).to.equal(10);
			expect(Runtime.memoryStore().hashMap("Contended")[0].value).to.equal(10);
		});

		it("reports a transform that errors as TransformCallbackFailed and writes nothing", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Throws");
			const err = errorOf(server, () => map.UpdateAsync("k", () => error("boom"), 60));
			expectContains(err, "TransformCallbackFailed");
			expectContains(err, "boom");
			expect(Runtime.memoryStore().sortedMap("Throws").size()).to.equal(0);
		});

		it("refuses an unpublished place (a Studio server without a place id)", () => {
			const server = Runtime.startServer({ studio: true });
			expectContains(
				errorOf(server, () => mss(server).GetQueue("Studio").AddAsync(1, 60)),
				"UnpublishedPlace",
			);
		});

		it("loses a request in flight when its server crashes", () => {
			const server = Runtime.startServer();
			const map = mss(server).GetSortedMap("Crash");
			server.spawn(() => map.SetAsync("k", 1, 60));
			server.crash();
			Runtime.wait(1);
			expect(Runtime.memoryStore().sortedMap("Crash").size()).to.equal(0);
			expect(Runtime.memoryStore().stats().requests > 0).to.equal(true);
		});
	});

	describe("faults", () => {
		it("fails every request in an outage window, and none after it", () => {
			const now = Runtime.now();
			Runtime.configureMemoryStore({ outages: [{ from: now, to: now + 30 }] });
			const server = Runtime.startServer();
			const queue = mss(server).GetQueue("Outage");
			expectContains(
				errorOf(server, () => queue.AddAsync(1, 60)),
				"InternalError",
			);
			Runtime.wait(30);
			server.call(() => queue.AddAsync(1, 60));
			expect(Runtime.memoryStore().queue("Outage").size()).to.equal(1);
		});

		it("fails every request of a failing server while the others go through", () => {
			const a = Runtime.startServer({ name: "Cut" });
			const b = Runtime.startServer();
			Runtime.configureMemoryStore({ failingServers: ["Cut"] });
			expectContains(
				errorOf(a, () => mss(a).GetHashMap("H").SetAsync("k", 1, 60)),
				"InternalError",
			);
			b.call(() => mss(b).GetHashMap("H").SetAsync("k", 2, 60));
			expect(Runtime.memoryStore().hashMap("H")[0].value).to.equal(2);
		});

		it("fails requests at the configured rate, the same ones for the same seed", () => {
			const run = (seed: number) => {
				Runtime.configureMemoryStore({ errorRate: 0.3, seed, latency: { min: 0.01, max: 0.1 } });
				const server = Runtime.startServer();
				const map = mss(server).GetSortedMap("Rate");
				const out: string[] = [];
				for (let i = 0; i < 40; i++) {
					const [ok] = server.call(() => pcall(() => map.SetAsync(`k${i}`, i, 60)));
					out.push(ok ? "1" : "0");
				}
				return out.join("");
			};
			const first = run(5);
			expect(run(5)).to.equal(first);
			expect(run(6)).never.to.equal(first);
			const failures = first.split("0").size() - 1;
			expect(failures > 4 && failures < 24).to.equal(true);
		});

		it("takes the configured latency per request", () => {
			Runtime.configureMemoryStore({ latency: 0.5 });
			const server = Runtime.startServer();
			const t0 = Runtime.now();
			server.call(() => mss(server).GetSortedMap("Slow").GetAsync("k"));
			expect(math.abs(Runtime.now() - t0 - 0.5) < 0.05).to.equal(true);
		});
	});
};

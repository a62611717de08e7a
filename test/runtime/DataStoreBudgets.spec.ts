import Runtime from "../Runtime";
import { expectContains } from "../Expect";

const GET = Enum.DataStoreRequestType.GetAsync;
const SET = Enum.DataStoreRequestType.SetIncrementAsync;
const UPDATE = Enum.DataStoreRequestType.UpdateAsync;
const SORTED = Enum.DataStoreRequestType.GetSortedAsync;
const SORTED_SET = Enum.DataStoreRequestType.SetIncrementSortedAsync;
const ON_UPDATE = Enum.DataStoreRequestType.OnUpdate;

function fresh() {
	const server = Runtime.startServer();
	const dss = server.game.GetService("DataStoreService");
	return { server, dss, store: dss.GetDataStore("Budgets") };
}

// Caches value 1 of `key` on a reader server, then has another server overwrite it with 2.
function readThenOverwrite(key: string) {
	const reader = fresh();
	const first = fresh();
	const second = fresh();
	first.server.call(() => first.store.SetAsync(key, 1));
	reader.server.call(() => reader.store.GetAsync(key));
	second.server.call(() => second.store.SetAsync(key, 2));
	return reader;
}

// Fires `count` requests from `server` in the same frame; returns the errors of those that failed.
function flood(server: ReturnType<typeof Runtime.startServer>, count: number, request: (i: number) => unknown) {
	const errors: string[] = [];
	server.call(() => {
		for (let i = 0; i < count; i++) {
			task.spawn(() => {
				const [ok, err] = pcall(request, i);
				if (!ok) errors.push(tostring(err));
			});
		}
	});
	return errors;
}

export = () => {
	// Every spec file shares one world; put the DataStore back to its defaults before each case.
	beforeEach(() => Runtime.configureDataStore({ model: "official", latency: { min: 0.05, max: 0.15 } }));

	describe("budgets (measured starts and maxima, the guide's rates by default)", () => {
		it("starts every budget at its documented value", () => {
			const { server } = fresh();
			expect(server.budget(GET)).to.equal(100);
			expect(server.budget(SET)).to.equal(100);
			expect(server.budget(UPDATE)).to.equal(100);
			expect(server.budget(SORTED)).to.equal(10);
			expect(server.budget(SORTED_SET)).to.equal(100);
			expect(server.budget(ON_UPDATE)).to.equal(30);
		});

		it("refills smoothly at 60 per minute with no players and caps at 3 minutes of rate", () => {
			const { server } = fresh();
			Runtime.wait(30);
			expect(server.budget(GET)).to.equal(130);
			Runtime.wait(30);
			expect(server.budget(GET)).to.equal(160);
			Runtime.wait(600);
			expect(server.budget(GET)).to.equal(3 * 60);
			expect(server.budget(SORTED)).to.equal(3 * 5);
			// SetIncrementSortedAsync starts at 100, above its 0-player maximum of 90: it keeps 100 until spent.
			expect(server.budget(SORTED_SET)).to.equal(100);
			expect(server.budget(ON_UPDATE)).to.equal(1 * 30);
		});

		it("adds 10 per player per minute (the guide's figure) and cuts the backlog when a player leaves", () => {
			const { server } = fresh();
			const players = [server.addPlayer(1), server.addPlayer(2), server.addPlayer(3)];
			Runtime.wait(600);
			expect(server.budget(GET)).to.equal(3 * (60 + 3 * 10));
			expect(server.budget(SORTED)).to.equal(3 * (5 + 3 * 2));
			server.removePlayer(players[0]);
			expect(server.budget(GET)).to.equal(3 * (60 + 2 * 10));
		});

		it("uses 40 per player in the measured model", () => {
			Runtime.configureDataStore({ model: "measured" });
			const { server } = fresh();
			server.addPlayer(1);
			server.addPlayer(2);
			Runtime.wait(600);
			expect(server.budget(GET)).to.equal(3 * (60 + 2 * 40));
			expect(server.budget(SET)).to.equal(3 * (60 + 2 * 40));
		});

		it("reports UpdateAsync as the lower of the Get and Set budgets", () => {
			const { server, store } = fresh();
			server.call(() => {
				for (let i = 0; i < 10; i++) store.GetAsync(`k${i}`);
			});
			expect(server.budget(GET)).to.be.near(90, 2);
			expect(server.budget(UPDATE)).to.equal(server.budget(GET));
		});

		it("charges UpdateAsync both budgets every time by default, and the read only on first touch when measured", () => {
			const run = () => {
				const { server, store } = fresh();
				const paid: number[] = [];
				server.call(() => {
					for (let i = 0; i < 5; i++) task.spawn(() => store.UpdateAsync(`u${i}`, () => $tuple(1)));
				});
				paid.push(100 - server.budget(GET));
				Runtime.wait(10);
				const before = server.budget(GET);
				server.call(() => {
					for (let i = 0; i < 5; i++) task.spawn(() => store.UpdateAsync(`u${i}`, () => $tuple(2)));
				});
				paid.push(before - server.budget(GET));
				return paid;
			};
			const official = run();
			expect(official[0]).to.equal(5);
			expect(official[1]).to.equal(5);
			Runtime.configureDataStore({ model: "measured" });
			const measured = run();
			expect(measured[0]).to.equal(5);
			expect(measured[1]).to.equal(0);
		});

		it("bumps budgets to 2.5 times the base rate when the server closes, and never lowers one", () => {
			const { server, dss, store } = fresh();
			const inClose = new Map<string, number>();
			server.call(() => {
				for (let i = 0; i < 100; i++) task.spawn(() => store.SetAsync(`key${i}`, i));
			});
			Runtime.wait(1);
			expect(server.budget(SET) < 10).to.equal(true);
			server.call(() => {
				game.BindToClose(() => {
					for (const requestType of [GET, SET, SORTED, SORTED_SET, ON_UPDATE]) {
						inClose.set(requestType.Name, dss.GetRequestBudgetForRequestType(requestType));
					}
				});
			});
			server.shutdown();
			// floor(2.5 * base rate): 150, 150, 12, 75, 75 (as measured). Budgets already above stay as they are.
			expect(inClose.get("SetIncrementAsync")).to.equal(150);
			expect(inClose.get("GetAsync")).to.equal(150);
			expect(inClose.get("GetSortedAsync")).to.equal(12);
			expect(inClose.get("SetIncrementSortedAsync")).to.equal(100);
			expect(inClose.get("OnUpdate")).to.equal(75);
		});
	});

	describe("throttle queues and the write cooldown", () => {
		it("queues 30 throttled requests and drops the next with 302", () => {
			const { server, store } = fresh();
			let succeeded = 0;
			const failures = flood(server, 131, (i) => {
				store.SetAsync(`key${i}`, i);
				succeeded++;
			});
			expect(failures.size()).to.equal(1);
			expectContains(
				failures[0],
				"302: SetAsync request dropped. Request was throttled, but throttled request queue was full.",
			);
			Runtime.waitUntil(() => succeeded === 130, 120, "queued requests drain");
			const warnings = server
				.logs("warn")
				.filter((w) => w.text.find("DataStore request was added to queue", 1, true)[0] !== undefined);
			expect(warnings.size()).to.equal(30);
		});

		it("uses 301 for GetAsync and 304 for UpdateAsync", () => {
			const gets = fresh();
			const getErrors = flood(gets.server, 131, (i) => gets.store.GetAsync(`g${i}`));
			expect(getErrors.size()).to.equal(1);
			expect(getErrors[0].sub(1, 4)).to.equal("301:");
			const updates = fresh();
			const updateErrors = flood(updates.server, 131, (i) => updates.store.UpdateAsync(`u${i}`, () => $tuple(i)));
			expect(updateErrors.size()).to.equal(1);
			expect(updateErrors[0].sub(1, 4)).to.equal("304:");
		});

		it("spaces writes to one key at least 6 s apart", () => {
			Runtime.configureDataStore({ latency: 0.1 });
			const { server, store } = fresh();
			const times: number[] = [];
			server.call(() => {
				for (let i = 0; i < 3; i++) {
					task.spawn(() => {
						store.SetAsync("same", i);
						times.push(Runtime.now());
					});
				}
			});
			Runtime.waitUntil(() => times.size() === 3, 60);
			expect(times[1] - times[0]).to.be.near(6, 1 / 60);
			expect(times[2] - times[1]).to.be.near(6, 1 / 60);
			// Other keys are not held up by the cooldown of this one.
			const start = Runtime.now();
			server.call(() => store.SetAsync("other", 1));
			expect(Runtime.now() - start < 1).to.equal(true);
		});

		it("makes a queued request wait for budget to refill", () => {
			const { server, store } = fresh();
			server.call(() => {
				for (let i = 0; i < 100; i++) task.spawn(() => store.GetAsync(`a${i}`));
			});
			const start = Runtime.now();
			server.call(() => store.GetAsync("one more"));
			// At 60 per minute the budget refills one request per second.
			expect(Runtime.now() - start).to.be.near(1, 0.3);
		});
	});

	describe("read cache", () => {
		it("serves GetAsync from the cache for 4 s without yielding or budget, then fetches again", () => {
			const { server, store } = readThenOverwrite("c");
			const budget = server.budget(GET);
			const t0 = Runtime.now();
			const [cached] = server.call(() => store.GetAsync("c"));
			expect(Runtime.now()).to.equal(t0);
			expect(cached).to.equal(1);
			expect(server.budget(GET)).to.equal(budget);
			Runtime.wait(4);
			const [fresh2] = server.call(() => store.GetAsync("c"));
			expect(fresh2).to.equal(2);
		});

		it("bypasses the cache when UseCache is false", () => {
			const { server, store } = readThenOverwrite("c");
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			const [value] = server.call(() => store.GetAsync("c", options));
			expect(value).to.equal(2);
		});

		it("caches for 5 s and ignores SetAsync in the measured model", () => {
			Runtime.configureDataStore({ model: "measured" });
			const { server, store } = readThenOverwrite("m");
			Runtime.wait(4.5);
			expect(server.call(() => store.GetAsync("m"))[0]).to.equal(1);
			Runtime.wait(1);
			expect(server.call(() => store.GetAsync("m"))[0]).to.equal(2);
			// SetAsync does not fill the cache here: the next GetAsync goes to the backend.
			server.call(() => store.SetAsync("n", 5));
			const backendReads = () => Runtime.store().stats().byMethod.GetAsync ?? 0;
			const before = backendReads();
			expect(server.call(() => store.GetAsync("n"))[0]).to.equal(5);
			expect(backendReads()).to.equal(before + 1);
		});

		it("keeps caches per server: a write on A is not seen by B's cached read", () => {
			const a = fresh();
			const b = fresh();
			const c = fresh();
			c.server.call(() => c.store.SetAsync("x", 1));
			b.server.call(() => b.store.GetAsync("x"));
			a.server.call(() => a.store.SetAsync("x", 2));
			expect(b.server.call(() => b.store.GetAsync("x"))[0]).to.equal(1);
			// A's own write filled A's cache.
			expect(a.server.call(() => a.store.GetAsync("x"))[0]).to.equal(2);
		});
	});
};

import Runtime, { type SimServer } from "../Runtime";
import { expectContains, expectError } from "../Expect";

// One server's own DataStore faults (`server.configureDataStore`, `startServer({ dataStore })`): each case runs two
// servers, A with the fault and B without, and checks that the fault hits A only.

const GET = Enum.DataStoreRequestType.GetAsync;
const SET = Enum.DataStoreRequestType.SetIncrementAsync;

function fresh(name: string) {
	const server = Runtime.startServer({ name });
	return { server, store: server.game.GetService("DataStoreService").GetDataStore("ServerFaults") };
}

type Fresh = ReturnType<typeof fresh>;

function uncached() {
	const options = new Instance("DataStoreGetOptions");
	options.UseCache = false;
	return options;
}

// "ok" or the error of one uncached read of `key` by `side`.
function read(side: Fresh, key: string): string {
	const [ok, err] = side.server.call(() => pcall(() => side.store.GetAsync(key, uncached())));
	return ok ? "ok" : tostring(err);
}

function write(side: Fresh, key: string, value: unknown): string {
	const [ok, err] = side.server.call(() => pcall(() => side.store.SetAsync(key, value)));
	return ok ? "ok" : tostring(err);
}

// A and B read in turn, `count` times each; returns each side's outcomes and how long each read took.
function alternate(a: Fresh, b: Fresh, count: number) {
	const traces = { a: [] as string[], b: [] as string[] };
	for (let i = 0; i < count; i++) {
		for (const [side, trace] of [
			[a, traces.a],
			[b, traces.b],
		] as const) {
			const start = Runtime.now();
			const outcome = read(side, `key${i % 5}`);
			trace.push(`${outcome === "ok" ? "ok" : outcome.sub(1, 3)}@${"%.3f".format(Runtime.now() - start)}`);
		}
	}
	return { a: traces.a.join(" "), b: traces.b.join(" ") };
}

function failures(trace: string) {
	return trace
		.split(" ")
		.filter((s) => s.sub(1, 3) === "502")
		.size();
}

const INTERNAL = "502: API Services rejected request with error: HTTP 500 (Internal Server Error)";
const UNAVAILABLE = "502: API Services rejected request with error: HTTP 503 (Service Unavailable)";
const TIMEOUT = "502: API Services rejected request with error: HTTP 504 (Gateway Timeout)";

export = () => {
	describe("errors, lost responses and outages of one server", () => {
		it("fails every request of the server with errorRate 1, and none of the other's", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ errorRate: 1 });
			for (let i = 0; i < 5; i++) {
				expect(read(a, `k${i}`)).to.equal(INTERNAL);
				expect(write(a, `a${i}`, i)).to.equal(INTERNAL);
				expect(read(b, `k${i}`)).to.equal("ok");
				expect(write(b, `b${i}`, i)).to.equal("ok");
			}
			// A's writes never reached the store; B's did.
			expect(Runtime.store().keys("ServerFaults").join(" ")).to.equal("b0 b1 b2 b3 b4");
			expect(Runtime.store().stats().faults).to.equal(10);
			a.server.configureDataStore({});
			expect(read(a, "k0")).to.equal("ok");
		});

		it("fails a share of the server's requests with a partial errorRate, and none of the other's", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ errorRate: 0.5 });
			const traces = alternate(a, b, 40);
			const failed = failures(traces.a);
			expect(failed > 8 && failed < 32).to.equal(true);
			expect(failures(traces.b)).to.equal(0);
		});

		it("stores the server's writes and loses their responses, and not the other's", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ lostResponseRate: 1 });
			expect(write(a, "fromA", "landed")).to.equal(TIMEOUT);
			expect(Runtime.store().get("ServerFaults", undefined, "fromA")[0]).to.equal("landed");
			expect(write(b, "fromB", "landed")).to.equal("ok");
			expect(Runtime.store().get("ServerFaults", undefined, "fromB")[0]).to.equal("landed");
			// Reads have no response to lose.
			expect(read(a, "fromB")).to.equal("ok");
			const [updated] = a.server.call(() =>
				pcall(() => a.store.UpdateAsync("fromA", (old) => $tuple(`${old} twice`))),
			);
			expect(updated).to.equal(false);
			expect(Runtime.store().get("ServerFaults", undefined, "fromA")[0]).to.equal("landed twice");
		});

		it("fails the server's requests inside its outage window only, while the other's go through", () => {
			const a = fresh("A");
			const b = fresh("B");
			const now = Runtime.now();
			a.server.configureDataStore({ outages: [{ from: now + 5, to: now + 35 }] });
			expect(read(a, "k")).to.equal("ok");
			Runtime.wait(10);
			expect(read(a, "k")).to.equal(UNAVAILABLE);
			expect(write(a, "k", 1)).to.equal(UNAVAILABLE);
			expect(read(b, "k")).to.equal("ok");
			expect(write(b, "k", 2)).to.equal("ok");
			Runtime.wait(30);
			expect(read(a, "k")).to.equal("ok");
			expect(write(a, "k", 3)).to.equal("ok");
		});

		it("applies the world's faults and the server's both", () => {
			const a = fresh("A");
			const b = fresh("B");
			const now = Runtime.now();
			Runtime.configureDataStore({ outages: [{ from: now, to: now + 10 }] });
			a.server.configureDataStore({ outages: [{ from: now + 10, to: now + 20 }] });
			expect(read(a, "k")).to.equal(UNAVAILABLE);
			expect(read(b, "k")).to.equal(UNAVAILABLE);
			Runtime.wait(12);
			expect(read(a, "k")).to.equal(UNAVAILABLE);
			expect(read(b, "k")).to.equal("ok");
			Runtime.wait(10);
			expect(read(a, "k")).to.equal("ok");
			expect(read(b, "k")).to.equal("ok");
			// A world error rate and a server's lost responses: the server's writes meet both.
			Runtime.configureDataStore({ errorRate: 1 });
			a.server.configureDataStore({ lostResponseRate: 1 });
			expect(write(a, "both", 1)).to.equal(INTERNAL);
			Runtime.configureDataStore({ errorRate: 0 });
			expect(write(a, "both", 2)).to.equal(TIMEOUT);
			expect(Runtime.store().get("ServerFaults", undefined, "both")[0]).to.equal(2);
		});

		it("applies faults given to startServer from the server's start", () => {
			const a = Runtime.startServer({ name: "A", dataStore: { errorRate: 1 } });
			const store = a.game.GetService("DataStoreService").GetDataStore("ServerFaults");
			expect(read({ server: a, store }, "k")).to.equal(INTERNAL);
			expect(read(fresh("B"), "k")).to.equal("ok");
		});
	});

	describe("deterministic draws", () => {
		it("gives the same run from the same seed, and leaves the other server's draws alone", () => {
			const run = (seed: number, faulty: boolean) => {
				Runtime.configureDataStore({ seed, latency: { min: 0.05, max: 0.5 } });
				const a = fresh("A");
				const b = fresh("B");
				if (faulty) a.server.configureDataStore({ errorRate: 0.5, lostResponseRate: 0.5 });
				const traces = alternate(a, b, 30);
				return { ...traces, lost: [write(a, "w1", 1), write(a, "w2", 2), write(a, "w3", 3)].join(" ") };
			};
			const first = run(42, true);
			const second = run(42, true);
			const clean = run(42, false);
			const other = run(43, true);
			expect(second.a).to.equal(first.a);
			expect(second.lost).to.equal(first.lost);
			expect(failures(first.a) > 0).to.equal(true);
			// B's latencies and outcomes are the same whether A has faults or not.
			expect(clean.b).to.equal(first.b);
			expect(failures(clean.a)).to.equal(0);
			// Another DataStore seed draws other faults for A.
			expect(other.a).never.to.equal(first.a);
		});

		it("draws from the seed given to the server when there is one", () => {
			const trace = (seed: number) => {
				const a = fresh("A");
				a.server.configureDataStore({ errorRate: 0.5, seed });
				return alternate(a, fresh("B"), 30)
					.a.split(" ")
					.map((s) => s.sub(1, 3))
					.join(" ");
			};
			const first = trace(7);
			expect(trace(7)).to.equal(first);
			expect(trace(8)).never.to.equal(first);
		});
	});

	describe("a starved budget", () => {
		it("holds the server's requests in its queue at budgetCap 0 and drops the 31st, while the other's go through", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ budgetCap: 0 });
			expect(a.server.budget(GET)).to.equal(0);
			expect(a.server.budget(SET)).to.equal(0);
			expect(b.server.budget(GET)).to.equal(100);
			let done = 0;
			const errors: string[] = [];
			a.server.call(() => {
				for (let i = 0; i < 31; i++) {
					task.spawn(() => {
						const [ok, err] = pcall(() => a.store.GetAsync(`k${i}`));
						if (ok) done++;
						else errors.push(tostring(err));
					});
				}
			});
			expect(errors.size()).to.equal(1);
			expectContains(
				errors[0],
				"301: GetAsync request dropped. Request was throttled, but throttled request queue was full.",
			);
			const start = Runtime.now();
			expect(read(b, "k0")).to.equal("ok");
			expect(write(b, "k0", 1)).to.equal("ok");
			expect(Runtime.now() - start < 0.5).to.equal(true);
			Runtime.wait(120);
			expect(done).to.equal(0);
			expect(a.server.budget(GET)).to.equal(0);
			// B's budget refilled meanwhile, up to Roblox's cap (3 minutes of 60 per minute).
			expect(b.server.budget(GET)).to.equal(180);
			// Lifted, A's budget refills at Roblox's 60 per minute: its 30 queued reads go in about 30 s.
			a.server.configureDataStore({});
			const lifted = Runtime.now();
			Runtime.waitUntil(() => done === 30, 60, "A's queue drains");
			expect(Runtime.now() - lifted).to.be.near(30, 2);
		});

		it("refills the server's budget at budgetRate, and the other's at Roblox's rate", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ budgetRate: 0.1 });
			for (const side of [a, b]) {
				side.server.call(() => {
					for (let i = 0; i < 30; i++) task.spawn(() => side.store.GetAsync(`k${i}`));
				});
			}
			Runtime.wait(60);
			// 70 left; then 6 a minute on A, 60 on B.
			expect(a.server.budget(GET)).to.be.near(76, 1);
			expect(b.server.budget(GET)).to.be.near(130, 1);
			// With one request of budget, A's second read waits 10 s for its refill; B's does not wait.
			a.server.configureDataStore({ budgetRate: 0.1, budgetCap: 1 });
			expect(a.server.budget(GET)).to.equal(1);
			const timed = (side: Fresh) => {
				const start = Runtime.now();
				expect(read(side, "x")).to.equal("ok");
				expect(read(side, "y")).to.equal("ok");
				return Runtime.now() - start;
			};
			expect(timed(a)).to.be.near(10.1, 0.3);
			expect(timed(b) < 0.5).to.equal(true);
		});

		it("keeps the budget cap while the server closes, and bumps the other's as Roblox does", () => {
			const a = fresh("A");
			const b = fresh("B");
			a.server.configureDataStore({ budgetCap: 5 });
			const inClose = (server: SimServer) => {
				let budget = -1;
				server.call(() => {
					game.BindToClose(() => {
						budget = game.GetService("DataStoreService").GetRequestBudgetForRequestType(SET);
					});
				});
				server.shutdown();
				return budget;
			};
			expect(inClose(a.server)).to.equal(5);
			expect(inClose(b.server)).to.equal(150);
		});
	});

	describe("bad input", () => {
		it("names the call and the field, and keeps the server's faults", () => {
			const a = fresh("A");
			a.server.configureDataStore({ errorRate: 1 });
			const call = "SimServer:configureDataStore(): faults";
			const cases: Array<[unknown, string]> = [
				[undefined, `${call} must be a table of faults, got nil`],
				[
					{ errorRte: 0.5 },
					`${call}: unknown field "errorRte" (known fields: budgetCap, budgetRate, errorRate, lostResponseRate, outages, seed)`,
				],
				[{ errorRate: "0.5" }, `${call}.errorRate must be a number from 0 to 1, got "0.5"`],
				[{ errorRate: 1.5 }, `${call}.errorRate must be a number from 0 to 1, got 1.5`],
				[{ lostResponseRate: -0.1 }, `${call}.lostResponseRate must be a number from 0 to 1, got -0.1`],
				[{ budgetRate: 2 }, `${call}.budgetRate must be a number from 0 to 1, got 2`],
				[{ budgetCap: -1 }, `${call}.budgetCap must be a number of 0 or more, got -1`],
				[{ seed: "x" }, `${call}.seed must be a finite number, got "x"`],
				[
					{ outages: { from: 1, to: 2 } },
					`${call}.outages must be an array of { from, to } windows, got a table`,
				],
				[{ outages: [5] }, `${call}.outages[1] must be a { from, to } window, got 5`],
				[
					{ outages: [{ from: 0, to: 1 }, { from: 10 }] },
					`${call}.outages[2].to must be a finite number of seconds, not before \`from\`, got nil`,
				],
				[
					{ outages: [{ from: 10, to: 5 }] },
					`${call}.outages[1].to must be a finite number of seconds, not before \`from\`, got 5`,
				],
				[
					{ outages: [{ from: 0, to: 1, count: 2 }] },
					`${call}.outages[1]: unknown field "count" (known fields: from, to)`,
				],
			];
			for (const [faults, message] of cases) {
				expectError(() => a.server.configureDataStore(faults as never), message);
			}
			expect(read(a, "k")).to.equal(INTERNAL);
		});

		it("names the option of startServer", () => {
			const before = Runtime.servers().size();
			expectError(
				() => Runtime.startServer({ name: "Bad", dataStore: { errorRate: 2 } }),
				"startServer: options.dataStore.errorRate must be a number from 0 to 1, got 2",
			);
			expect(Runtime.servers().size()).to.equal(before);
		});
	});
};

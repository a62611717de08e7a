import Runtime from "../Runtime";

// Runs 40 requests against a fresh server and returns which of them failed, and when each finished.
function trace(): string {
	const server = Runtime.startServer();
	const store = server.game.GetService("DataStoreService").GetDataStore("Faults");
	const out: string[] = [];
	const start = Runtime.now();
	for (let i = 0; i < 40; i++) {
		const [ok, err] = server.call(() =>
			pcall(() =>
				store.GetAsync(
					`key${i % 7}`,
					(() => {
						const o = new Instance("DataStoreGetOptions");
						o.UseCache = false;
						return o;
					})(),
				),
			),
		);
		out.push(`${ok ? "ok" : tostring(err).sub(1, 3)}@${"%.3f".format(Runtime.now() - start)}`);
	}
	return out.join(" ");
}

export = () => {
	beforeEach(() =>
		Runtime.configureDataStore({
			model: "official",
			latency: { min: 0.05, max: 0.5 },
			errorRate: 0,
			lostResponseRate: 0,
			outages: [],
			keyFailures: {},
		}),
	);

	it("gives the same latencies and failures twice from the same seed, and others from another seed", () => {
		Runtime.configureDataStore({ errorRate: 0.3, seed: 42 });
		const first = trace();
		Runtime.configureDataStore({ errorRate: 0.3, seed: 42 });
		const second = trace();
		Runtime.configureDataStore({ errorRate: 0.3, seed: 43 });
		const third = trace();
		expect(first).to.equal(second);
		expect(third).never.to.equal(first);
		const failures = first
			.split(" ")
			.filter((s) => s.sub(1, 3) === "502")
			.size();
		expect(failures > 4 && failures < 24).to.equal(true);
	});

	it("fails every request during an outage window, and none after it", () => {
		const now = Runtime.now();
		Runtime.configureDataStore({ outages: [{ from: now, to: now + 30 }] });
		const server = Runtime.startServer();
		const store = server.game.GetService("DataStoreService").GetDataStore("Faults");
		const [ok, err] = server.call(() => pcall(() => store.SetAsync("k", 1)));
		expect(ok).to.equal(false);
		expect(tostring(err)).to.equal("502: API Services rejected request with error: HTTP 503 (Service Unavailable)");
		Runtime.wait(31);
		const [ok2] = server.call(() => pcall(() => store.SetAsync("k", 1)));
		expect(ok2).to.equal(true);
	});

	it("fails the next requests for one key only", () => {
		Runtime.configureDataStore({ keyFailures: { cursed: { count: 2, code: 500, message: "Internal" } } });
		const server = Runtime.startServer();
		const store = server.game.GetService("DataStoreService").GetDataStore("Faults");
		expect(server.call(() => pcall(() => store.GetAsync("fine")))[0]).to.equal(true);
		expect(tostring(server.call(() => pcall(() => store.GetAsync("cursed")))[1])).to.equal("500: Internal");
		Runtime.wait(5);
		expect(server.call(() => pcall(() => store.GetAsync("cursed")))[0]).to.equal(false);
		Runtime.wait(5);
		expect(server.call(() => pcall(() => store.GetAsync("cursed")))[0]).to.equal(true);
	});

	it("can store a write and still lose its response", () => {
		Runtime.configureDataStore({ lostResponseRate: 1 });
		const server = Runtime.startServer();
		const store = server.game.GetService("DataStoreService").GetDataStore("Faults");
		const [ok, err] = server.call(() => pcall(() => store.SetAsync("lost", "landed")));
		expect(ok).to.equal(false);
		expect(tostring(err).sub(1, 4)).to.equal("502:");
		expect(Runtime.store().get("Faults", undefined, "lost")[0]).to.equal("landed");
	});

	it("spends budget on a failed remote call, as the emulator author measured", () => {
		Runtime.configureDataStore({ errorRate: 1 });
		const server = Runtime.startServer();
		const store = server.game.GetService("DataStoreService").GetDataStore("Faults");
		server.call(() => pcall(() => store.GetAsync("k")));
		expect(server.budget(Enum.DataStoreRequestType.GetAsync)).to.equal(99);
	});
};

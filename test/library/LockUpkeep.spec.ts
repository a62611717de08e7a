/**
 * Lock upkeep that no option can break: the four findings of the options review and its two suspects, each as a
 * timeline on the runtime, with the original where it is the other side. Every case watches both servers' profiles
 * every 0.1 s: the two sessions must never be active at once, and no requester may wait without bound.
 */
import Runtime, { type SimServer } from "../Runtime";
import { original } from "./Original";
import { ours, resetDefaults, stored, TEMPLATE, type Data } from "./Fixtures";
import { Settings } from "../../src/internal/Constants";

const STORE = "Upkeep";
type Active = { Data: Data; IsActive(): boolean } | undefined;

/** Our store on `server`, with the period and a Validate that refuses negative coins. */
function storeOn(server: SimServer, period = 30) {
	return ours(server).ProfileService.GetProfileStore(
		{
			Name: STORE,
			AutoSavePeriod: period,
			Validate: (data: Data) => (data.Coins >= 0 ? true : [false, "Coins is negative"]),
		},
		TEMPLATE,
	);
}

function load(server: SimServer, key: string, period = 30): Active {
	return server.call(() => storeOn(server, period).LoadProfileAsync(key));
}

export = () => {
	/**
	 * Starts `loader` on `server` and watches it against the holder's profile: `result()` is undefined until the load
	 * returns, then [profile, seconds it took]; `overlap()` is true if both were ever active at once.
	 */
	function contest(server: SimServer, holder: { IsActive(): boolean }, loader: () => Active) {
		let outcome: [Active, number] | undefined;
		let overlap = false;
		const start = Runtime.now();
		server.spawn(() => {
			const profile = loader();
			outcome = [profile, Runtime.now() - start];
		});
		task.spawn(() => {
			while (outcome === undefined || outcome[0]?.IsActive() === true) {
				if (outcome?.[0]?.IsActive() === true && holder.IsActive()) overlap = true;
				if (outcome !== undefined && !holder.IsActive()) break;
				Runtime.wait(0.1);
			}
		});
		return { result: () => outcome, overlap: () => overlap };
	}

	/** Waits for the load of a contest, then checks it got `coins`, that it never overlapped, and returns its time. */
	function settle(run: ReturnType<typeof contest>, holder: { IsActive(): boolean }, coins: number, limit = 400) {
		Runtime.waitUntil(() => run.result() !== undefined, limit, "the contested load");
		const [profile, took] = run.result()!;
		Runtime.wait(1);
		expect(profile?.Data.Coins).to.equal(coins);
		expect(holder.IsActive()).to.equal(false);
		expect(run.overlap()).to.equal(false);
		return took;
	}

	beforeEach(() => {
		resetDefaults();
		Runtime.configureMemoryStore({
			latency: { min: 0.02, max: 0.08 },
			errorRate: 0,
			outages: [],
			failingServers: [],
		});
	});

	describe("finding 1: a save whose Data Validate refuses still writes the lock", () => {
		it("an original server's ForceLoad takes the profile, and our holder's session has ended first", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const held = load(a, "Refused_1")!;
			held.Data.Coins = 5;
			Runtime.wait(35); // saved once with 5
			held.Data.Coins = -1; // from now on every save's Data is refused
			const theirs = original(b).GetProfileStore(STORE, TEMPLATE);
			const run = contest(b, held, () => theirs.LoadProfileAsync("Refused_1") as Active);
			const took = settle(run, held, 5);
			Runtime.output(`[upkeep] Validate refusing: the original's ForceLoad took ${"%.1f".format(took)} s`);
			expect(took < 90).to.equal(true);
		});

		it("a ForceLoad of ours against a deaf holder with refused Data returns within the original's time", () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const held = load(a, "Refused_2")!;
			held.Data.Coins = 5;
			Runtime.wait(35);
			held.Data.Coins = -1;
			const run = contest(b, held, () => storeOn(b).LoadProfileAsync("Refused_2"));
			const took = settle(run, held, 5);
			Runtime.output(`[upkeep] Validate refusing, deaf holder: our ForceLoad took ${"%.1f".format(took)} s`);
			expect(took < 90).to.equal(true);
		});

		it("the lock's LastUpdate keeps moving while Data is refused", () => {
			const a = Runtime.startServer({ name: "A" });
			const held = load(a, "Refused_3")!;
			held.Data.Coins = -1;
			const first = stored("Refused_3", STORE)!.MetaData.LastUpdate!;
			Runtime.wait(95);
			expect(stored("Refused_3", STORE)!.MetaData.LastUpdate! - first >= 60).to.equal(true);
			expect(stored("Refused_3", STORE)!.Data.Coins).to.equal(0);
			expect(held.IsActive()).to.equal(true);
		});
	});

	describe("finding 2: a period above 900 s is never stolen by the 30-minute rule", () => {
		it("period 1200, one auto-save failed in a 20 s outage: a load at 1850 s gets the holder's latest data", () => {
			Runtime.setTimeLimit(3 * 3600);
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const loadedAt = Runtime.now();
			const held = load(a, "Long_1", 1200)!;
			held.Data.Coins = 1;
			Runtime.configureDataStore({ outages: [{ from: loadedAt + 1190, to: loadedAt + 1210 }] });
			let oldest = 0;
			while (Runtime.now() < loadedAt + 1850) {
				Runtime.wait(10);
				const lastUpdate = stored("Long_1", STORE)!.MetaData.LastUpdate!;
				oldest = math.max(oldest, Runtime.unixMillis() / 1000 - lastUpdate);
				held.Data.Coins += 1;
			}
			Runtime.output(`[upkeep] period 1200: the lock's LastUpdate was at most ${"%.0f".format(oldest)} s old`);
			expect(oldest < Settings.MaxAutoSavePeriod + 60).to.equal(true);
			const coins = held.Data.Coins;
			const run = contest(b, held, () => storeOn(b, 1200).LoadProfileAsync("Long_1"));
			settle(run, held, coins);
		});
	});

	describe("finding 3: a crashed long-period holder whose subscription failed is taken as fast as at 30 s", () => {
		for (const period of [300, 1200]) {
			it(`period ${period}`, () => {
				const a = Runtime.startServer({ name: "A", messaging: "subscribeFails" });
				const b = Runtime.startServer({ name: "B" });
				const held = load(a, "Crashed_" + period, period)!;
				held.Data.Coins = 3;
				a.call(() => (held as unknown as { Save(): void }).Save());
				Runtime.waitUntil(() => stored("Crashed_" + period, STORE)!.Data.Coins === 3, 30, "the save");
				a.crash();
				const start = Runtime.now();
				const profile = b.call(() => storeOn(b, period).LoadProfileAsync("Crashed_" + period))!;
				const took = Runtime.now() - start;
				Runtime.output(
					`[upkeep] period ${period}, subscription failed, crashed: taken in ${"%.1f".format(took)} s`,
				);
				expect(profile.Data.Coins).to.equal(3);
				expect(took <= 20).to.equal(true);
			});
		}
	});

	describe("suspect 1: a holder alive on MemoryStore but unable to write holds no requester out for long", () => {
		const cases: Array<[string, "outage" | "budget", "ok" | "deaf"]> = [
			["its DataStore requests failing, listening", "outage", "ok"],
			["its DataStore requests failing, deaf", "outage", "deaf"],
			["its write budget starved, listening", "budget", "ok"],
			["its write budget starved, deaf", "budget", "deaf"],
		];
		for (const [name, fault, messaging] of cases) {
			it(name, () => {
				const a = Runtime.startServer({ name: "A", messaging });
				const b = Runtime.startServer({ name: "B" });
				const held = load(a, `Unwritable_${fault}_${messaging}`)!;
				held.Data.Coins = 5;
				Runtime.wait(35);
				const now = Runtime.now();
				if (fault === "outage") a.configureDataStore({ outages: [{ from: now, to: now + 3600 }] });
				else a.configureDataStore({ budgetRate: 0, budgetCap: 0 });
				Runtime.wait(1);
				const run = contest(b, held, () => storeOn(b).LoadProfileAsync(`Unwritable_${fault}_${messaging}`));
				// Its progress since its last save is lost, as with the original; its session must have ended first.
				const took = settle(run, held, 5);
				Runtime.output(`[upkeep] holder unable to write (${name}): taken in ${"%.1f".format(took)} s`);
				expect(took <= 9 * Settings.OriginalStepSeconds + Settings.ProbeRequests + 5).to.equal(true);
			});
		}
	});

	describe("suspect 2: a holder cut off from MemoryStore, deaf, with Data that Validate refuses", () => {
		it("is not taken while it lives: its fence writes the lock, and it hands over when it sees the request", () => {
			const a = Runtime.startServer({ name: "A", messaging: "deaf" });
			const b = Runtime.startServer({ name: "B" });
			const held = load(a, "Cut_1")!;
			held.Data.Coins = 5;
			Runtime.wait(35);
			held.Data.Coins = -1;
			Runtime.configureMemoryStore({ failingServers: ["A"] });
			Runtime.wait(2);
			const run = contest(b, held, () => storeOn(b).LoadProfileAsync("Cut_1"));
			const took = settle(run, held, 5);
			Runtime.output(`[upkeep] cut off, deaf, Data refused: handed over in ${"%.1f".format(took)} s`);
		});
	});
};

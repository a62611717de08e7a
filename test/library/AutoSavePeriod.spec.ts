/**
 * GetProfileStore's AutoSavePeriod, and the lock upkeep that keeps a long period safe and fast: the server
 * heartbeat in MemoryStoreService, the holder's fence when that heartbeat fails, and the lock's confirmation read
 * that answers a ForceLoad from a server that sends no message (the original).
 */
import Runtime, { type SimServer } from "../Runtime";
import { original } from "./Original";
import { ours, resetDefaults, stored, TEMPLATE } from "./Fixtures";
import { expectError } from "../Expect";
import { Settings } from "../../src/internal/Constants";

const STORE = "Period";
type Loaded = { Data: typeof TEMPLATE; IsActive(): boolean } | undefined;

function storeOn(server: SimServer, period?: number, name = STORE) {
	return ours(server).ProfileService.GetProfileStore({ Name: name, AutoSavePeriod: period }, TEMPLATE);
}

function load(server: SimServer, key: string, period = 300): Loaded {
	return server.call(() => storeOn(server, period).LoadProfileAsync(key));
}

/** Starts a load in the background; `result()` is undefined until it returns, then [profile]. */
function loadLater(server: SimServer, key: string, period = 300) {
	let outcome: [Loaded] | undefined;
	server.spawn(() => {
		outcome = [storeOn(server, period).LoadProfileAsync(key)];
	});
	return () => outcome;
}

/** The stored lock's marker. */
function marker(key: string) {
	const meta = stored(key, STORE)?.MetaData as { HandOff?: unknown[] } | undefined;
	return meta?.HandOff;
}

/** Whether the stored lock claims its holder's heartbeat (a counter in the marker). */
function claims(key: string) {
	const counter = marker(key)?.[3];
	return typeIs(counter, "number") && counter > 0;
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

	describe("the option", () => {
		it("rejects a period that is not a number of seconds from 10 to 1200, naming the argument", () => {
			const server = Runtime.startServer({ name: "A" });
			for (const period of [5, 1201, 0 / 0, "60"]) {
				expectError(
					() => server.call(() => storeOn(server, period as number)),
					'ProfileService.GetProfileStore(): argument "AutoSavePeriod" must be undefined or a number of seconds from 10 to 1200',
				);
			}
			expect(server.call(() => storeOn(server, 10)) !== undefined).to.equal(true);
			expect(server.call(() => storeOn(server, 1200)) !== undefined).to.equal(true);
		});

		it("stores with different periods on one server each save at their own period", () => {
			const server = Runtime.startServer({ name: "A" });
			const fast = server.call(() => storeOn(server, 10, "Fast").LoadProfileAsync("P_1"))!;
			const slow = server.call(() => storeOn(server, 120, "Slow").LoadProfileAsync("P_1"))!;
			const plain = server.call(() => storeOn(server, undefined, "Plain").LoadProfileAsync("P_1"))!;
			fast.Data.Coins = 1;
			slow.Data.Coins = 1;
			plain.Data.Coins = 1;
			const start = Runtime.now();
			const fastAt = Runtime.waitUntil(() => stored("P_1", "Fast")!.Data.Coins === 1, 30, "fast save") - start;
			const plainAt = Runtime.waitUntil(() => stored("P_1", "Plain")!.Data.Coins === 1, 60, "plain save") - start;
			expect(stored("P_1", "Slow")!.Data.Coins).to.equal(0);
			const slowAt = Runtime.waitUntil(() => stored("P_1", "Slow")!.Data.Coins === 1, 200, "slow save") - start;
			Runtime.output(
				`[ours] first auto-saves after ${fastAt} / ${plainAt} / ${slowAt} s (periods 10 / 30 / 120)`,
			);
			expect(fastAt <= 11).to.equal(true);
			expect(plainAt > 20 && plainAt <= 31).to.equal(true);
			expect(slowAt > 100 && slowAt <= 121).to.equal(true);
		});

		it("a period of 300 writes each profile's lock about 12 times an hour, 30 about 120", () => {
			const server = Runtime.startServer({ name: "A" });
			server.call(() => storeOn(server, 300, "Long").LoadProfileAsync("W_1"));
			server.call(() => storeOn(server, 30, "Short").LoadProfileAsync("W_1"));
			const versions = (name: string) => Runtime.store().versions(name, undefined, "W_1").size();
			const [long0, short0] = [versions("Long"), versions("Short")];
			Runtime.wait(3600);
			const [long, short] = [versions("Long") - long0, versions("Short") - short0];
			Runtime.output(`[ours] writes in an hour: ${long} (period 300), ${short} (period 30)`);
			expect(long >= 11 && long <= 13).to.equal(true);
			expect(short >= 118 && short <= 121).to.equal(true);
		});
	});

	describe("with a period of 300", () => {
		it("a crashed holder's lock is taken within 20 s (its heartbeat stands still)", () => {
			const [a, b] = [Runtime.startServer({ name: "A" }), Runtime.startServer({ name: "B" })];
			const profileA = load(a, "Crash_1")!;
			profileA.Data.Coins = 3;
			a.call(() => (profileA as unknown as { Save(): void }).Save());
			Runtime.waitUntil(() => stored("Crash_1", STORE)!.Data.Coins === 3, 30, "the save");
			a.crash();
			const start = Runtime.now();
			const profileB = load(b, "Crash_1")!;
			const took = Runtime.now() - start;
			Runtime.output(`[ours] period 300: B took the crashed lock after ${"%.1f".format(took)} virtual s`);
			expect(profileB.Data.Coins).to.equal(3);
			expect(took <= 20).to.equal(true);
		});

		it("a live holder hands over in about a second", () => {
			const [a, b] = [Runtime.startServer({ name: "A" }), Runtime.startServer({ name: "B" })];
			const profileA = load(a, "Live_1")!;
			Runtime.wait(40);
			profileA.Data.Coins = 9;
			const start = Runtime.now();
			const profileB = load(b, "Live_1")!;
			const took = Runtime.now() - start;
			Runtime.output(`[ours] period 300: live hand-off in ${"%.2f".format(took)} virtual s`);
			expect(profileB.Data.Coins).to.equal(9);
			expect(took < 2).to.equal(true);
		});

		it("a live holder whose hand-off messages are all lost keeps its progress (its lock confirmation releases)", () => {
			const [a, b] = [Runtime.startServer({ name: "A" }), Runtime.startServer({ name: "B" })];
			const profileA = load(a, "Lost_1")!;
			Runtime.wait(40);
			Runtime.configureMessaging({ loss: 1 });
			const result = loadLater(b, "Lost_1");
			Runtime.wait(1);
			profileA.Data.Coins = 777;
			Runtime.waitUntil(() => result() !== undefined, 400, "B's load");
			expect(result()![0]!.Data.Coins).to.equal(777);
			expect(profileA.IsActive()).to.equal(false);
		});

		it("a holder cut off from MemoryStoreService withdraws its heartbeat claim before anyone can judge it", () => {
			const a = Runtime.startServer({ name: "A" });
			load(a, "Fence_1");
			Runtime.wait(5);
			expect(claims("Fence_1")).to.equal(true);
			Runtime.configureMemoryStore({ failingServers: ["A"] });
			const cut = Runtime.now();
			const withdrawn = Runtime.waitUntil(() => !claims("Fence_1"), 60, "the fence") - cut;
			Runtime.output(`[ours] heartbeat claim withdrawn ${"%.1f".format(withdrawn)} s after the cut`);
			expect(marker("Fence_1")?.[1]).to.equal("on");
			expect(marker("Fence_1")?.[2]).to.equal(300);
			expect(withdrawn < Settings.HeartbeatSelfEnd).to.equal(true);
		});

		it("a holder cut off from MemoryStoreService and deaf to messages keeps its progress", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const profileA = load(a, "Cut_1")!;
			expect(claims("Cut_1")).to.equal(true);
			a.setMessaging("deaf");
			// Past the listener's verified window (A's locks still say "on" from its load), and 24 s before A's next lock
			// confirmation, so only the fence keeps B from judging its silent heartbeat.
			Runtime.wait(126);
			Runtime.configureMemoryStore({ failingServers: ["A"] });
			const result = loadLater(b, "Cut_1");
			Runtime.wait(1);
			profileA.Data.Coins = 777;
			Runtime.waitUntil(() => result() !== undefined, 400, "B's load");
			expect(result()![0]!.Data.Coins).to.equal(777);
		});

		it("a holder gone deaf whose auto-save failed keeps its progress: its retry and its lock confirmation release", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const profileA = load(a, "Deaf_1")!;
			const loadedAt = Runtime.now();
			expect(claims("Deaf_1")).to.equal(true);
			a.setMessaging("deaf");
			profileA.Data.Coins = 777; // never saved until A releases
			// A's first auto-save (300 s after its load) and its lock polls around it fall in an outage, so by the
			// DataStore's clock A's lock is older than its period plus 10 s when B asks, and B's probe goes unanswered.
			Runtime.configureDataStore({ outages: [{ from: loadedAt + 295, to: loadedAt + 309 }] });
			Runtime.wait(loadedAt + 305 - Runtime.now());
			const result = loadLater(b, "Deaf_1");
			Runtime.waitUntil(() => result() !== undefined, 400, "B's load");
			expect(result()![0]!.Data.Coins).to.equal(777);
			expect(profileA.IsActive()).to.equal(false);
		});

		it("an original requester, which sends no message, gets the holder's progress within its own steps", () => {
			const a = Runtime.startServer({ name: "A" });
			const b = Runtime.startServer({ name: "B" });
			const profileA = load(a, "Orig_1")!;
			Runtime.wait(40);
			const theirs = original(b).GetProfileStore(STORE, TEMPLATE);
			let outcome: [unknown] | undefined;
			b.spawn(() => {
				outcome = [theirs.LoadProfileAsync("Orig_1")];
			});
			Runtime.wait(1);
			profileA.Data.Coins = 777;
			Runtime.waitUntil(() => outcome !== undefined, 400, "the original's load");
			expect((outcome![0] as { Data: typeof TEMPLATE }).Data.Coins).to.equal(777);
		});
	});
};

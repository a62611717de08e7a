/**
 * One benchmark scenario, in a fresh Luau VM state: `tools/Bench.ts` runs each scenario once per library and
 * repeat (and, for the steady state, with no library as a baseline), so that neither run inherits the other's heap
 * or garbage. The scenario is chosen with `--arg <scenario>:<library>[:<parameter>...]`; the result is printed as one
 * `BENCH {json}` line.
 */
import Runtime, { type SimServer } from "../test/Runtime";
import { LIBRARIES, libraryOn, storedState, type BenchData, type Handle, type Library } from "./Libraries";
import { trade, trading } from "./Trades"; // issue 26

type Kind = "baseline" | Library;
const TEMPLATE: BenchData = { Coins: 0, Items: new Array<string>() };
const PROFILES = 100;

const libraryFor = (kind: Library, server: SimServer, name: string) => libraryOn(kind, server, name, TEMPLATE);

/** Data of about `kilobytes` KB once encoded, shaped like a real inventory (items with names, counts and stats). */
function inventoryOf(kilobytes: number) {
	const items = new Array<{ Id: string; Name: string; Count: number; Stats: { Level: number; Xp: number } }>();
	const data = { Coins: 0, Items: new Array<string>(), Inventory: items };
	let size = 0;
	for (let i = 1; size < kilobytes * 1024; i++) {
		items.push({
			Id: `item_${i}`,
			Name: `Sword of the ${i}th Dawn`,
			Count: i % 7,
			Stats: { Level: i % 50, Xp: i * 13 },
		});
		size += 90;
	}
	return data;
}

/**
 * Real milliseconds one save of a profile of about `kilobytes` KB costs, from Save() to the write landing: the
 * library's own work plus the DataStore's encoding, which both libraries pay. Auto-saves also land in the windows
 * (and the original skips its next auto-save after a manual Save()), so the cost is per write that reached the
 * store: the wall time and the writes of an idle window of the same length are subtracted.
 */
function saveCost(kind: Library, kilobytes: number) {
	const server = Runtime.startServer({ name: `${kind}-saves` });
	const library = libraryFor(kind, server, `Saves_${kind}`);
	const profile = server.call(() => library.load("Player_1"))!;
	library.setData(profile, inventoryOf(kilobytes) as BenchData);
	const saves = 8;
	const writes = () => Runtime.store().stats().byMethod.UpdateAsync ?? 0;
	Runtime.wait(7);
	const idleWrites = writes();
	const idleStart = Runtime.wallClock();
	for (let i = 0; i < saves; i++) Runtime.wait(8);
	const idle = Runtime.wallClock() - idleStart;
	const idleCount = writes() - idleWrites;
	const busyWrites = writes();
	const start = Runtime.wallClock();
	for (let i = 0; i < saves; i++) {
		server.call(() => library.save(profile));
		// Past every library's write spacing (ours 6 s, the original's 7 s), so every Save() writes in its window.
		Runtime.wait(8);
	}
	const total = Runtime.wallClock() - start;
	const busyCount = writes() - busyWrites;
	server.crash();
	// Both windows pay the auto-saves' encoding; what the manual saves add is the rest.
	return (total - idle) / math.max(1, busyCount - idleCount);
}

/**
 * The steady state: one server with 100 players and their 100 profiles of ~1 KB of inventory, changed every minute,
 * for `minutes` virtual minutes: wall time, DataStore requests, and the Luau heap's floor in the second half.
 */
function steadyState(kind: Kind, minutes: number) {
	const server = Runtime.startServer({ name: `${kind}-steady` });
	for (let i = 1; i <= PROFILES; i++) server.addPlayer(i);
	const loaded: Handle[] = [];
	const library = kind !== "baseline" ? libraryFor(kind, server, `Steady_${kind}`) : undefined;
	if (library !== undefined) {
		for (let i = 1; i <= PROFILES; i++) {
			server.spawn(() => {
				const profile = library.load(`Player_${i}`);
				if (profile) {
					library.setData(profile, inventoryOf(1) as BenchData);
					loaded.push(profile);
				}
			});
		}
		Runtime.waitUntil(() => loaded.size() === PROFILES, 600, "profiles loaded");
	}
	const requestsBefore = Runtime.store().stats().requests;
	const updatesBefore = Runtime.store().stats().byMethod.UpdateAsync ?? 0;
	const memoryBefore = Runtime.memoryStore().stats().requests;
	const wallStart = Runtime.wallClock();
	// luau-web cannot force a collection; the lowest gcinfo() seen over the second half, sampled every half second,
	// is the end of an incremental cycle, when little but live data is left.
	let floor = math.huge;
	let sampling = true;
	task.spawn(() => {
		task.wait(minutes * 30);
		while (sampling) {
			floor = math.min(floor, gcinfo());
			task.wait(0.5);
		}
	});
	for (let minute = 0; minute < minutes; minute++) {
		for (const profile of loaded) library!.data(profile).Coins += 1;
		Runtime.wait(60);
	}
	sampling = false;
	const wall = (Runtime.wallClock() - wallStart) / 1000;
	const requests = Runtime.store().stats().requests - requestsBefore;
	const updates = (Runtime.store().stats().byMethod.UpdateAsync ?? 0) - updatesBefore;
	const memoryPerMinute = (Runtime.memoryStore().stats().requests - memoryBefore) / minutes;
	server.crash();
	return { wall, requests, updates, minutes, memoryPerMinute, heapFloorKb: floor, profiles: loaded.size() };
}

function percentile(values: number[], share: number) {
	const sorted = [...values].sort((a, b) => a < b);
	return sorted.size() === 0 ? 0 : sorted[math.min(sorted.size() - 1, math.floor(share * sorted.size()))];
}

/**
 * 100 players join one fresh server over 10 s, each loading a profile nobody holds: requests by type, load times,
 * the budget left once all are in, and throttled requests.
 */
function join(kind: Library) {
	const server = Runtime.startServer({ name: `${kind}-join` });
	const library = libraryFor(kind, server, `Join_${kind}`);
	const stats = Runtime.store().stats();
	const times: number[] = [];
	for (let i = 1; i <= PROFILES; i++) {
		server.addPlayer(i);
		server.spawn(() => {
			const start = Runtime.now();
			if (library.load(`Player_${i}`) !== undefined) times.push(Runtime.now() - start);
		});
		Runtime.wait(10 / PROFILES);
	}
	Runtime.waitUntil(() => times.size() === PROFILES, 600, "all players loaded");
	const after = Runtime.store().stats();
	const byMethod: Record<string, number> = {};
	for (const [method, count] of pairs(after.byMethod)) {
		const delta = count - (stats.byMethod[method] ?? 0);
		if (delta > 0) byMethod[method] = delta;
	}
	const result = {
		requests: after.requests - stats.requests,
		byMethod,
		p50: percentile(times, 0.5),
		max: percentile(times, 1),
		times,
		budgetGet: server.budget(Enum.DataStoreRequestType.GetAsync),
		budgetSet: server.budget(Enum.DataStoreRequestType.SetIncrementAsync),
		budgetUpdate: server.budget(Enum.DataStoreRequestType.UpdateAsync),
		throttled: after.throttled - stats.throttled,
	};
	server.crash();
	return result;
}

/**
 * A graceful shutdown with `count` loaded profiles, each changed just before, with `errorPercent` % of DataStore
 * requests failing from then on: how many were saved (the change stored) and released within the 30 s limit.
 */
function shutdown(kind: Library, count: number, errorPercent: number) {
	const server = Runtime.startServer({ name: `${kind}-shutdown` });
	const name = `Shutdown_${kind}_${count}_${errorPercent}`;
	const library = libraryFor(kind, server, name);
	const loaded: Handle[] = [];
	for (let i = 1; i <= count; i++) {
		server.addPlayer(i);
		server.spawn(() => {
			const profile = library.load(`Player_${i}`);
			if (profile) loaded.push(profile);
		});
		Runtime.wait(0.05);
	}
	Runtime.waitUntil(() => loaded.size() === count, 1200, "profiles loaded");
	// Let the request budget recover from the joins, as on a server that has been up for a while.
	Runtime.wait(120);
	for (const profile of loaded) library.data(profile).Coins = 7;
	Runtime.configureDataStore({ errorRate: errorPercent / 100 });
	const start = Runtime.now();
	server.shutdown();
	const took = Runtime.now() - start;
	Runtime.configureDataStore({ errorRate: 0 });
	let saved = 0;
	let released = 0;
	for (let i = 1; i <= count; i++) {
		const [value] = Runtime.store().get(name, undefined, `Player_${i}`);
		const stored = storedState(kind, value);
		if (stored.coins === 7) saved += 1;
		if (stored.coins === 7 && !stored.locked) released += 1;
	}
	return { count, errorPercent, saved, released, took };
}

/** How the holder is when B loads: live, crashed just before, or live with every MessagingService message lost. */
type Holder = "live" | "crashed" | "unreachable";

/**
 * Server B loads a profile server A holds, at `phases` evenly spaced points of A's 30 s auto-save cycle, starting
 * `offset` seconds after A's load. Per phase: seconds from B's load until it returns, or until it gave up (Lapis
 * does not hand a profile off: B's load gives up while A keeps the lock). With an unreachable holder, A's game
 * changes the profile every second while A has it active, as a live player's would: whether B got A's last change.
 */
function phasedLoads(kind: Library, phases: number, name: string, offset: number, holder: Holder) {
	const times: number[] = [];
	const gaveUp: number[] = [];
	let kept = 0;
	for (let phase = 0; phase < phases; phase++) {
		const a = Runtime.startServer({ name: `${kind}-${name}-A${phase}` });
		const b = Runtime.startServer({ name: `${kind}-${name}-B${phase}` });
		const key = `${name}_${phase}`;
		const libraryA = libraryFor(kind, a, `${name}_${kind}`);
		const held = a.call(() => libraryA.load(key))!;
		let lastChange = 0;
		if (holder === "unreachable") {
			a.spawn(() => {
				while (libraryA.isActive(held)) {
					lastChange += 1;
					libraryA.data(held).Coins = lastChange;
					task.wait(1);
				}
			});
		}
		Runtime.wait(offset + (phase * 30) / phases);
		if (holder === "crashed") a.crash();
		const libraryB = libraryFor(kind, b, `${name}_${kind}`);
		const start = Runtime.now();
		let loaded = b.call(() => libraryB.load(key));
		// Lapis's lock expires 30 minutes after the holder's last write: a game retries until then.
		while (loaded === undefined && kind === "lapis" && holder === "crashed" && Runtime.now() - start < 3600) {
			loaded = b.call(() => libraryB.load(key));
		}
		if (loaded === undefined) {
			if (kind !== "lapis") error(`bench: B could not load ${key}`);
			gaveUp.push(Runtime.now() - start);
		} else {
			times.push(Runtime.now() - start);
			const ended = !libraryA.isActive(held);
			if (holder === "unreachable" && ended && libraryB.data(loaded).Coins === lastChange) kept += 1;
		}
		a.crash();
		b.crash();
	}
	return { times, p50: percentile(times, 0.5), max: percentile(times, 1), gaveUp, kept, phases };
}

/** A live holder asked for its profile. */
const handOff = (kind: Library, phases: number) => phasedLoads(kind, phases, "HandOff", 1, "live");

/** A crashed holder's lock taken with the default ForceLoad, the crash after A's first auto-save (ours). */
const takeover = (kind: Library, phases: number) => phasedLoads(kind, phases, "Crash", 31, "crashed");

/** A live holder asked for its profile while every MessagingService message is lost. */
function handOffUnreachable(kind: Library, phases: number) {
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 1 });
	return phasedLoads(kind, phases, "Lost", 1, "unreachable");
}

export = () => {
	Runtime.setTimeLimit(24 * 3600);
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 0 });
	const [scenario, library, first, second] = (Runtime.argument() ?? "").split(":");
	const kind = library as Kind;
	if (kind !== "baseline" && !LIBRARIES.includes(kind)) {
		error(`bench: unknown library "${library}" (expected baseline, ${LIBRARIES.join(", ")})`);
	}
	const lib = kind as Library;
	let result: object;
	if (scenario === "saves") result = { ms: saveCost(lib, tonumber(first) ?? 1) };
	else if (scenario === "steady") result = steadyState(kind, tonumber(first) ?? 60);
	else if (scenario === "join") result = join(lib);
	else if (scenario === "shutdown") result = shutdown(lib, tonumber(first) ?? 100, tonumber(second) ?? 0);
	else if (scenario === "handoff") result = handOff(lib, tonumber(first) ?? 20);
	else if (scenario === "takeover") result = takeover(lib, tonumber(first) ?? 20);
	else if (scenario === "handofflost") result = handOffUnreachable(lib, tonumber(first) ?? 20);
	else if (scenario === "trade") result = trade(lib, first === "tx" ? "tx" : "plain", tonumber(second) ?? 20);
	else if (scenario === "trading") result = trading(lib, tonumber(first) ?? 10);
	else
		error(
			`bench: unknown scenario "${scenario}" (saves, steady, join, shutdown, handoff, takeover, handofflost, trade, trading)`,
		);
	Runtime.output(`BENCH ${game.GetService("HttpService").JSONEncode({ scenario, kind, ...result })}`);
};

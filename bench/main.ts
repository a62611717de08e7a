/**
 * One benchmark scenario, in a fresh Luau VM state: `tools/Bench.ts` runs each scenario once per library and
 * repeat (and, for the steady state, with no library as a baseline), so that neither run inherits the other's heap
 * or garbage. The scenario is chosen with `--arg <scenario>:<library>[:<parameter>...]`; the result is printed as one
 * `BENCH {json}` line.
 */
import type * as Library from "../src";
import Runtime, { type SimServer } from "../test/Runtime";

type Kind = "baseline" | "ours" | "original";
const ORIGINAL = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src";
const TEMPLATE = { Coins: 0, Items: new Array<string>() };
const PROFILES = 100;

interface AnyProfile {
	Data: typeof TEMPLATE;
	Release(): void;
}
interface AnyStore {
	LoadProfileAsync(key: string): AnyProfile | undefined;
}

/** Our store's AutoSavePeriod in this run (`ours-<seconds>` on the command line); undefined: the default. */
let period: number | undefined;

/** Seconds between two auto-saves of the library's profiles in this run. */
function cycleOf(kind: Kind) {
	return kind === "ours" ? (period ?? 30) : 30;
}

function storeOf(kind: Kind, server: SimServer, name: string): AnyStore {
	if (kind === "ours") {
		return server
			.require<typeof Library>("ReplicatedStorage/ProfileService")
			.ProfileService.GetProfileStore({ Name: name, AutoSavePeriod: period }, TEMPLATE);
	}
	const original = server.require<{ GetProfileStore: (this: void, n: string, t: object) => AnyStore }>(ORIGINAL);
	return original.GetProfileStore(name, TEMPLATE);
}

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
function saveCost(kind: "ours" | "original", kilobytes: number) {
	const server = Runtime.startServer({ name: `${kind}-saves` });
	const store = storeOf(kind, server, `Saves_${kind}`);
	const profile = server.call(() => store.LoadProfileAsync("Player_1"))! as unknown as {
		Data: object;
		Save(): void;
	};
	profile.Data = inventoryOf(kilobytes);
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
		server.call(() => profile.Save());
		// Past both libraries' write spacing (ours 6 s, the original's 7 s), so every Save() writes in its window.
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
	const loaded: AnyProfile[] = [];
	if (kind !== "baseline") {
		const store = storeOf(kind, server, `Steady_${kind}`);
		for (let i = 1; i <= PROFILES; i++) {
			server.spawn(() => {
				const profile = store.LoadProfileAsync(`Player_${i}`);
				if (profile) {
					(profile as unknown as { Data: object }).Data = inventoryOf(1);
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
		for (const profile of loaded) profile.Data.Coins += 1;
		Runtime.wait(60);
	}
	sampling = false;
	const wall = (Runtime.wallClock() - wallStart) / 1000;
	const requests = Runtime.store().stats().requests - requestsBefore;
	const updates = (Runtime.store().stats().byMethod.UpdateAsync ?? 0) - updatesBefore;
	const memory = Runtime.memoryStore().stats().requests - memoryBefore;
	server.crash();
	const profileHours = (math.max(1, loaded.size()) * minutes) / 60;
	return {
		wall,
		requests,
		heapFloorKb: floor,
		profiles: loaded.size(),
		updatesPerProfileHour: updates / profileHours,
		memoryPerMinute: memory / minutes,
	};
}

function percentile(values: number[], share: number) {
	const sorted = [...values].sort((a, b) => a < b);
	return sorted.size() === 0 ? 0 : sorted[math.min(sorted.size() - 1, math.floor(share * sorted.size()))];
}

/**
 * 100 players join one fresh server over 10 s, each loading a profile nobody holds: requests by type, load times,
 * the budget left once all are in, and throttled requests.
 */
function join(kind: "ours" | "original") {
	const server = Runtime.startServer({ name: `${kind}-join` });
	const store = storeOf(kind, server, `Join_${kind}`);
	const stats = Runtime.store().stats();
	const times: number[] = [];
	for (let i = 1; i <= PROFILES; i++) {
		server.addPlayer(i);
		server.spawn(() => {
			const start = Runtime.now();
			if (store.LoadProfileAsync(`Player_${i}`) !== undefined) times.push(Runtime.now() - start);
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
function shutdown(kind: "ours" | "original", count: number, errorPercent: number) {
	const server = Runtime.startServer({ name: `${kind}-shutdown` });
	const name = `Shutdown_${kind}_${count}_${errorPercent}`;
	const store = storeOf(kind, server, name);
	const loaded: AnyProfile[] = [];
	for (let i = 1; i <= count; i++) {
		server.addPlayer(i);
		server.spawn(() => {
			const profile = store.LoadProfileAsync(`Player_${i}`);
			if (profile) loaded.push(profile);
		});
		Runtime.wait(0.05);
	}
	Runtime.waitUntil(() => loaded.size() === count, 1200, "profiles loaded");
	// Let the request budget recover from the joins, as on a server that has been up for a while.
	Runtime.wait(120);
	for (const profile of loaded) profile.Data.Coins = 7;
	Runtime.configureDataStore({ errorRate: errorPercent / 100 });
	const start = Runtime.now();
	server.shutdown();
	const took = Runtime.now() - start;
	Runtime.configureDataStore({ errorRate: 0 });
	let saved = 0;
	let released = 0;
	for (let i = 1; i <= count; i++) {
		const [value] = Runtime.store().get(name, undefined, `Player_${i}`);
		const stored = value as { Data?: { Coins?: number }; MetaData?: { ActiveSession?: unknown } } | undefined;
		if (stored?.Data?.Coins === 7) saved += 1;
		if (stored?.Data?.Coins === 7 && stored.MetaData?.ActiveSession === undefined) released += 1;
	}
	return { count, errorPercent, saved, released, took };
}

/**
 * Server B loads a profile server A holds, at `phases` evenly spaced points of A's auto-save cycle, starting
 * `offset` seconds after A's load; with `crashHolder`, A crashes just before B loads. While B loads, A changes the
 * profile (unless crashed): the load must return that change. Seconds from B's LoadProfileAsync until it returns,
 * per phase, and how many loads returned A's last change.
 */
function phasedLoads(kind: "ours" | "original", phases: number, name: string, offset: number, crashHolder: boolean) {
	const times: number[] = [];
	let kept = 0;
	for (let phase = 0; phase < phases; phase++) {
		const a = Runtime.startServer({ name: `${kind}-${name}-A${phase}` });
		const b = Runtime.startServer({ name: `${kind}-${name}-B${phase}` });
		const key = `${name}_${phase}`;
		const storeA = storeOf(kind, a, `${name}_${kind}`);
		const profileA = a.call(() => storeA.LoadProfileAsync(key))!;
		Runtime.wait(offset + (phase * cycleOf(kind)) / phases);
		if (crashHolder) a.crash();
		const storeB = storeOf(kind, b, `${name}_${kind}`);
		const start = Runtime.now();
		let loaded: [AnyProfile | undefined] | undefined;
		b.spawn(() => {
			loaded = [storeB.LoadProfileAsync(key)];
		});
		// Progress the holder makes while the requester waits: a hand-off that loses it loses the player's items.
		if (!crashHolder) profileA.Data.Coins = 1000 + phase;
		Runtime.waitUntil(() => loaded !== undefined, 3600, `B's load of ${key}`);
		if (loaded![0] === undefined) error(`bench: B could not load ${key}`);
		times.push(Runtime.now() - start);
		if (crashHolder || loaded![0].Data.Coins === 1000 + phase) kept += 1;
		a.crash();
		b.crash();
	}
	return { times, p50: percentile(times, 0.5), max: percentile(times, 1), kept };
}

/** A live holder asked for its profile. */
const handOff = (kind: "ours" | "original", phases: number) => phasedLoads(kind, phases, "HandOff", 1, false);

/** The same with every MessagingService message lost. */
function handOffLost(kind: "ours" | "original", phases: number) {
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 1 });
	return phasedLoads(kind, phases, "Lost", 1, false);
}

/** A crashed holder's lock taken with the default ForceLoad, the crash after A's first auto-save. */
const takeover = (kind: "ours" | "original", phases: number) =>
	phasedLoads(kind, phases, "Crash", cycleOf(kind) + 1, true);

export = () => {
	Runtime.setTimeLimit(24 * 3600);
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.2 }, loss: 0 });
	const [scenario, named, first, second] = (Runtime.argument() ?? "").split(":");
	// "ours-300": ours with AutoSavePeriod 300.
	const [library, periodText] = named.split("-");
	period = tonumber(periodText);
	const kind = library as Kind;
	if (kind !== "baseline" && kind !== "ours" && kind !== "original") {
		error(`bench: unknown library "${library}" (expected baseline, ours or original)`);
	}
	const lib = kind as "ours" | "original";
	let result: object;
	if (scenario === "saves") result = { ms: saveCost(lib, tonumber(first) ?? 1) };
	else if (scenario === "steady") result = steadyState(kind, tonumber(first) ?? 60);
	else if (scenario === "join") result = join(lib);
	else if (scenario === "shutdown") result = shutdown(lib, tonumber(first) ?? 100, tonumber(second) ?? 0);
	else if (scenario === "handoff") result = handOff(lib, tonumber(first) ?? 20);
	else if (scenario === "handofflost") result = handOffLost(lib, tonumber(first) ?? 20);
	else if (scenario === "takeover") result = takeover(lib, tonumber(first) ?? 20);
	else
		error(
			`bench: unknown scenario "${scenario}" (saves, steady, join, shutdown, handoff, handofflost or takeover)`,
		);
	Runtime.output(`BENCH ${game.GetService("HttpService").JSONEncode({ scenario, kind, ...result })}`);
};

/**
 * One benchmark scenario, in a fresh Luau VM state: `runtime/host/Bench.ts` runs it once per library (and once with
 * no library, as a baseline), so that neither run inherits the other's heap or garbage. The scenario is chosen with
 * `--arg baseline|ours|original`; the result is printed as one `BENCH {json}` line.
 */
import type * as Library from "../src";
import Runtime, { type SimServer } from "../test/Runtime";

type Kind = "baseline" | "ours" | "original";
const ORIGINAL = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src";
const TEMPLATE = { Coins: 0, Items: new Array<string>() };
const PROFILES = 100;

interface AnyProfile {
	Data: typeof TEMPLATE;
}
interface AnyStore {
	LoadProfileAsync(key: string): AnyProfile | undefined;
}

function storeOf(kind: Kind, server: SimServer, name: string): AnyStore {
	if (kind === "ours") {
		return server
			.require<typeof Library>("ReplicatedStorage/ProfileService")
			.ProfileService.GetProfileStore(name, TEMPLATE);
	}
	const original = server.require<{ GetProfileStore: (this: void, n: string, t: object) => AnyStore }>(ORIGINAL);
	return original.GetProfileStore(name, TEMPLATE);
}

/**
 * One virtual hour on one server with 100 players (and, unless baseline, their 100 profiles, changed every
 * minute): wall time, DataStore requests, and the Luau heap's floor in the second half hour.
 */
function hour(kind: Kind) {
	const server = Runtime.startServer({ name: `${kind}-hour` });
	for (let i = 1; i <= PROFILES; i++) server.addPlayer(i);
	const loaded: AnyProfile[] = [];
	if (kind !== "baseline") {
		const store = storeOf(kind, server, `Hour_${kind}`);
		for (let i = 1; i <= PROFILES; i++) {
			server.spawn(() => {
				const profile = store.LoadProfileAsync(`Player_${i}`);
				if (profile) loaded.push(profile);
			});
		}
		Runtime.waitUntil(() => loaded.size() === PROFILES, 600, "profiles loaded");
	}
	const requestsBefore = Runtime.store().stats().requests;
	const wallStart = Runtime.wallClock();
	// luau-web cannot force a collection; the lowest gcinfo() seen over the second half hour, sampled every half
	// second, is the end of an incremental cycle, when little but live data is left.
	let floor = math.huge;
	let sampling = true;
	task.spawn(() => {
		task.wait(1800);
		while (sampling) {
			floor = math.min(floor, gcinfo());
			task.wait(0.5);
		}
	});
	for (let minute = 0; minute < 60; minute++) {
		for (const profile of loaded) profile.Data.Coins += 1;
		Runtime.wait(60);
	}
	sampling = false;
	const wall = (Runtime.wallClock() - wallStart) / 1000;
	const requests = Runtime.store().stats().requests - requestsBefore;
	server.crash();
	return { wall, requests, heapFloorKb: floor };
}

/** Seconds for server B to load a profile a live server A holds, averaged over offsets in A's save cycle. */
function handOff(kind: Kind) {
	let total = 0;
	const offsets = [3, 10, 17, 24];
	for (const offset of offsets) {
		const a = Runtime.startServer({ name: `${kind}-A` });
		const b = Runtime.startServer({ name: `${kind}-B` });
		const key = `HandOff_${offset}`;
		const storeA = storeOf(kind, a, `Bench_${kind}`);
		a.call(() => storeA.LoadProfileAsync(key));
		Runtime.wait(offset);
		const storeB = storeOf(kind, b, `Bench_${kind}`);
		const start = Runtime.now();
		b.call(() => storeB.LoadProfileAsync(key));
		total += Runtime.now() - start;
		a.crash();
		b.crash();
	}
	return total / offsets.size();
}

/** Seconds for a new server to take the lock of a crashed holder with the default ForceLoad. */
function crashTakeover(kind: Kind) {
	const a = Runtime.startServer({ name: `${kind}-crashed` });
	const b = Runtime.startServer({ name: `${kind}-next` });
	const storeA = storeOf(kind, a, `Crash_${kind}`);
	a.call(() => storeA.LoadProfileAsync("Player_1"));
	Runtime.wait(40);
	a.crash();
	const storeB = storeOf(kind, b, `Crash_${kind}`);
	const start = Runtime.now();
	b.call(() => storeB.LoadProfileAsync("Player_1"));
	const took = Runtime.now() - start;
	b.crash();
	return took;
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

export = () => {
	Runtime.setTimeLimit(24 * 3600);
	const [scenario, library, size] = (Runtime.argument() ?? "").split(":");
	if (scenario === "saves") {
		const ms = saveCost(library as "ours" | "original", tonumber(size) ?? 1);
		Runtime.output(
			`BENCH ${game.GetService("HttpService").JSONEncode({ kind: library, kilobytes: tonumber(size), ms })}`,
		);
		return;
	}
	const kind = (Runtime.argument() ?? "ours") as Kind;
	if (kind !== "baseline" && kind !== "ours" && kind !== "original") {
		error(`bench: unknown scenario "${kind}" (expected baseline, ours or original)`);
	}
	const result = hour(kind);
	const extra = kind === "baseline" ? {} : { handOff: handOff(kind), crashTakeover: crashTakeover(kind) };
	const json = game.GetService("HttpService").JSONEncode({ kind, ...result, ...extra });
	Runtime.output(`BENCH ${json}`);
};

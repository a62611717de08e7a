/**
 * `npm run bench`: our library against the original ProfileService (from @rbxts/profileservice, loaded unchanged),
 * side by side in one run of the offline runtime. Every figure is measured here, now; the ratios are what to read.
 * No memory row: luau-web cannot force a garbage collection, so gcinfo() differences swing by megabytes between runs.
 */
import type * as Library from "../src";
import Runtime, { type SimServer } from "../test/Runtime";

type Kind = "ours" | "original";
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

/** One virtual hour on one server with 100 players and their profiles: wall time and requests. */
function hour(kind: Kind) {
	const server = Runtime.startServer({ name: `${kind}-hour` });
	for (let i = 1; i <= PROFILES; i++) server.addPlayer(i);
	const store = storeOf(kind, server, `Hour_${kind}`);
	const loaded: AnyProfile[] = [];
	for (let i = 1; i <= PROFILES; i++) {
		server.spawn(() => {
			const profile = store.LoadProfileAsync(`Player_${i}`);
			if (profile) loaded.push(profile);
		});
	}
	Runtime.waitUntil(() => loaded.size() === PROFILES, 600, "profiles loaded");
	const requestsBefore = Runtime.store().stats().requests;
	const wallStart = Runtime.wallClock();
	for (let minute = 0; minute < 60; minute++) {
		for (const profile of loaded) profile.Data.Coins += 1;
		Runtime.wait(60);
	}
	const wall = (Runtime.wallClock() - wallStart) / 1000;
	const requests = Runtime.store().stats().requests - requestsBefore;
	server.crash();
	return { wall, requests };
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

function row(name: string, ours: number, original: number, unit: string) {
	const ratio = ours / original;
	const verdict = math.abs(ratio - 1) < 0.01 ? "same" : ratio < 1 ? "better" : "worse";
	const value = (v: number) => (unit === "" ? "%d".format(v) : `${"%.2f".format(v)} ${unit}`);
	Runtime.output(`| ${name} | ${value(ours)} | ${value(original)} | ${"%.2f".format(ratio)} (${verdict}) |`);
}

export = () => {
	Runtime.setTimeLimit(24 * 3600);
	const oursHour = hour("ours");
	const originalHour = hour("original");
	const oursHandOff = handOff("ours");
	const originalHandOff = handOff("original");
	const oursCrash = crashTakeover("ours");
	const originalCrash = crashTakeover("original");
	Runtime.output("ProfileService benchmark: ours against the original, same runtime, same run");
	Runtime.output("");
	Runtime.output("| measure | ours | original | ours / original |");
	Runtime.output("| --- | --- | --- | --- |");
	row(`wall time of 1 virtual hour, ${PROFILES} players`, oursHour.wall, originalHour.wall, "s");
	row("DataStore requests in that hour", oursHour.requests, originalHour.requests, "");
	row("hand-off from a live server", oursHandOff, originalHandOff, "virtual s");
	row("takeover of a crashed server's lock", oursCrash, originalCrash, "virtual s");
	Runtime.output("");
	Runtime.output(
		`runtime speed: 1 virtual hour with ${PROFILES} profiles took ${"%.2f".format(oursHour.wall)} wall s (ours)`,
	);
};

/**
 * Runtime benchmark: wall seconds per virtual hour with 100 profiles loaded on one server, using the original
 * ProfileService from @rbxts/profileservice (auto-saves, Heartbeat loop, DataStore traffic all simulated).
 */
import Runtime from "../test/Runtime";

const ORIGINAL = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src";
const PROFILES = 100;

interface OriginalProfile {
	Data: { Coins: number };
}
interface OriginalStore {
	LoadProfileAsync(key: string): OriginalProfile | undefined;
}
interface OriginalService {
	GetProfileStore: (this: void, name: string, template: object) => OriginalStore;
}

function measureHour(profiles: number): { wall: number; requests: number } {
	const server = Runtime.startServer({ name: `Bench${profiles}` });
	// One player per profile, as in a live server: the DataStore budgets grow with the player count.
	for (let i = 1; i <= profiles; i++) server.addPlayer(i);
	const store = server.require<OriginalService>(ORIGINAL).GetProfileStore("BenchData", { Coins: 0 });
	const loaded: OriginalProfile[] = [];
	for (let i = 1; i <= profiles; i++) {
		server.spawn(() => {
			const profile = store.LoadProfileAsync(`Player_${profiles}_${i}`);
			if (profile) loaded.push(profile);
		});
	}
	Runtime.waitUntil(() => loaded.size() === profiles, 600, "profiles loaded");
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

export = () => {
	Runtime.setTimeLimit(4 * 3600);
	const empty = measureHour(0);
	const full = measureHour(PROFILES);
	Runtime.output("runtime benchmark: one virtual hour on one server");
	Runtime.output(`  0 profiles:   ${"%.2f".format(empty.wall)} wall s, ${empty.requests} DataStore requests`);
	Runtime.output(`  ${PROFILES} profiles: ${"%.2f".format(full.wall)} wall s, ${full.requests} DataStore requests`);
	Runtime.output(`  speed-up over real time with ${PROFILES} profiles: ${"%.0f".format(3600 / full.wall)}x`);
};

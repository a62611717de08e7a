/**
 * What a trade costs (issue 26): ours through ProfileService.TransactAsync, and every library as two plain saves
 * (both profiles changed, then Save() on each), the way a game persists a trade without transactions.
 */
import type * as Ours from "../src";
import Runtime, { type SimServer } from "../test/Runtime";
import { libraryOn, type BenchData, type Handle, type Library } from "./Libraries";

const TEMPLATE: BenchData = { Coins: 0, Items: new Array<string>() };
const PLAYERS = 100;

function transactOn(kind: Library, server: SimServer) {
	if (kind !== "ours" && kind !== "ours300") return undefined;
	return server.require<typeof Ours>("ReplicatedStorage/ProfileService").ProfileService.TransactAsync;
}

function percentile(values: number[], share: number) {
	const sorted = [...values].sort((a, b) => a < b);
	return sorted.size() === 0 ? 0 : sorted[math.min(sorted.size() - 1, math.floor(share * sorted.size()))];
}

const updates = () => Runtime.store().stats().byMethod.UpdateAsync ?? 0;
const versionOf = (name: string, key: string) => Runtime.store().get(name, undefined, key)[1]?.version;

/**
 * `count` trades of 10 coins between two profiles whose keys are idle (no write within the cooldown): the UpdateAsync
 * each sends until it is durable, and the virtual seconds until then. `mode` "tx": TransactAsync (ours only; the
 * others report nothing); "plain": two Save() calls, durable once both writes landed.
 */
export function trade(kind: Library, mode: "tx" | "plain", count: number) {
	const server = Runtime.startServer({ name: `${kind}-trade-${mode}` });
	const name = `Trade_${kind}_${mode}`;
	const library = libraryOn(kind, server, name, TEMPLATE);
	const transact = transactOn(kind, server);
	if (mode === "tx" && transact === undefined) return { supported: false };
	const [a, b] = [server.call(() => library.load("A"))!, server.call(() => library.load("B"))!];
	library.data(a).Coins = 1000;
	const writes: number[] = [];
	const times: number[] = [];
	let failed = 0;
	for (let i = 0; i < count; i++) {
		Runtime.wait(8); // past every library's write spacing
		const before = updates();
		const start = Runtime.now();
		const move = () => {
			library.data(a).Coins -= 10;
			library.data(b).Coins += 10;
		};
		if (mode === "tx") {
			const ok = server.call(() =>
				transact!([a, b] as unknown as Parameters<typeof Ours.ProfileService.TransactAsync>[0], move),
			);
			if (!ok) failed += 1;
		} else {
			const versions = [versionOf(name, "A"), versionOf(name, "B")];
			server.call(() => {
				move();
				library.save(a);
				library.save(b);
			});
			Runtime.waitUntil(
				() => versionOf(name, "A") !== versions[0] && versionOf(name, "B") !== versions[1],
				60,
				"both saves landed",
			);
		}
		times.push(Runtime.now() - start);
		writes.push(updates() - before);
	}
	server.crash();
	return {
		supported: true,
		updatesPerTrade: writes.reduce((s, n) => s + n, 0) / count,
		p50: percentile(times, 0.5),
		max: percentile(times, 1),
		failed,
	};
}

/**
 * 100 players on one server for `minutes` virtual minutes, each in one trade a minute with another player (50
 * trades a minute, spread over it): ours through TransactAsync, the others as two plain saves. UpdateAsync per
 * minute (auto-saves included), the lowest UpdateAsync budget seen (sampled every second), throttled requests,
 * and for ours the transactions' latency and how many returned false.
 */
export function trading(kind: Library, minutes: number) {
	const server = Runtime.startServer({ name: `${kind}-trading` });
	const library = libraryOn(kind, server, `Trading_${kind}`, TEMPLATE);
	const transact = transactOn(kind, server);
	const profiles: Handle[] = [];
	for (let i = 1; i <= PLAYERS; i++) {
		server.addPlayer(i);
		server.spawn(() => {
			const profile = library.load(`Player_${i}`);
			if (profile !== undefined) {
				library.data(profile).Coins = 1000;
				profiles.push(profile);
			}
		});
		Runtime.wait(0.1);
	}
	Runtime.waitUntil(() => profiles.size() === PLAYERS, 600, "profiles loaded");
	Runtime.wait(120); // the budget recovers from the joins
	const random = new Random(26);
	const before = updates();
	const throttledBefore = Runtime.store().stats().throttled;
	let lowest = math.huge;
	let sampling = true;
	task.spawn(() => {
		while (sampling) {
			lowest = math.min(lowest, server.budget(Enum.DataStoreRequestType.UpdateAsync));
			task.wait(1);
		}
	});
	const times: number[] = [];
	let failed = 0;
	let started = 0;
	let finished = 0;
	for (let minute = 0; minute < minutes; minute++) {
		const order = [...profiles];
		for (let i = order.size() - 1; i > 0; i--) {
			const j = random.NextInteger(0, i);
			[order[i], order[j]] = [order[j], order[i]];
		}
		for (let pair = 0; pair < PLAYERS / 2; pair++) {
			const [a, b] = [order[2 * pair], order[2 * pair + 1]];
			started += 1;
			server.spawn(() => {
				const start = Runtime.now();
				const move = () => {
					library.data(a).Coins -= 1;
					library.data(b).Coins += 1;
				};
				if (transact !== undefined) {
					const ok = transact(
						[a, b] as unknown as Parameters<typeof Ours.ProfileService.TransactAsync>[0],
						move,
					);
					if (ok) times.push(Runtime.now() - start);
					else failed += 1;
				} else {
					move();
					library.save(a);
					library.save(b);
				}
				finished += 1;
			});
			Runtime.wait(60 / (PLAYERS / 2));
		}
	}
	Runtime.waitUntil(() => finished === started, 600, "the last trades");
	sampling = false;
	const result = {
		updatesPerMinute: (updates() - before) / minutes,
		lowestBudget: lowest,
		throttled: Runtime.store().stats().throttled - throttledBefore,
		trades: started,
		failed: transact !== undefined ? failed : undefined,
		p50: transact !== undefined ? percentile(times, 0.5) : undefined,
		max: transact !== undefined ? percentile(times, 1) : undefined,
	};
	server.crash();
	return result;
}

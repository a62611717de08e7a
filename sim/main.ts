/**
 * `npm run sim`: one deterministic multi-server scenario on the offline runtime, every event drawn from the seed.
 * Players join, play, leave, hop and rejoin; items are minted, burned and traded; gifts arrive from a server that
 * does not hold the profile; purchases are confirmed through MetaTagsLatest; servers shut down or crash; the
 * DataStore and MessagingService fail as the fault level says. The invariants of `Ledger.ts` are checked as it
 * runs and over every version the DataStore kept. The scenario is chosen with `--arg <json>`; the result is one
 * `SIM {json}` line, read by `tools/Sim.ts`.
 */
import Runtime, { type SimServer } from "../test/Runtime";
import { INVARIANTS, Ledger, copyData, describeData, sameData, type InvariantId } from "./Ledger";
import {
	STORE_NAME,
	serviceOn,
	type Fleet,
	type Impl,
	type SimData,
	type SimProfile,
	type SimService,
} from "./Library";
import { SchemaChange } from "./SchemaChange";
import { giftOf, storedFormatOf, type StoredValue } from "./StoredFormat";
import { Trades } from "./Trades"; // issue 26

/** Reads what a key stores in this run's library's format. */
let storedOf = storedFormatOf("ours");

interface Options {
	impl: Fleet;
	seed: number;
	servers: number;
	players: number;
	hours: number;
	faults: 0 | 10 | 30;
	/** A release with a new migration rolls out at half time (sim/SchemaChange.ts). */
	schemaChange?: boolean;
	/** AutoSavePeriod of our servers' store, seconds (default 30). */
	period?: number;
	/** Half the trades on our servers go through TransactAsync (sim/Trades.ts). */
	transactions?: boolean;
}

/**
 * Faults per level: DataStore error rate, lost responses (the write lands, the call errors) and 60 s outages; the
 * same error rate and number of 60 s outages (drawn apart) for MemoryStoreService, whose failures must never make
 * a live holder look dead.
 */
const FAULTS = {
	0: { errorRate: 0, lostResponseRate: 0, outagesPerHour: 0 },
	10: { errorRate: 0.1, lostResponseRate: 0.02, outagesPerHour: 1 },
	30: { errorRate: 0.3, lostResponseRate: 0.05, outagesPerHour: 2 },
};

/** Per player and virtual second. */
const RATES = {
	join: 1 / 45,
	leave: 1 / 400,
	hop: 1 / 500,
	rejoin: 1 / 700,
	earn: 0.2,
	mint: 0.03,
	burn: 0.015,
	trade: 0.02,
	purchase: 0.004,
	/** Gifts per second from the gift server, to any player, online or not. */
	gift: 0.25,
};
const MEAN_SERVER_LIFETIME = 1800;

/**
 * The conditions the fast paths must survive, drawn per server or per hop: clocks that disagree, hand-off
 * subscriptions that fail or hear nothing, requesters that crash or shut down during a hand-off, rejoins during a
 * hand-off, "ghost" hops (the player is on the new server while the old one still has them, up to 2 minutes),
 * and profiles whose RobloxMetaData leaves no room for a gift's nonce.
 */
const CONDITIONS = {
	/** Share of servers whose clock is off, by up to this many seconds either way. */
	skewedClocks: 0.5,
	maxClockSkew: 45,
	/** Shares of servers whose hand-off SubscribeAsync fails, and whose subscription hears nothing. */
	subscribeFails: 0.1,
	deaf: 0.1,
	/** Shares of hops that are ghost hops, that crash or shut down the new server during the load, or rejoin it. */
	ghostHop: 0.3,
	requesterCrash: 0.05,
	requesterShutdown: 0.05,
	rejoinDuringLoad: 0.1,
	/** Share of players whose RobloxMetaData is nearly full. */
	fullMetaData: 0.2,
	/** In a mixed fleet, the share of servers that run the original. */
	originalShare: 0.4,
	/**
	 * Share of servers cut off from MemoryStoreService (every request fails) once during their life, at a random
	 * time, for 1 to 10 minutes: their heartbeat stops while they keep playing.
	 */
	memoryStoreCut: 0.15,
};
/** RobloxMetaData that leaves no room in the key's 300-character metadata for a gift's nonce. */
const FULL_METADATA = { A: string.rep("a", 120), B: string.rep("b", 120) };

interface Player {
	userId: number;
	key: string;
	state: "offline" | "loading" | "online" | "rejoining";
	server?: GameServer;
	profile?: SimProfile;
	/** Receipts not yet granted: Roblox delivers them again on the player's next server. */
	receipts: string[];
	/** Incremented by every join: a load that finds it changed was superseded by a newer one. */
	loadToken: number;
}

/** A profile a server still holds for a player who already joined elsewhere (a ghost hop). */
interface Ghost {
	server: GameServer;
	profile: SimProfile;
	since: number;
}

interface GameServer {
	sim: SimServer;
	impl: Impl;
	service: SimService;
	name: string;
	startedAt: number;
	endsAt: number;
	ending: boolean;
	/** An array, not a Set: a Set of tables iterates in address order, which would make runs differ. */
	players: Player[];
}

function run(options: Options) {
	const hoursLimit = options.hours * 3600;
	Runtime.setTimeLimit(hoursLimit + 7200);
	const rng = new Random(options.seed);
	storedOf = storedFormatOf(options.impl);
	const ledger = new Ledger(() => Runtime.now());
	ledger.attributeApart = options.impl === "mixed";
	const schema = options.schemaChange === true ? new SchemaChange(ledger) : undefined;
	const faults = FAULTS[options.faults];
	const outages: Array<{ from: number; to: number }> = [];
	const outageCount = math.floor(faults.outagesPerHour * options.hours + 0.5);
	for (let i = 0; i < outageCount; i++) {
		const from = rng.NextNumber(60, math.max(61, hoursLimit - 120));
		outages.push({ from, to: from + 60 });
	}
	Runtime.configureDataStore({
		model: "official",
		latency: { min: 0.05, max: 0.3 },
		errorRate: faults.errorRate,
		lostResponseRate: faults.lostResponseRate,
		outages,
		seed: options.seed,
	});
	Runtime.configureMessaging({ delay: { min: 0.02, max: 0.5 }, loss: options.seed % 2 === 1 ? 0.5 : 0 });
	// MemoryStore faults draw from their own generator, so the rest of a seed's scenario stays what it was.
	const memoryRng = new Random(options.seed + 7);
	const memoryOutages: Array<{ from: number; to: number }> = [];
	for (let i = 0; i < outageCount; i++) {
		const from = memoryRng.NextNumber(60, math.max(61, hoursLimit - 120));
		memoryOutages.push({ from, to: from + 60 });
	}
	/** Servers cut off from MemoryStoreService right now. */
	const memoryCut: string[] = [];
	const configureMemoryStore = () =>
		Runtime.configureMemoryStore({
			latency: { min: 0.02, max: 0.1 },
			errorRate: faults.errorRate,
			outages: memoryOutages,
			failingServers: [...memoryCut],
			seed: options.seed + 1,
		});
	configureMemoryStore();

	const players: Player[] = [];
	for (let i = 1; i <= options.players; i++) {
		players.push({ userId: i, key: `Player_${i}`, state: "offline", receipts: [], loadToken: 0 });
	}
	const holders = new Map<string, GameServer>();
	/** The profile of each key's holding session: a session's hop-ready must not end a newer one on the same server. */
	const holdingProfile = new Map<string, SimProfile>();
	/** Loads of each key so far: a check of what one session left is moot once the key was loaded again. */
	const loadsOf = new Map<string, number>();
	const servers: GameServer[] = [];
	let serverSeconds = 0;
	let serverCounter = 0;
	/** What the end of the run waits for (ghost sessions, shutdowns, gifts), by label, for the report if it hangs. */
	const busy = new Set<string>();

	const implOf = (): Impl => {
		if (options.impl !== "mixed") return options.impl;
		return rng.NextNumber() < CONDITIONS.originalShare ? "original" : "ours";
	};
	const fullMetaData = new Set<string>();
	for (const player of players) if (rng.NextNumber() < CONDITIONS.fullMetaData) fullMetaData.add(player.key);
	/** Profiles a server holds for players who joined elsewhere meanwhile. */
	const ghosts = new Map<string, Ghost[]>();

	const startServer = (): GameServer => {
		serverCounter += 1;
		const name = `S${serverCounter}`;
		const roll = rng.NextNumber();
		const messaging =
			roll < CONDITIONS.subscribeFails
				? "subscribeFails"
				: roll < CONDITIONS.subscribeFails + CONDITIONS.deaf
					? "deaf"
					: "ok";
		const clockOffset =
			rng.NextNumber() < CONDITIONS.skewedClocks ? rng.NextNumber(-1, 1) * CONDITIONS.maxClockSkew : 0;
		const sim = Runtime.startServer({ name, messaging, clockOffset });
		const impl = implOf();
		serverByJob.set(sim.jobId, `${name} (${impl})`);
		const service = schema !== undefined ? schema.serviceOn(sim) : serviceOn(impl, sim, options.period);
		service.onCorruption((key) => ledger.violate(7, key, `CorruptionSignal fired on ${name}`, impl));
		const lifetime = -MEAN_SERVER_LIFETIME * math.log(1 - rng.NextNumber());
		const server: GameServer = {
			sim,
			impl,
			service,
			name,
			startedAt: Runtime.now(),
			endsAt: Runtime.now() + math.max(120, lifetime),
			ending: false,
			players: [],
		};
		if (memoryRng.NextNumber() < CONDITIONS.memoryStoreCut) {
			const cutAt = memoryRng.NextNumber(0, math.max(1, server.endsAt - server.startedAt));
			const cutFor = memoryRng.NextNumber(60, 600);
			task.delay(cutAt, () => {
				memoryCut.push(name);
				configureMemoryStore();
				ledger.counts.memoryStoreCuts += 1;
				task.wait(cutFor);
				const index = memoryCut.indexOf(name);
				if (index !== -1) memoryCut.remove(index);
				configureMemoryStore();
			});
		}
		// Budget pressure: other game systems read their own DataStore too.
		sim.spawn(() => {
			const config = game.GetService("DataStoreService").GetDataStore("SimConfig");
			for (;;) {
				pcall(() => config.GetAsync("settings"));
				task.wait(3);
			}
		});
		servers.push(server);
		return server;
	};

	const gifts = Runtime.startServer({ name: "Gifts" });
	const giftService = serviceOn(options.impl === "mixed" ? "ours" : options.impl, gifts);
	const originalGifts =
		options.impl === "mixed" ? serviceOn("original", Runtime.startServer({ name: "OldGifts" })) : undefined;

	const detach = (player: Player) => {
		const list = player.server?.players;
		const index = list?.indexOf(player) ?? -1;
		if (index !== -1) list!.remove(index);
		player.server = undefined;
		player.profile = undefined;
		player.state = "offline";
	};

	const touch = (profile: SimProfile) => {
		profile.Data.Seq += 1;
	};

	const applyGift = (player: Player, profile: SimProfile, id: number, gift: string) => {
		if (!profile.IsActive()) return;
		profile.Data.Gifts.push(gift);
		touch(profile);
		profile.GlobalUpdates.ClearLockedUpdate(id);
		ledger.event(player.key, `applied gift ${gift}`);
	};

	const deliverReceipt = (player: Player, receipt: string) => {
		const server = player.server!;
		const profile = player.profile!;
		server.sim.spawn(() => {
			if (!profile.IsActive()) return;
			const tags = profile.MetaData.MetaTags;
			const granted = (tags.Receipts as Record<string, boolean> | undefined) ?? {};
			if (granted[receipt] !== true) {
				profile.Data.Purchases.push(receipt);
				profile.Data.Coins += 10;
				touch(profile);
				granted[receipt] = true;
				profile.SetMetaTag("Receipts", granted);
			}
			profile.Save();
			while (profile.IsActive()) {
				const latest = profile.MetaData.MetaTagsLatest.Receipts as Record<string, boolean> | undefined;
				if (latest !== undefined && latest[receipt] === true) {
					const entry = ledger.purchases.get(receipt)!;
					if (!entry.granted) {
						entry.granted = true;
						ledger.counts.purchasesGranted += 1;
					}
					const index = player.receipts.indexOf(receipt);
					if (index !== -1) player.receipts.remove(index);
					ledger.event(player.key, `purchase ${receipt} granted`);
					return;
				}
				task.wait(0.5);
			}
		});
	};

	/**
	 * The failed DataStore requests a server logged for a key since `from`. ProfileService warns once per failed
	 * request; the write cooldown allows one write to a key every 6 s, so a release that failed four times or more
	 * in the 30 s close window was refused by the DataStore at every chance it had.
	 */
	const failedRequests = (server: GameServer, key: string, from: number) => {
		const marker = server.service.logMarker(key);
		if (marker === undefined) return 0;
		return server.sim
			.logs("warn")
			.filter((entry) => entry.time >= from && entry.text.find(marker, 1, true)[0] !== undefined)
			.size();
	};

	/** Virtual time at which `jobId`'s ForceLoad request first reached the key after `since`, if it did. */
	const requestLanded = (key: string, jobId: string, since: number) => {
		const offset = Runtime.unixMillis() / 1000 - Runtime.now();
		for (const { info, value } of Runtime.store().history(STORE_NAME, undefined, key)) {
			if (info.updatedTime / 1000 - offset < since) continue;
			const meta = storedOf(value)?.MetaData;
			if (meta?.ForceLoadSession?.[1] === jobId) return info.updatedTime / 1000 - offset;
		}
		return undefined;
	};

	/** Whether the holder `jobId` rewrote its lock (a save: LastUpdate changed) since virtual time `since`. */
	const holderWroteSince = (key: string, jobId: string, since: number) => {
		const sinceMillis = Runtime.unixMillis() - (Runtime.now() - since) * 1000;
		let lastUpdate: number | undefined;
		for (const { info, value } of Runtime.store().history(STORE_NAME, undefined, key)) {
			const meta = storedOf(value)?.MetaData;
			const holder = meta?.ActiveSession?.[1] === jobId;
			if (
				info.updatedTime >= sinceMillis &&
				holder &&
				lastUpdate !== undefined &&
				meta?.LastUpdate !== lastUpdate
			) {
				return true;
			}
			if (holder) lastUpdate = meta?.LastUpdate;
		}
		return false;
	};

	/** Whether the version before `jobId`'s latest take of the key's lock held no lock (it was free, not taken). */
	const lockWasFreeBefore = (key: string, jobId: string) => {
		const history = Runtime.store().history(STORE_NAME, undefined, key);
		for (let i = history.size() - 1; i >= 1; i--) {
			const active = storedOf(history[i].value)?.MetaData?.ActiveSession;
			if (active?.[1] !== jobId) continue;
			const before = storedOf(history[i - 1].value)?.MetaData?.ActiveSession;
			return before === undefined;
		}
		return false;
	};

	/**
	 * How long a requester waits for a live holder before it takes the lock: the original's 8 steps of 7 s (ours
	 * keeps them), ProfileStore's 40 s. A ProfileStore holder writes only every 300 s unless a message reaches it, so
	 * not writing in its window is no sign that it could not: that takes failed requests too (see checkSoleHolder).
	 */
	const forceLoadWindow = (holder: GameServer) => (holder.impl === "profilestore" ? 40 : 8 * 7);

	/** Invariant 9: when a load returns, no other live server may still have the key's profile active. */
	const checkSoleHolder = (player: Player, server: GameServer) => {
		for (const ghost of ghosts.get(player.key) ?? []) {
			if (ghost.server === server || ghost.server.sim.dead || !ghost.profile.IsActive()) continue;
			// The original's own exception: a holder that could not write for the whole ForceLoad window (its 8 steps of
			// 7 s) loses it. Any write it made after the request would have ended its session.
			const requested = requestLanded(player.key, server.sim.jobId, ghost.since);
			const window = requested === undefined ? 0 : Runtime.now() - requested;
			if (
				window >= forceLoadWindow(ghost.server) &&
				!holderWroteSince(player.key, ghost.server.sim.jobId, requested!) &&
				(ghost.server.impl !== "profilestore" || failedRequests(ghost.server, player.key, requested!) > 0)
			) {
				ledger.counts.handOffsUnwritable += 1;
				// What that holder had not stored is lost as in a crash, with the original too: its items may be gone.
				ledger.taint(ghost.profile.Data);
				ledger.event(
					player.key,
					`${ghost.server.name} could not write for the ForceLoad window: its unsaved progress is lost`,
				);
				continue;
			}
			for (const who of [ghost.server, server]) {
				const marker = who.service.logMarker(player.key);
				if (marker === undefined) continue;
				for (const entry of who.sim.logs()) {
					if (entry.time >= ghost.since - 60 && entry.text.find(marker, 1, true)[0] !== undefined) {
						ledger.event(player.key, `${who.name} at ${"%.2f".format(entry.time)}: ${entry.text}`);
					}
				}
			}
			// An original holder whose own release write landed while it saw an error (a lost response) keeps the
			// profile active after freeing the lock: that is its own doing, whoever takes the free lock next. A lock
			// taken from it while it still held it is the taker's doing.
			const freedByHolder = ghost.server.impl === "original" && lockWasFreeBefore(player.key, server.sim.jobId);
			const cause =
				(ghost.server.impl === "original" && server.impl === "original") || freedByHolder ? "original" : "ours";
			ledger.violate(
				9,
				player.key,
				`loaded on ${server.name} (${server.impl}) while ${ghost.server.name} (${ghost.server.impl}) still had it active`,
				cause,
			);
		}
	};

	const join = (player: Player, server: GameServer) => {
		player.state = "loading";
		player.server = server;
		if (!server.players.includes(player)) server.players.push(player);
		player.loadToken += 1;
		const token = player.loadToken;
		if (server.impl === "ours") ledger.ourKeys.add(player.key);
		const started = Runtime.now();
		ledger.event(player.key, `joins ${server.name}${options.impl === "mixed" ? ` (${server.impl})` : ""}`);
		server.sim.spawn(() => {
			const profile = server.service.store.LoadProfileAsync(player.key);
			// A newer join of this player on this server superseded this load; if that newer load already failed, the
			// player was detached (a loading player joins nowhere else: it neither hops nor leaves).
			if (token !== player.loadToken && (player.server === server || player.server === undefined)) {
				if (profile !== undefined) {
					ledger.violate(
						10,
						player.key,
						`a superseded load returned a profile on ${server.name}`,
						server.impl,
					);
					profile.Release();
				}
				return;
			}
			if (profile === undefined) {
				// Data at the new schema version refused by an old-release server: the player rejoins on a new one.
				if (schema?.refusedAsNewer(server.sim, player.key) === true) {
					if (player.server === server) detach(player);
					const upgraded = liveServers().filter((s) => schema.isNewRelease(s.sim));
					if (upgraded.size() > 0) join(player, pick(upgraded));
					return;
				}
				if (!server.ending) {
					ledger.violate(8, player.key, `LoadProfileAsync returned nil on ${server.name}`, server.impl);
				}
				if (player.server === server) detach(player);
				return;
			}
			checkSoleHolder(player, server);
			schema?.checkLoaded(player.key, profile.Data);
			if (fullMetaData.has(player.key)) profile.RobloxMetaData = FULL_METADATA;
			ledger.counts.loads += 1;
			loadsOf.set(player.key, (loadsOf.get(player.key) ?? 0) + 1);
			ledger.loadTimes.push(Runtime.now() - started);
			ledger.event(player.key, `loaded on ${server.name}: ${describeData(profile.Data)}`);
			const [storedNow] = Runtime.store().get(STORE_NAME, undefined, player.key);
			ledger.checkLoad(player.key, profile.Data, server.impl, storedOf(storedNow)?.Data);
			if (player.server !== server) {
				// The game let go of this player while the load ran (it detached them): it releases what it no longer
				// wants, unchanged, as a game's PlayerRemoving handler would.
				ledger.event(player.key, `load on ${server.name} returned after the player left it: released`);
				ledger.expect(player.key, profile.Data, `released unused on ${server.name}`, server.impl);
				profile.Release();
				return;
			}
			holders.set(player.key, server);
			holdingProfile.set(player.key, profile);
			profile.Data.LoadIndex = profile.MetaData.SessionLoadCount;
			touch(profile);
			profile.ListenToHopReady(() => {
				// The release of an earlier session on this server can land after a same-server rejoin loaded anew: that
				// newer session still holds the key (a crash must still set apart what it had not stored).
				if (holders.get(player.key) === server && holdingProfile.get(player.key) === profile) {
					holders.delete(player.key);
				}
			});
			const updates = profile.GlobalUpdates;
			for (const [id] of updates.GetActiveUpdates()) updates.LockActiveUpdate(id);
			for (const [id, data] of updates.GetLockedUpdates()) applyGift(player, profile, id, data.Gift);
			updates.ListenToNewActiveUpdate((id) => {
				if (profile.IsActive()) updates.LockActiveUpdate(id);
			});
			updates.ListenToNewLockedUpdate((id, data) => applyGift(player, profile, id, data.Gift));
			if (server.ending) {
				// Loaded as the server began to close: its BindToClose releases this profile too.
				ledger.expect(player.key, profile.Data, `loaded as ${server.name} closed`, server.impl);
				detach(player);
				return;
			}
			player.profile = profile;
			player.state = "online";
			for (const receipt of [...player.receipts]) deliverReceipt(player, receipt);
		});
	};

	const leave = (player: Player) => {
		const profile = player.profile!;
		ledger.expect(player.key, profile.Data, `released on ${player.server!.name}`, player.server!.impl);
		ledger.event(player.key, `leaves ${player.server!.name}: ${describeData(profile.Data)}`);
		profile.Release();
		detach(player);
	};

	const liveServers = () => servers.filter((s) => !s.ending);

	/**
	 * A ghost hop: the player joins `target` while their old server keeps the profile active, and the game there
	 * keeps changing it, until the new server's ForceLoad takes it or up to 2 minutes pass. Whatever the old server
	 * held when its session ended is what the new load must return (invariant 5), and the new load must not return
	 * while the old session is still active (invariant 9).
	 */
	const ghostHop = (player: Player, target: GameServer) => {
		const old = player.server!;
		const profile = player.profile!;
		const ghost: Ghost = { server: old, profile, since: Runtime.now() };
		const list = ghosts.get(player.key) ?? [];
		list.push(ghost);
		ghosts.set(player.key, list);
		ledger.counts.ghostHops += 1;
		profile.ListenToRelease(() => {
			if (!old.sim.dead) {
				ledger.expect(player.key, profile.Data, `released by ${old.name} after a ghost hop`, old.impl);
			}
		});
		const index = old.players.indexOf(player);
		if (index !== -1) old.players.remove(index);
		const lingering = rng.NextNumber(0, 120);
		busy.add(`ghost ${player.key} on ${old.name}`);
		old.sim.spawn(() => {
			const lingerUntil = Runtime.now() + lingering;
			while (profile.IsActive() && !old.ending && Runtime.now() < lingerUntil) {
				profile.Data.Coins += 1;
				touch(profile);
				task.wait(1);
			}
			if (profile.IsActive() && !old.ending) profile.Release();
			busy.delete(`ghost ${player.key} on ${old.name}`);
		});
		join(player, target);
	};

	/** A hop, plain or with one of the conditions a hand-off must survive. */
	const hop = (player: Player, target: GameServer) => {
		ledger.counts.hops += 1;
		let roll = rng.NextNumber();
		if (roll < CONDITIONS.ghostHop && target !== player.server) return ghostHop(player, target);
		leave(player);
		join(player, target);
		roll = rng.NextNumber();
		const during = (what: () => void) =>
			task.delay(rng.NextNumber(0.2, 3), () => {
				if (player.server === target && player.state === "loading" && !target.ending) what();
			});
		if (roll < CONDITIONS.requesterCrash) {
			during(() => {
				ledger.counts.requesterCrashes += 1;
				crash(target);
				startServer();
			});
		} else if (roll < CONDITIONS.requesterCrash + CONDITIONS.requesterShutdown) {
			during(() => {
				ledger.counts.requesterShutdowns += 1;
				shutdown(target);
				startServer();
			});
		} else if (roll < CONDITIONS.requesterCrash + CONDITIONS.requesterShutdown + CONDITIONS.rejoinDuringLoad) {
			during(() => {
				ledger.counts.rejoinsDuringLoad += 1;
				join(player, target);
			});
		}
	};
	const pick = <T>(list: T[]): T => list[rng.NextInteger(0, list.size() - 1)];

	const crash = (server: GameServer) => {
		server.ending = true;
		ledger.counts.crashes += 1;
		serverSeconds += Runtime.now() - server.startedAt;
		for (const player of [...server.players]) {
			ledger.taint(player.profile?.Data);
			detach(player);
		}
		server.sim.crash();
		// Its ghost sessions' threads died with it, and what they had not saved is legitimately lost, as for its players.
		for (const [key, list] of ghosts) {
			for (const ghost of list) {
				if (ghost.server !== server) continue;
				busy.delete(`ghost ${key} on ${server.name}`);
				ledger.taint(ghost.profile.Data);
			}
		}
		for (const [key, holder] of holders) {
			if (holder !== server) continue;
			holders.delete(key);
			const [value] = Runtime.store().get(STORE_NAME, undefined, key);
			const stored = storedOf(value)?.Data;
			ledger.taint(ledger.expectations.get(key)?.data);
			ledger.taint(stored);
			if (stored !== undefined) ledger.expect(key, stored, `stored when ${server.name} crashed`);
			else ledger.forget(key);
			ledger.event(key, `${server.name} crashed`);
		}
	};

	// issue 26: trades through TransactAsync, and crashes during them.
	const trades = new Trades(ledger, options.transactions === true, options.seed, (s) => {
		crash(s as GameServer);
		startServer();
	});

	const shutdown = (server: GameServer) => {
		server.ending = true;
		ledger.counts.shutdowns += 1;
		for (const [key, list] of ghosts) {
			for (const ghost of list) {
				if (ghost.server !== server || !ghost.profile.IsActive()) continue;
				ledger.expect(key, ghost.profile.Data, `ghost on ${server.name} at shutdown`, server.impl);
			}
		}
		const expected = new Map<string, { data: SimData; loads: number }>();
		for (const player of [...server.players]) {
			// A load in flight finishes (or returns nil) on its own; see join().
			if (player.state === "loading") continue;
			if (player.profile !== undefined) {
				ledger.expect(
					player.key,
					player.profile.Data,
					`shut down ${server.name} (${server.impl})`,
					server.impl,
				);
				ledger.event(player.key, `${server.name} shuts down: ${describeData(player.profile.Data)}`);
			}
			detach(player);
		}
		for (const [key, holder] of holders) {
			const expectation = ledger.expectations.get(key);
			if (holder === server && expectation !== undefined) {
				expected.set(key, { data: copyData(expectation.data), loads: loadsOf.get(key) ?? 0 });
			}
		}
		const started = Runtime.now();
		busy.add(`shutdown ${server.name}`);
		task.spawn(() => {
			server.sim.shutdown();
			serverSeconds += Runtime.now() - server.startedAt;
			// A shutdown shorter than a ghost's 1 s step (Lapis's can be) ends its thread before it sees the shutdown.
			for (const [key, list] of ghosts) {
				for (const ghost of list) if (ghost.server === server) busy.delete(`ghost ${key} on ${server.name}`);
			}
			for (const [key, { data: memory, loads }] of expected) {
				const data = trades.releasedData(key, memory, started); // issue 26
				if (holders.get(key) === server) holders.delete(key);
				// Loaded again elsewhere meanwhile: that load was checked against this memory (invariant 5).
				if ((loadsOf.get(key) ?? 0) !== loads) continue;
				const [value] = Runtime.store().get(STORE_NAME, undefined, key);
				const stored = storedOf(value)?.Data;
				if (stored !== undefined && sameData(stored, data)) continue;
				const detail = `stored ${describeData(stored)}, memory ${describeData(data)}`;
				const failures = failedRequests(server, key, started);
				if (failures >= 4) ledger.counts.releasesRefused += 1;
				// issue 26: a release held by a transaction still undecided when the close window ended.
				else if (trades.undecidedOn(key, server)) ledger.counts.releasesHeldByTransaction += 1;
				else {
					const why = `after ${server.name} shut down (${failures} failed requests): ${detail}`;
					ledger.violate(6, key, why, server.impl);
				}
				// What was lost is counted once: the next load is checked against what the store kept.
				ledger.taint(data);
				ledger.taint(stored);
				if (stored !== undefined) ledger.expect(key, stored, `stored after ${server.name} shut down`);
				else ledger.forget(key);
			}
			busy.delete(`shutdown ${server.name}`);
		});
	};

	const sendGift = () => {
		// Lapis cannot send one: the gift rows are n/a for it, and no invariant is charged for gifts.
		if (!giftService.gifts) return;
		const player = pick(players);
		const gift = ledger.newId("g");
		ledger.gifts.set(gift, { key: player.key, acked: false, sender: undefined });
		ledger.counts.giftsSent += 1;
		busy.add(`gift ${gift}`);
		const sender =
			originalGifts !== undefined && rng.NextNumber() < CONDITIONS.originalShare ? originalGifts : giftService;
		if (sender === giftService && options.impl !== "original") ledger.ourKeys.add(player.key);
		ledger.gifts.get(gift)!.sender = sender === giftService && options.impl !== "original" ? "ours" : "original";
		gifts.spawn(() => {
			// A call may also error (ours, when it cannot find out whether an earlier attempt landed): the gift is then
			// not acknowledged, and may be stored at most once.
			const [ok, result] = pcall(() =>
				sender.store.GlobalUpdateProfileAsync(player.key, (updates) => updates.AddActiveUpdate({ Gift: gift })),
			);
			if (ok && result !== undefined) {
				ledger.gifts.get(gift)!.acked = true;
				ledger.counts.giftsAcked += 1;
				ledger.event(player.key, `gift ${gift} acknowledged`);
			} else if (!ok) {
				ledger.counts.giftsErrored += 1;
				ledger.event(player.key, `gift ${gift} errored: ${tostring(result)}`);
			}
			busy.delete(`gift ${gift}`);
		});
	};

	const act = (player: Player) => {
		const profile = player.profile!;
		if (!profile.IsActive() || trades.busy(player)) return; // issue 26: left alone while TransactAsync yields
		const data = profile.Data;
		if (rng.NextNumber() < RATES.earn) {
			data.Coins += rng.NextInteger(1, 10);
			touch(profile);
		}
		if (rng.NextNumber() < RATES.mint) {
			data.Items.push(ledger.mint(player.key));
			touch(profile);
		}
		if (rng.NextNumber() < RATES.burn && data.Items.size() > 0) {
			const id = data.Items.remove(rng.NextInteger(0, data.Items.size() - 1))!;
			ledger.burn(id, player.key);
			touch(profile);
		}
		if (rng.NextNumber() < RATES.trade && data.Items.size() > 0) {
			const partners = [...player.server!.players].filter(
				(p) => p !== player && p.state === "online" && p.profile?.IsActive() === true && !trades.busy(p),
			);
			if (partners.size() > 0) {
				const partner = pick(partners);
				// issue 26: through TransactAsync, or the old kind (two plain changes).
				if (!trades.start(player.server!, player, partner)) {
					const item = data.Items.remove(rng.NextInteger(0, data.Items.size() - 1))!;
					partner.profile!.Data.Items.push(item);
					touch(profile);
					touch(partner.profile!);
					ledger.trade(item, player.key, partner.key);
				}
			}
		}
		if (rng.NextNumber() < RATES.purchase) {
			const receipt = ledger.newId("r");
			ledger.purchases.set(receipt, { key: player.key, granted: false });
			player.receipts.push(receipt);
			deliverReceipt(player, receipt);
		}
	};

	for (let i = 0; i < options.servers; i++) startServer();

	// The scenario, one virtual second at a time.
	while (Runtime.now() < hoursLimit) {
		Runtime.wait(1);
		const now = Runtime.now();
		if (schema !== undefined && !schema.rolledOut && now >= hoursLimit / 2) {
			// The rollout: half the live servers restart on the new release; the rest end in their own time.
			schema.rolledOut = true;
			const running = liveServers();
			for (let i = 0; i < math.ceil(running.size() / 2); i++) {
				shutdown(running[i]);
				startServer();
			}
		}
		for (const server of [...servers]) {
			if (server.ending || now < server.endsAt) continue;
			if (rng.NextNumber() < 0.5) crash(server);
			else shutdown(server);
			startServer();
		}
		if (rng.NextNumber() < RATES.gift) sendGift();
		const open = liveServers();
		for (const player of players) {
			if (player.state === "offline") {
				// The first ten seconds are a join burst, as when a popular server list refreshes.
				if (rng.NextNumber() < (now < 10 ? 0.3 : RATES.join)) join(player, pick(open));
			} else if (player.state === "online") {
				const roll = rng.NextNumber();
				if (roll < RATES.leave) {
					leave(player);
				} else if (roll < RATES.leave + RATES.hop) {
					hop(player, pick(open));
				} else if (roll < RATES.leave + RATES.hop + RATES.rejoin) {
					const server = player.server!;
					ledger.counts.rejoins += 1;
					leave(player);
					player.state = "rejoining";
					task.delay(rng.NextNumber(0, 3), () => {
						if (server.ending) player.state = "offline";
						else join(player, server);
					});
				} else {
					act(player);
				}
			}
		}
	}

	// Every server closes gracefully; pending gifts get up to ten minutes to land.
	for (const server of liveServers()) shutdown(server);
	const [settled] = pcall(() => Runtime.waitUntil(() => busy.size() === 0, 900, "shutdowns and gifts finish"));
	if (!settled) error(`still running after 900 s: ${[...busy].join(", ")}`);
	schema?.settle(players.map((player) => player.key));
	gifts.shutdown();
	ledger.counts.transactedChecked = ledger.transactedItems.size(); // issue 26
	checkStore(ledger, players);
	schema?.checkStore();
	return { ledger, serverSeconds, schema: schema?.counts };
}

/** Server names (and libraries) by JobId, for reports. */
const serverByJob = new Map<string, string>();

/** Where an item left a key's stored versions: the version that dropped it and its writer's session, for the report. */
function whereItemWent(key: string, id: string): string {
	let had: StoredValue | undefined;
	for (const { info, value } of Runtime.store().history(STORE_NAME, undefined, key)) {
		const stored = storedOf(value);
		const has = stored?.Data?.Items.includes(id) === true;
		if (had !== undefined && !has) {
			const session = (v: StoredValue | undefined) =>
				`${serverByJob.get(v?.MetaData?.ActiveSession?.[1] ?? "") ?? "no lock"} #${v?.MetaData?.SessionLoadCount} Seq ${v?.Data?.Seq}`;
			return `; dropped by version ${info.version} (${session(stored)}) after (${session(had)})`;
		}
		if (has) had = stored;
	}
	return had === undefined ? "; never stored on that key" : "";
}

/** Invariants 1, 2, 3, 4 and 7, over every version of every key and the final stored values. */
function checkStore(ledger: Ledger, players: Player[]) {
	const itemCopies = new Map<string, string[]>();
	const giftCopies = new Map<string, number>();
	const purchaseCopies = new Map<string, number>();
	const keys = Runtime.store().keys(STORE_NAME);
	for (const key of keys) {
		let seq = -1;
		let loadIndex = -1;
		let sessions = -1;
		let last: StoredValue | undefined;
		for (const { info, value } of Runtime.store().history(STORE_NAME, undefined, key)) {
			if (info.deleted) continue;
			const stored = storedOf(value)!;
			last = stored;
			if (!typeIs(stored, "table") || !typeIs(stored.GlobalUpdates, "table")) {
				ledger.violate(7, key, `version ${info.version} is not a profile: ${tostring(value)}`);
				continue;
			}
			if (stored.Data === undefined && stored.MetaData === undefined) continue; // gifts to a new key
			if (!typeIs(stored.Data, "table") || !typeIs(stored.MetaData, "table")) {
				ledger.violate(7, key, `version ${info.version} has Data ${typeOf(stored.Data)}`);
				continue;
			}
			const data = stored.Data;
			if (data.LoadIndex < loadIndex) {
				ledger.violate(
					2,
					key,
					`version ${info.version} from session ${data.LoadIndex} after session ${loadIndex}`,
				);
			} else if (data.Seq < seq || stored.MetaData.SessionLoadCount < sessions) {
				ledger.violate(1, key, `version ${info.version} has Seq ${data.Seq} after ${seq}`);
			}
			seq = math.max(seq, data.Seq);
			loadIndex = math.max(loadIndex, data.LoadIndex);
			sessions = math.max(sessions, stored.MetaData.SessionLoadCount);
		}
		if (last === undefined) continue;
		for (const id of last.Data?.Items ?? []) {
			const list = itemCopies.get(id) ?? [];
			list.push(key);
			itemCopies.set(id, list);
		}
		for (const id of last.Data?.Gifts ?? []) giftCopies.set(id, (giftCopies.get(id) ?? 0) + 1);
		for (const id of last.Data?.Purchases ?? []) purchaseCopies.set(id, (purchaseCopies.get(id) ?? 0) + 1);
		for (const update of last.GlobalUpdates?.[1] ?? []) {
			const gift = giftOf(update);
			if (gift !== undefined) giftCopies.set(gift, (giftCopies.get(gift) ?? 0) + 1);
		}
	}
	for (const [id, item] of ledger.items) {
		if (item.tainted) continue;
		const copies = itemCopies.get(id) ?? [];
		const expected = item.burned ? 0 : 1;
		if (copies.size() !== expected) {
			ledger.violate(
				3,
				item.key,
				`item ${id}: ${copies.size()} copies (${copies.join(" ")}), expected ${expected} (${item.trail.join("; ")})` +
					whereItemWent(item.key, id),
				undefined,
				[...item.keys, ...copies],
			);
		}
	}
	for (const [id, keysWith] of itemCopies) {
		if (!ledger.items.has(id)) ledger.violate(3, keysWith[0], `item ${id} was never minted`);
	}
	// Acknowledged gifts and granted purchases are stored exactly once; the others at most once.
	const exactlyOnce = (
		what: string,
		entries: Map<string, { key: string; sender?: Impl }>,
		copiesOf: Map<string, number>,
		done: (id: string) => boolean,
		doneWord: string,
	) => {
		for (const [id, entry] of entries) {
			const copies = copiesOf.get(id) ?? 0;
			if (copies > 1 || (done(id) && copies === 0)) {
				const state = done(id) ? doneWord : `not ${doneWord}`;
				// A copy too many is its sender's doing (a write whose lost response it took for a failure).
				const cause = copies > 1 ? entry.sender : undefined;
				ledger.violate(4, entry.key, `${what} ${id} (${state}) stored ${copies} times`, cause);
			}
		}
	};
	exactlyOnce("gift", ledger.gifts, giftCopies, (id) => ledger.gifts.get(id)!.acked, "acknowledged");
	exactlyOnce("purchase", ledger.purchases, purchaseCopies, (id) => ledger.purchases.get(id)!.granted, "granted");
	// Players never loaded again after their last session keep their expectation; check it against the store.
	for (const player of players) {
		const expectation = ledger.expectations.get(player.key);
		if (expectation === undefined) continue;
		const [value] = Runtime.store().get(STORE_NAME, undefined, player.key);
		const stored = storedOf(value)?.Data;
		if (stored === undefined || !sameData(stored, expectation.data)) {
			ledger.violate(
				5,
				player.key,
				`stored at the end ${describeData(stored)}, expected ${describeData(expectation.data)} (${expectation.why})`,
			);
		}
	}
}

function percentile(values: number[], share: number): number {
	if (values.size() === 0) return 0;
	const sorted = [...values];
	sorted.sort((a, b) => a < b);
	return sorted[math.min(sorted.size() - 1, math.floor(share * sorted.size()))];
}

export = () => {
	const options = game.GetService("HttpService").JSONDecode(Runtime.argument() ?? "{}") as Partial<Options>;
	const full: Options = {
		impl: options.impl ?? "ours",
		seed: options.seed ?? 1,
		servers: options.servers ?? 4,
		players: options.players ?? 40,
		hours: options.hours ?? 1,
		faults: options.faults ?? 0,
		schemaChange: options.schemaChange,
		period: options.period,
		transactions: options.transactions,
	};
	const wallStart = Runtime.wallClock();
	const { ledger, serverSeconds, schema } = run(full);
	const violations: Record<string, { name: string; count: number; example?: string; events?: string[] }> = {};
	const originalOnly: Record<string, number> = {};
	for (const [id, count] of ledger.violationsOriginalOnly) originalOnly[tostring(id)] = count;
	for (const [id, name] of pairs(INVARIANTS)) {
		const entry = ledger.violations.get(id as InvariantId);
		violations[tostring(id)] = { name, count: entry?.count ?? 0, example: entry?.example, events: entry?.events };
	}
	const result = {
		...full,
		serverHours: serverSeconds / 3600,
		counts: ledger.counts,
		loads: {
			count: ledger.loadTimes.size(),
			p50: percentile(ledger.loadTimes, 0.5),
			p90: percentile(ledger.loadTimes, 0.9),
			max: percentile(ledger.loadTimes, 1),
		},
		violations,
		violationsOriginalOnly: originalOnly,
		wallSeconds: (Runtime.wallClock() - wallStart) / 1000,
		requests: Runtime.store().stats().requests,
		faultsInjected: Runtime.store().stats().faults,
		updateAsync: Runtime.store().stats().byMethod.UpdateAsync ?? 0,
		memoryStore: {
			requests: Runtime.memoryStore().stats().requests,
			throttled: Runtime.memoryStore().stats().throttled,
		},
		schema,
	};
	Runtime.output(`SIM ${game.GetService("HttpService").JSONEncode(result)}`);
};

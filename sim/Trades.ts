/**
 * Trades through ProfileService.TransactAsync (issue 26), beside the old kind (two plain changes of Data, saved by
 * two separate writes). With `--transactions`, half of the trades between two players of one server running ours
 * go through TransactAsync; some of those servers are crashed a moment after the trade starts, so that crashes
 * fall over the transaction's writes, with whatever DataStore faults the run has.
 *
 * An item a committed transaction traded is counted by invariant 3 with no crash exemption: a crash of any server
 * that holds it later no longer sets it apart, until it moves again the old way or is burned (Ledger.transacted).
 * Items of the old kind of trade keep the exemption, side by side.
 *
 * The game keeps TransactAsync's contract: it does not change the two profiles while the transaction yields (the
 * players act again once it returns). A profile released while the transaction yields (a leave, a hop, a shutdown)
 * makes it return false unless its commit was already sent, and its release then writes the Data as the
 * transaction left it: what the sim expects of that release is taken again once the transaction is decided.
 */
import Runtime from "../test/Runtime";
import type { Ledger } from "./Ledger";
import { copyData } from "./Ledger";
import type { SimData, SimProfile, SimService } from "./Library";

/** Share of the trades between two players of one of our servers that go through TransactAsync. */
const TRANSACTION_SHARE = 0.5;
/** Share of those after which the server is crashed, 0 to 0.6 s after the trade starts. */
const CRASH_SHARE = 0.04;
const CRASH_WITHIN = 0.6;

interface TradeServer {
	sim: { spawn(fn: () => void): unknown; readonly dead: boolean };
	impl: string;
	service: SimService;
	ending: boolean;
}

interface TradePlayer {
	key: string;
	profile?: SimProfile;
}

export class Trades {
	/** Profiles in a transaction, by key, and their server: a player whose profile is here does not act. */
	private readonly trading = new Map<string, { profile: SimProfile; server: TradeServer }>();
	/** What a profile released during a transaction left, and when the transaction was decided, by key. */
	private readonly decided = new Map<string, { data: SimData; at: number }>();
	private readonly random: Random;

	public constructor(
		private readonly ledger: Ledger,
		private readonly enabled: boolean,
		seed: number,
		private readonly crash: (server: TradeServer) => void,
	) {
		// Its own draws: a run without transactions draws exactly what it drew before they existed.
		this.random = new Random(seed + 26);
	}

	/** Whether the player's profile is in a transaction (the game leaves it alone until it returns). */
	public busy(player: TradePlayer): boolean {
		return player.profile !== undefined && this.trading.get(player.key)?.profile === player.profile;
	}

	/**
	 * Starts a trade of one of `player`'s items to `partner` through TransactAsync, in a thread of the server. False
	 * when this trade is of the old kind (transactions off, a server that is not ours, or the draw): the caller
	 * trades the old way.
	 */
	public start(server: TradeServer, player: TradePlayer, partner: TradePlayer): boolean {
		const transact = server.service.transact;
		if (!this.enabled || transact === undefined || this.random.NextNumber() >= TRANSACTION_SHARE) return false;
		const [from, to] = [player.profile!, partner.profile!];
		const item = from.Data.Items[this.random.NextInteger(0, from.Data.Items.size() - 1)];
		const ledger = this.ledger;
		this.trading.set(player.key, { profile: from, server });
		this.trading.set(partner.key, { profile: to, server });
		ledger.counts.transactions += 1;
		ledger.event(player.key, `transaction: ${item} to ${partner.key}`);
		ledger.event(partner.key, `transaction: ${item} from ${player.key}`);
		// What the sim expects of each profile's release, if it is released during the transaction: taken once the
		// game's own release listeners ran, so that only that release's expectation is ever taken again.
		const released = new Map<string, object | undefined>();
		for (const [key, profile] of [
			[player.key, from],
			[partner.key, to],
		] as const) {
			profile.ListenToRelease(() => task.defer(() => released.set(key, ledger.expectations.get(key))));
		}
		if (this.random.NextNumber() < CRASH_SHARE) {
			task.delay(this.random.NextNumber(0, CRASH_WITHIN), () => {
				if (server.ending) return;
				ledger.counts.transactionCrashes += 1;
				ledger.event(player.key, `crash during the transaction of ${item}`);
				this.crash(server);
			});
		}
		server.sim.spawn(() => {
			const [ok, committed] = pcall(() =>
				transact([from, to], () => {
					const index = from.Data.Items.indexOf(item);
					if (index === -1) error(`${item} is no longer on the giver`);
					from.Data.Items.remove(index);
					to.Data.Items.push(item);
					from.Data.Seq += 1;
					to.Data.Seq += 1;
				}),
			);
			if (this.trading.get(player.key)?.profile === from) this.trading.delete(player.key);
			if (this.trading.get(partner.key)?.profile === to) this.trading.delete(partner.key);
			if (ok && committed) {
				ledger.transacted(item, player.key, partner.key);
			} else {
				ledger.counts.transactionsFalse += 1;
				const outcome = `transaction of ${item} returned ${ok ? "false" : tostring(committed)}`;
				ledger.event(player.key, outcome);
				ledger.event(partner.key, outcome);
				// Back as before in memory: a release during the transaction writes that, not what was expected then.
				for (const [key, profile] of [
					[player.key, from],
					[partner.key, to],
				] as const) {
					const expectation = ledger.expectations.get(key);
					// Only this profile's release: a newer session elsewhere may have set the key's expectation since.
					if (profile.IsActive() || expectation === undefined || released.get(key) !== expectation) continue;
					this.decided.set(key, { data: copyData(profile.Data), at: Runtime.now() });
					expectation.data = copyData(profile.Data);
				}
			}
		});
		return true;
	}

	/**
	 * Whether the key's profile on `server` is in a transaction that has not returned: after the server stopped,
	 * one whose decision never came (its commit kept failing), so its profiles' releases were never sent.
	 */
	public undecidedOn(key: string, server: object): boolean {
		return this.trading.get(key)?.server === server;
	}

	/**
	 * What a profile released by a shutdown that began at `since` (Runtime.now()) left: `data`, the memory when it
	 * began, unless a transaction of the profile was decided false after that.
	 */
	public releasedData(key: string, data: SimData, since: number): SimData {
		const decided = this.decided.get(key);
		return decided !== undefined && decided.at >= since ? decided.data : data;
	}
}

/**
 * What the simulation knows to be true, and the invariants it checks against the DataStore: the game's items,
 * gifts and purchases, what each key must hold at its next load, and the violations found, each with an example
 * and the events that led to it.
 */
import type { SimData } from "./Library";

import type { Impl } from "./Library";

export const INVARIANTS = {
	1: "no stored value goes back in time",
	2: "no stale session's write lands after a newer session loaded",
	3: "item conservation (copies = mints - burns)",
	4: "every acknowledged gift and granted purchase applied exactly once",
	5: "released data is never lost",
	6: "stored data equals memory after every graceful shutdown",
	7: "no corruption written by the library",
	8: "every load by a player whose previous server released or crashed succeeds",
	9: "no two servers have a profile active at once (unless the holder could not write for the ForceLoad window)",
	10: "a load superseded by a newer load of the same key on the same server never returns a profile",
	11: "schema change: every profile at the newest version after the settle, no migration ran twice",
} as const;

export type InvariantId = keyof typeof INVARIANTS;

interface Violation {
	count: number;
	example?: string;
	/** The example key's last events when the violation was found. */
	events?: string[];
}

/** What a key must hold when it is next loaded. */
interface Expectation {
	data: SimData;
	why: string;
	/** The library of the server whose session left this data (undefined after a crash: what the store kept). */
	by?: Impl;
}

/** In a mixed fleet, which library a violation is charged to; undefined: judged by the key (see violate). */
export type Cause = Impl | undefined;

export function copyData(data: SimData): SimData {
	return {
		Coins: data.Coins,
		Seq: data.Seq,
		LoadIndex: data.LoadIndex,
		Items: [...data.Items],
		Gifts: [...data.Gifts],
		Purchases: [...data.Purchases],
	};
}

export function describeData(data: SimData | undefined): string {
	if (data === undefined) return "nothing";
	return `Coins=${data.Coins} Seq=${data.Seq} LoadIndex=${data.LoadIndex} Items=${data.Items.size()} Gifts=${data.Gifts.size()} Purchases=${data.Purchases.size()}`;
}

function sameList(a: string[], b: string[]) {
	if (a.size() !== b.size()) return false;
	for (let i = 0; i < a.size(); i++) if (a[i] !== b[i]) return false;
	return true;
}

export function sameData(a: SimData, b: SimData): boolean {
	return (
		a.Coins === b.Coins &&
		a.Seq === b.Seq &&
		a.LoadIndex === b.LoadIndex &&
		sameList(a.Items, b.Items) &&
		sameList(a.Gifts, b.Gifts) &&
		sameList(a.Purchases, b.Purchases)
	);
}

export class Ledger {
	public readonly violations = new Map<InvariantId, Violation>();
	/** Items ever minted: burned or not, and whether a crash makes their count unknowable. */
	public readonly items = new Map<
		string,
		{ burned: boolean; tainted: boolean; key: string; keys: string[]; trail: string[] }
	>();
	public readonly gifts = new Map<string, { key: string; acked: boolean; sender?: Impl }>();
	public readonly purchases = new Map<string, { key: string; granted: boolean }>();
	public readonly expectations = new Map<string, Expectation>();
	public readonly loadTimes: number[] = [];
	public readonly counts = {
		loads: 0,
		hops: 0,
		rejoins: 0,
		crashes: 0,
		shutdowns: 0,
		giftsSent: 0,
		giftsAcked: 0,
		/** GlobalUpdateProfileAsync calls that raised an error (neither acknowledged nor retried). */
		giftsErrored: 0,
		purchasesGranted: 0,
		minted: 0,
		burned: 0,
		traded: 0,
		/** TransactAsync trades (sim/Trades.ts): started, returned false (or raised), crashes injected during one. */
		transactions: 0,
		transactionsFalse: 0,
		transactionCrashes: 0,
		/** Items traded by a committed TransactAsync, and those of them counted by invariant 3 with no exemption. */
		tradedByTransaction: 0,
		/** At the end: items invariant 3 counted with no crash exemption because a transaction traded them. */
		transactedChecked: 0,
		/** Crash exemptions not given to an item because a transaction had traded it (one per item and crash). */
		exemptionsRefused: 0,
		/** Releases at shutdown that the DataStore refused at every attempt the close window allowed. */
		releasesRefused: 0,
		/**
		 * Releases at shutdown held for the whole close window by a transaction that could not reach its decision
		 * (its commit failing): the next load resolves it from the coordinator key, as after a crash.
		 */
		releasesHeldByTransaction: 0,
		/** Hops during which the old server kept the player's profile active (up to 2 minutes). */
		ghostHops: 0,
		/** New servers that crashed, or began shutting down, while loading a hopping player. */
		requesterCrashes: 0,
		requesterShutdowns: 0,
		/** Same-server rejoins while the first load was still running. */
		rejoinsDuringLoad: 0,
		/** Servers cut off from MemoryStoreService for a while (their heartbeat stops; they keep playing). */
		memoryStoreCuts: 0,
		/** Hand-offs whose holder could not write for the whole ForceLoad window (the original's own exception). */
		handOffsUnwritable: 0,
	};
	/**
	 * Items a committed transaction traded while their count was known (never set apart by a crash, never traded the
	 * old way, whose two writes may leave an unsaved copy behind): no crash sets them apart any more, until they
	 * move the old way or are burned (sim/Trades.ts).
	 */
	public readonly transactedItems = new Set<string>();
	/** Items ever traded the old way (two plain changes). */
	private readonly tradedPlainly = new Set<string>();
	private readonly events = new Map<string, string[]>();
	private nextId = 0;

	public constructor(private readonly now: () => number) {}

	/** Records an event of a key, for the log printed with a violation. */
	public event(key: string, text: string) {
		let list = this.events.get(key);
		if (list === undefined) {
			list = [];
			this.events.set(key, list);
		}
		list.push(`${string.format("%9.2f", this.now())} ${text}`);
		if (list.size() > 60) list.shift();
	}

	public eventsOf(key: string): string[] {
		return this.events.get(key) ?? [];
	}

	/**
	 * In a mixed fleet, a violation is the original's own (counted apart) when the servers that caused it all run the
	 * original: `cause` says so where the check knows the servers involved (a load and the session before it, a
	 * gift's sender, a shutdown's server). Where it does not (checks over the stored versions at the end), the key
	 * decides: a key no server of ours ever loaded, held or sent a gift to, or one whose data an original-only
	 * violation already damaged (what follows from that damage is the same violation's consequence).
	 */
	public readonly ourKeys = new Set<string>();
	public attributeApart = false;
	public readonly violationsOriginalOnly = new Map<InvariantId, number>();
	private readonly damagedByOriginal = new Set<string>();

	public violate(id: InvariantId, key: string, detail: string, cause?: Cause, related: string[] = [key]) {
		// An item moves between keys: a copy that an original-only violation restored on one of them is its doing.
		const originalOnly =
			cause === "original" ||
			(cause === undefined &&
				(related.every((k) => !this.ourKeys.has(k)) || related.some((k) => this.damagedByOriginal.has(k))));
		if (this.attributeApart && originalOnly) {
			this.damagedByOriginal.add(key);
			this.violationsOriginalOnly.set(id, (this.violationsOriginalOnly.get(id) ?? 0) + 1);
			this.event(key, `VIOLATION ${id} (original servers only): ${detail}`);
			return;
		}
		const entry = this.violations.get(id) ?? { count: 0 };
		entry.count += 1;
		this.event(key, `VIOLATION ${id}: ${detail}`);
		if (entry.example === undefined) {
			entry.example = `${key} at ${string.format("%.2f", this.now())} s: ${detail}`;
			const events = this.eventsOf(key);
			entry.events = events.filter((_, i) => i >= events.size() - 15);
		}
		this.violations.set(id, entry);
	}

	public newId(prefix: string) {
		this.nextId += 1;
		return `${prefix}${this.nextId}`;
	}

	public mint(key: string): string {
		const id = this.newId("i");
		this.items.set(id, {
			burned: false,
			tainted: false,
			key,
			keys: [key],
			trail: [`minted by ${key} at ${"%.2f".format(this.now())}`],
		});
		this.event(key, `minted ${id}`);
		this.counts.minted += 1;
		return id;
	}

	public burn(id: string, key: string) {
		const item = this.items.get(id);
		this.transactedItems.delete(id);
		if (item) {
			item.burned = true;
			item.trail.push(`burned by ${key} at ${"%.2f".format(this.now())}`);
		}
		this.event(key, `burned ${id}`);
		this.counts.burned += 1;
	}

	public trade(id: string, from: string, to: string) {
		this.transactedItems.delete(id);
		this.tradedPlainly.add(id);
		const item = this.items.get(id);
		if (item) {
			item.key = to;
			if (!item.keys.includes(to)) item.keys.push(to);
			item.trail.push(`${from} to ${to} at ${"%.2f".format(this.now())}`);
		}
		this.counts.traded += 1;
		this.event(from, `traded ${id} to ${to}`);
		this.event(to, `received ${id} from ${from}`);
	}

	/** An item traded by a committed TransactAsync: stored exactly once from now on, whatever crashes. */
	public transacted(id: string, from: string, to: string) {
		const item = this.items.get(id);
		if (item) {
			item.key = to;
			if (!item.keys.includes(to)) item.keys.push(to);
			item.trail.push(`${from} to ${to} by TransactAsync at ${"%.2f".format(this.now())}`);
			if (!item.tainted && !this.tradedPlainly.has(id)) this.transactedItems.add(id);
		}
		this.counts.tradedByTransaction += 1;
		this.event(from, `transacted ${id} to ${to}`);
		this.event(to, `received ${id} from ${from} by TransactAsync`);
	}

	/**
	 * A crash loses what was not saved: items of the crashed profiles can be lost or duplicated legitimately, except
	 * those a committed transaction traded.
	 */
	public taint(data: SimData | undefined) {
		if (data === undefined) return;
		for (const id of data.Items) {
			const item = this.items.get(id);
			if (item === undefined) continue;
			if (this.transactedItems.has(id)) this.counts.exemptionsRefused += 1;
			else item.tainted = true;
		}
	}

	public expect(key: string, data: SimData, why: string, by?: Impl) {
		this.expectations.set(key, { data: copyData(data), why, by });
	}

	public forget(key: string) {
		this.expectations.delete(key);
	}

	/** Invariant 5: a load must return what the key's previous session left. */
	public checkLoad(key: string, loaded: SimData, loader?: Impl, stored?: SimData) {
		const expected = this.expectations.get(key);
		this.expectations.delete(key);
		if (expected === undefined) return;
		if (!sameData(expected.data, loaded)) {
			// A load that returned exactly what the key stores did its part: what is missing was never stored, which
			// is the releasing session's doing (an original server's shutdown whose release never landed).
			const loaderBlameless = stored !== undefined && sameData(stored, loaded);
			const cause: Cause =
				(loader === "original" && expected.by !== "ours") || (loaderBlameless && expected.by === "original")
					? "original"
					: "ours";
			this.violate(
				5,
				key,
				`loaded ${describeData(loaded)}, expected ${describeData(expected.data)} (${expected.why})`,
				cause,
			);
		}
	}
}

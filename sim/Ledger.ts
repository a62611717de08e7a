/**
 * What the simulation knows to be true, and the invariants it checks against the DataStore: the game's items,
 * gifts and purchases, what each key must hold at its next load, and the violations found, each with an example
 * and the events that led to it.
 */
import type { SimData } from "./Library";

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
}

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
	public readonly items = new Map<string, { burned: boolean; tainted: boolean; key: string }>();
	public readonly gifts = new Map<string, { key: string; acked: boolean }>();
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
		purchasesGranted: 0,
		minted: 0,
		burned: 0,
		traded: 0,
		/** Releases at shutdown that the DataStore refused at every attempt the close window allowed. */
		releasesRefused: 0,
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

	public violate(id: InvariantId, key: string, detail: string) {
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
		this.items.set(id, { burned: false, tainted: false, key });
		this.event(key, `minted ${id}`);
		this.counts.minted += 1;
		return id;
	}

	public burn(id: string, key: string) {
		const item = this.items.get(id);
		if (item) item.burned = true;
		this.event(key, `burned ${id}`);
		this.counts.burned += 1;
	}

	public trade(id: string, from: string, to: string) {
		const item = this.items.get(id);
		if (item) item.key = to;
		this.counts.traded += 1;
		this.event(from, `traded ${id} to ${to}`);
		this.event(to, `received ${id} from ${from}`);
	}

	/** A crash loses what was not saved: items of the crashed profiles can be lost or duplicated legitimately. */
	public taint(data: SimData | undefined) {
		if (data === undefined) return;
		for (const id of data.Items) {
			const item = this.items.get(id);
			if (item) item.tainted = true;
		}
	}

	public expect(key: string, data: SimData, why: string) {
		this.expectations.set(key, { data: copyData(data), why });
	}

	public forget(key: string) {
		this.expectations.delete(key);
	}

	/** Invariant 5: a load must return what the key's previous session left. */
	public checkLoad(key: string, loaded: SimData) {
		const expected = this.expectations.get(key);
		this.expectations.delete(key);
		if (expected === undefined) return;
		if (!sameData(expected.data, loaded)) {
			this.violate(
				5,
				key,
				`loaded ${describeData(loaded)}, expected ${describeData(expected.data)} (${expected.why})`,
			);
		}
	}
}

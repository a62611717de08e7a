import type { DataStoreAdapter } from "../DataStoreAdapter";
import { Settings } from "./Constants";

/**
 * Spaces the writes this server makes to one key by the DataStore write cooldown, first in first out, and waits
 * for request budget instead of overflowing Roblox's throttle queue. Mock stores have neither, so they pass.
 * @internal
 */
export class WriteQueue {
	private readonly lastWrite = new Map<string, number>();
	private readonly waiting = new Map<string, thread[]>();
	/** Requests waiting for budget, by request kind, first come first served. */
	private readonly budgetLine = new Map<string, thread[]>();

	/** True when nothing is queued for the key. */
	public isIdle(key: string): boolean {
		const queue = this.waiting.get(key);
		return queue === undefined || queue.size() === 0;
	}

	/** Seconds until a write to `key` may start, ignoring the queue. */
	public cooldownLeft(key: string): number {
		const last = this.lastWrite.get(key);
		return last === undefined ? 0 : math.max(0, last + Settings.WriteCooldown - os.clock());
	}

	/** Waits for the key's turn and for budget, then runs `request` and returns what it returns. */
	public run<T>(adapter: DataStoreAdapter, key: string, kind: "update" | "get" | "list", request: () => T): T {
		if (adapter.IsMock) return request();
		if (kind === "update") {
			let queue = this.waiting.get(key);
			if (queue === undefined) {
				queue = [];
				this.waiting.set(key, queue);
			}
			const me = coroutine.running();
			queue.push(me);
			while (queue[0] !== me || this.cooldownLeft(key) > 0) {
				task.wait(math.max(this.cooldownLeft(key), 1 / 60));
			}
			queue.shift();
			if (queue.size() === 0) this.waiting.delete(key);
			this.lastWrite.set(key, os.clock());
			this.prune();
		}
		this.waitForBudget(adapter, kind);
		return request();
	}

	/**
	 * Budget refills by about one request a second; waiting here keeps requests out of the throttle queue, where a
	 * full queue would drop them with an error. Waiters are served in arrival order: polled in no order, one load on
	 * a budget-starved server could lose every race for minutes.
	 */
	private waitForBudget(adapter: DataStoreAdapter, kind: "update" | "get" | "list") {
		let line = this.budgetLine.get(kind);
		if ((line === undefined || line.size() === 0) && adapter.GetBudget(kind) >= Settings.BudgetReserve) return;
		if (line === undefined) {
			line = [];
			this.budgetLine.set(kind, line);
		}
		const me = coroutine.running();
		line.push(me);
		for (;;) {
			// A waiter whose thread was cancelled never takes its turn.
			while (line[0] !== me && line[0] !== undefined && coroutine.status(line[0]) === "dead") line.shift();
			if (line[0] === me && adapter.GetBudget(kind) >= Settings.BudgetReserve) break;
			task.wait(0.25);
		}
		line.shift();
	}

	private prune() {
		// Only keys written within the cooldown matter; a server holds a key per player, so forget the rest.
		if (this.lastWrite.size() < 32) return;
		const now = os.clock();
		for (const [key, time] of this.lastWrite) {
			if (now - time > Settings.WriteCooldown && this.isIdle(key)) this.lastWrite.delete(key);
		}
	}
}

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
	/** Requests waiting for budget, by request kind: urgent ones first, then first come first served. */
	private readonly budgetLine = new Map<string, Array<{ thread: thread; urgent: boolean }>>();

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

	/**
	 * Waits for the key's turn and for budget, then runs `request` and returns what it returns. An `urgent` request
	 * (a release, whose data a ForceLoad would take from it within a minute) goes ahead of the others in the budget
	 * line, and only it may spend the last UrgentBudget of the budget.
	 */
	public run<T>(
		adapter: DataStoreAdapter,
		key: string,
		kind: "update" | "get" | "list",
		request: () => T,
		urgent = false,
	): T {
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
		this.waitForBudget(adapter, kind, urgent);
		return request();
	}

	/**
	 * Budget refills by about one request a second; waiting here keeps requests out of the throttle queue, where a
	 * full queue would drop them with an error. Waiters are served in arrival order, urgent ones first: polled in no
	 * order, one load on a budget-starved server could lose every race for minutes, and a release could wait behind
	 * every auto-save of the server until another server took its lock.
	 */
	private waitForBudget(adapter: DataStoreAdapter, kind: "update" | "get" | "list", urgent: boolean) {
		const floor = Settings.BudgetReserve + (urgent ? 0 : Settings.UrgentBudget);
		let line = this.budgetLine.get(kind);
		if ((line === undefined || line.size() === 0) && adapter.GetBudget(kind) >= floor) return;
		if (line === undefined) {
			line = [];
			this.budgetLine.set(kind, line);
		}
		const me = { thread: coroutine.running(), urgent };
		let at = line.size();
		if (urgent) {
			at = 0;
			while (at < line.size() && line[at].urgent) at += 1;
		}
		line.insert(at, me);
		for (;;) {
			// A waiter whose thread was cancelled never takes its turn.
			while (line[0] !== me && line[0] !== undefined && coroutine.status(line[0].thread) === "dead") line.shift();
			if (line[0] === me && adapter.GetBudget(kind) >= floor) break;
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

import { t } from "@rbxts/t";
import { ScriptSignal, type ScriptConnection } from "./ScriptSignal";
import { expectArgument, expectMethodCall, expectStorable } from "./internal/Arguments";
import type { StoredGlobalUpdate, StoredGlobalUpdates } from "./internal/Payload";
import { storableProblem } from "./internal/Validation";

/** The data of a global update: any table of your own. */
export type GlobalUpdateData = {
	[index: string]: unknown;
	/** A conventional field naming the kind of update ("Gift", "AdminGift"...); not required. */
	Type?: string;
};

/** A global update as the query methods return it: [updateId, updateData]. */
export type GlobalUpdateEntry<U extends object = GlobalUpdateData> = [updateId: number, updateData: U];

/**
 * How a GlobalUpdates object may be used: on a loaded profile, inside a GlobalUpdateProfileAsync handler, or
 * read-only (view mode and the object GlobalUpdateProfileAsync returns).
 * @internal
 */
export type GlobalUpdatesMode = "profile" | "handler" | "view";

const wholeNumber = (value: unknown): value is number => t.number(value) && value % 1 === 0;

function expectUpdateId(method: string, updateId: unknown): asserts updateId is number {
	expectArgument(`GlobalUpdates:${method}()`, "updateId", updateId, wholeNumber, "a whole number");
}

function expectUpdateData(method: string, updateData: unknown): asserts updateData is object {
	expectArgument(`GlobalUpdates:${method}()`, "updateData", updateData, t.table, "a table");
	expectStorable(`GlobalUpdates:${method}()`, "updateData", updateData, "updateData");
}

/** The error for an update id that names no update; `method` is the GlobalUpdates method. */
function noSuchUpdate(method: string, updateId: number): never {
	error(`[ProfileService] GlobalUpdates:${method}(): argument "updateId" (${updateId}) names no update`, 3);
}

/**
 * Messages sent to a profile from any server, even while it is not loaded anywhere. An update is Active when
 * created; the server holding the profile locks it (Locked), processes it, then clears it (Cleared = gone).
 * Locking and clearing are delivered with the next auto-save or `Profile:Save()`.
 */
export class GlobalUpdates<U extends object = GlobalUpdateData> {
	/** @internal */
	public latest: StoredGlobalUpdates;
	// Created on first use: most profiles never hold a pending lock or clear, and a server holds many profiles.
	/** Ids to lock at the next save. @internal */
	public pendingLock?: number[];
	/** Ids to clear at the next save. @internal */
	public pendingClear?: number[];
	/** Handler mode: ids added or changed by the handler, checked again once it returns. @internal */
	public touched?: number[];
	private newActive?: ScriptSignal<[updateId: number, updateData: U]>;
	private newLocked?: ScriptSignal<[updateId: number, updateData: U]>;

	private constructor(
		latest: StoredGlobalUpdates,
		/** @internal */
		public readonly mode: GlobalUpdatesMode,
		private readonly isActive: () => boolean,
	) {
		this.latest = latest;
	}

	/** @internal */
	public static create<U extends object>(
		latest: StoredGlobalUpdates,
		mode: GlobalUpdatesMode,
		isActive: () => boolean = () => false,
	): GlobalUpdates<U> {
		return new GlobalUpdates<U>(latest, mode, isActive);
	}

	private isLockPending(updateId: number) {
		return this.pendingLock !== undefined && this.pendingLock.includes(updateId);
	}

	private isClearPending(updateId: number) {
		return this.pendingClear !== undefined && this.pendingClear.includes(updateId);
	}

	private find(updateId: number): StoredGlobalUpdate | undefined {
		return this.latest[1].find((update) => update[0] === updateId);
	}

	/** Active updates, except those this server has already asked to lock. */
	public GetActiveUpdates(): Array<GlobalUpdateEntry<U>> {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:GetActiveUpdates()");
		const list: Array<GlobalUpdateEntry<U>> = [];
		for (const update of this.latest[1]) {
			if (!update[2] && !this.isLockPending(update[0])) list.push([update[0], update[3] as U]);
		}
		return list;
	}

	/** Locked updates, except those this server has already asked to clear. */
	public GetLockedUpdates(): Array<GlobalUpdateEntry<U>> {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:GetLockedUpdates()");
		const list: Array<GlobalUpdateEntry<U>> = [];
		for (const update of this.latest[1]) {
			if (update[2] && !this.isClearPending(update[0])) list.push([update[0], update[3] as U]);
		}
		return list;
	}

	private requireProfileMode(method: string) {
		if (this.mode === "handler") {
			error(
				`[ProfileService] GlobalUpdates:${method}() can't be used inside ProfileStore:GlobalUpdateProfileAsync()`,
				3,
			);
		} else if (this.mode === "view") {
			error(`[ProfileService] GlobalUpdates:${method}() can't be used in view mode; load the profile instead`, 3);
		}
	}

	/**
	 * Calls `listener` for every new Active update that arrives while the profile is loaded. Updates already there
	 * at load time are in {@link GetActiveUpdates}. Usually the listener calls {@link LockActiveUpdate}.
	 */
	public ListenToNewActiveUpdate(listener: (updateId: number, updateData: U) => void): ScriptConnection {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:ListenToNewActiveUpdate()");
		expectArgument("GlobalUpdates:ListenToNewActiveUpdate()", "listener", listener, t.callback, "a function");
		this.requireProfileMode("ListenToNewActiveUpdate");
		if (!this.isActive()) return { Connected: false, Disconnect() {} };
		this.newActive ??= ScriptSignal.create();
		return this.newActive.Connect(listener);
	}

	/**
	 * Calls `listener` for every update that becomes Locked while the profile is loaded. Process the update, then
	 * call {@link ClearLockedUpdate}. Once one listener clears an update, later listeners are not called for it.
	 */
	public ListenToNewLockedUpdate(listener: (updateId: number, updateData: U) => void): ScriptConnection {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:ListenToNewLockedUpdate()");
		expectArgument("GlobalUpdates:ListenToNewLockedUpdate()", "listener", listener, t.callback, "a function");
		this.requireProfileMode("ListenToNewLockedUpdate");
		if (!this.isActive()) return { Connected: false, Disconnect() {} };
		this.newLocked ??= ScriptSignal.create();
		return this.newLocked.Connect(listener);
	}

	/** Turns an Active update into a Locked one at the next save. Errors if the profile is no longer active. */
	public LockActiveUpdate(updateId: number): void {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:LockActiveUpdate()");
		const update = this.pendingTarget("LockActiveUpdate", updateId);
		if (!update[2] && !this.isLockPending(updateId)) (this.pendingLock ??= []).push(updateId);
	}

	/** Removes a Locked update at the next save. Errors if the profile is no longer active. */
	public ClearLockedUpdate(updateId: number): void {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:ClearLockedUpdate()");
		const update = this.pendingTarget("ClearLockedUpdate", updateId);
		if (update[2] && !this.isClearPending(updateId)) (this.pendingClear ??= []).push(updateId);
	}

	/** The checks of a lock or clear request on a loaded profile; returns the update it names. */
	private pendingTarget(method: string, updateId: number): StoredGlobalUpdate {
		expectUpdateId(method, updateId);
		this.requireProfileMode(method);
		if (!this.isActive()) error(`[ProfileService] GlobalUpdates:${method}(): the profile is no longer active`, 3);
		const update = this.find(updateId);
		if (update === undefined) noSuchUpdate(method, updateId);
		return update;
	}

	private requireHandlerMode(method: string) {
		if (this.mode !== "handler") {
			error(
				`[ProfileService] GlobalUpdates:${method}() only works inside ProfileStore:GlobalUpdateProfileAsync()`,
				3,
			);
		}
	}

	/**
	 * Sends a new Active update. Only inside a GlobalUpdateProfileAsync handler.
	 * @throws When `updateData` is not a table the DataStore can store (the error names the path of the first value
	 * it would refuse), or outside a handler. Nothing changes on error.
	 */
	public AddActiveUpdate(updateData: U): void {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:AddActiveUpdate()");
		expectUpdateData("AddActiveUpdate", updateData);
		this.requireHandlerMode("AddActiveUpdate");
		const index = this.latest[0] + 1;
		this.latest[0] = index;
		this.latest[1].push([index, 1, false, updateData]);
		(this.touched ??= []).push(index);
	}

	/**
	 * Replaces the data of an Active update (for example to stack gifts). Only inside a handler.
	 * @throws When `updateId` names no Active update, or `updateData` is not a table the DataStore can store.
	 */
	public ChangeActiveUpdate(updateId: number, updateData: U): void {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:ChangeActiveUpdate()");
		expectUpdateId("ChangeActiveUpdate", updateId);
		expectUpdateData("ChangeActiveUpdate", updateData);
		this.requireHandlerMode("ChangeActiveUpdate");
		const update = this.find(updateId);
		if (update === undefined) noSuchUpdate("ChangeActiveUpdate", updateId);
		if (update[2]) error(`[ProfileService] GlobalUpdates:ChangeActiveUpdate(): update ${updateId} is locked`, 2);
		update[1] += 1;
		update[3] = updateData;
		(this.touched ??= []).push(updateId);
	}

	/** Removes an Active update. Only inside a handler. */
	public ClearActiveUpdate(updateId: number): void {
		expectMethodCall(this, GlobalUpdates, "GlobalUpdates:ClearActiveUpdate()");
		expectUpdateId("ClearActiveUpdate", updateId);
		this.requireHandlerMode("ClearActiveUpdate");
		const list = this.latest[1];
		const index = list.findIndex((update) => update[0] === updateId);
		if (index === -1) noSuchUpdate("ClearActiveUpdate", updateId);
		if (list[index][2])
			error(`[ProfileService] GlobalUpdates:ClearActiveUpdate(): update ${updateId} is locked`, 2);
		list.remove(index);
	}

	/**
	 * @internal After a handler returned: what the DataStore would refuse about an update it added or changed (its
	 * data may have been changed after the call that checked it), or undefined. Walks only those updates.
	 */
	public touchedProblem(): string | undefined {
		if (this.touched === undefined) return undefined;
		for (const id of this.touched) {
			const update = this.find(id);
			const problem = update !== undefined ? storableProblem(update[3], "updateData") : undefined;
			if (problem !== undefined) return `update ${id} cannot be stored in a DataStore: ${problem}`;
		}
		return undefined;
	}

	/**
	 * @internal Applies the pending locks, and with `clears` the pending clears, to a stored copy inside the save
	 * transform. A save that cannot write Data must not clear: the clear would land without the Data that
	 * processed the update, and the update would be lost.
	 */
	public applyPending(stored: StoredGlobalUpdates, clears: boolean) {
		for (const update of stored[1]) {
			if (this.isLockPending(update[0])) update[2] = true;
		}
		if (!clears || this.pendingClear === undefined) return;
		for (const clearId of this.pendingClear) {
			const index = stored[1].findIndex((update) => update[0] === clearId && update[2]);
			if (index !== -1) stored[1].remove(index);
		}
	}

	/**
	 * @internal After a save: adopts the stored updates and fires listeners for updates that are new, or whose
	 * version or lock state changed.
	 */
	public deliver(stored: StoredGlobalUpdates, fireListeners: boolean) {
		const old = this.latest;
		this.latest = stored;
		// Pending locks and clears that the store has applied are done.
		const locks = this.pendingLock;
		if (locks !== undefined) {
			for (let i = locks.size() - 1; i >= 0; i--) {
				const update = stored[1].find((u) => u[0] === locks[i]);
				if (update === undefined || update[2]) locks.remove(i);
			}
		}
		const clears = this.pendingClear;
		if (clears !== undefined) {
			for (let i = clears.size() - 1; i >= 0; i--) {
				if (stored[1].find((u) => u[0] === clears[i]) === undefined) clears.remove(i);
			}
		}
		if (!fireListeners) return;
		for (const update of stored[1]) {
			const before = old[1].find((u) => u[0] === update[0]);
			const isNew = before === undefined || update[1] > before[1] || update[2] !== before[2];
			if (!isNew) continue;
			const [id, , locked, data] = update;
			if (!locked) {
				if (!this.isLockPending(id)) this.newActive?.Fire(id, data as U);
			} else if (!this.isClearPending(id)) {
				this.newLocked?.FireUntil(() => !this.isClearPending(id) && this.isActive(), id, data as U);
			}
		}
	}
}
